"""PostgreSQL connections: the app's pool and single connections, with the codecs both need.

The embedded server the local stack and the tests start is in ``devstack.postgres``.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

import asyncpg


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


async def ping(pool: asyncpg.Pool) -> None:
    """A round trip to the database: it answers, or this raises."""
    await pool.fetchval("SELECT 1")
