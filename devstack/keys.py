"""``python -m devstack keys ...``: the API's key commands against the local stack's database.

``python -m api.keys`` takes the database from ``DATABASE_URL``, as the service does; the local stack's
embedded PostgreSQL listens on a socket in its data folder, a URL nobody types. The service may not know
about the local stack (it never imports this package), so the stack, which knows where its database is,
offers the same commands: ``DATABASE_URL`` if set (as for ``make run``), else the embedded server in
``DEVSTACK_DATA_DIR`` (default ``.data``), the one ``make run`` is running or, while it is stopped,
started for the command and stopped after it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from api import keys
from devstack.postgres import start_embedded, stop_embedded
from devstack.settings import DevStackSettings
from infra.settings import Settings

PROG = "python -m devstack keys"


def main(argv: Sequence[str]) -> int:
    keys.parser(PROG).parse_args(argv)  # --help and usage errors before PostgreSQL starts
    if database_url := Settings().database_url:
        return asyncio.run(keys.run(argv, database_url))
    postgres_dir = DevStackSettings().postgres_dir
    if not (postgres_dir / "PG_VERSION").exists():
        print(f"no local stack's database in {postgres_dir}: run `make run` once first", file=sys.stderr)
        return 2
    # A second handle on a server another process started leaves it running when released.
    database_url = start_embedded(postgres_dir)
    try:
        return asyncio.run(keys.run(argv, database_url))
    finally:
        stop_embedded(postgres_dir)
