"""Schema migrations: ``migrations/*.sql`` applied once each, in name order.

``python -m infra.migrate`` applies them to ``DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg

from infra.settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Any fixed number works; every process migrating this database must use the same one.
_LOCK_KEY = 7_241_024_001


async def migrate(target: asyncpg.Connection | str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not applied yet, each in its own transaction; return their versions.

    ``target`` is a connection or a DSN. A session advisory lock serialises processes that start
    together (workers, API), so each migration runs exactly once.
    """
    conn = await asyncpg.connect(target) if isinstance(target, str) else target
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            return await _apply_pending(conn, directory)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    finally:
        if isinstance(target, str):
            await conn.close()


async def _apply_pending(conn: asyncpg.Connection, directory: Path) -> list[str]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    done = {row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")}
    applied: list[str] = []
    for version, sql in await asyncio.to_thread(_read, directory):
        if version in done:
            continue
        async with conn.transaction():
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
        applied.append(version)
    return applied


def _read(directory: Path) -> list[tuple[str, str]]:
    """The migrations as (version, SQL), in the order they apply."""
    return [(path.stem, path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.sql"))]


def main() -> int:
    url = Settings().database_url
    if not url:
        print(
            "DATABASE_URL is not set. Set it to the PostgreSQL to migrate "
            "(postgresql://user:password@host:5432/database), or use `make run`, "
            "which starts an embedded PostgreSQL and migrates it.",
            file=sys.stderr,
        )
        return 2
    applied = asyncio.run(migrate(url))
    for version in applied:
        print(f"applied {version}")
    if not applied:
        print("nothing to apply: the schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
