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


class _KeptSession(asyncpg.Connection):
    """A connection whose session is not reset when the pool takes it back: asyncpg still rolls back a
    transaction left open, and sends nothing else (``reset_session=False``)."""

    def get_reset_query(self) -> str:
        return ""


async def create_pool(
    dsn: str, *, min_size: int = 1, max_size: int = 10, reset_session: bool = True
) -> asyncpg.Pool:
    """The pool the worker's activities and the API share.

    By default every connection given back is reset (advisory locks, cursors, LISTEN, settings): one
    more round trip after each query. ``reset_session=False`` leaves that out, for code that keeps no
    such state in a session (the API: its statements stand alone or run in transactions).
    """
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        connection_class=asyncpg.Connection if reset_session else _KeptSession,
    )


async def ping(pool: asyncpg.Pool) -> None:
    """A round trip to the database: it answers, or this raises."""
    await pool.fetchval("SELECT 1")
