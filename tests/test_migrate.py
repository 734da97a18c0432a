from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from infra.migrate import MIGRATIONS_DIR, migrate

VERSIONS = sorted(path.stem for path in MIGRATIONS_DIR.glob("*.sql"))

Connect = Callable[[], Awaitable[asyncpg.Connection]]


@pytest.fixture
async def empty_schema(database_url: str) -> AsyncIterator[Connect]:
    """Connections that see only a new, empty schema: a fresh database without CREATE DATABASE rights."""
    schema = f"migrate_test_{uuid.uuid4().hex[:12]}"
    opened: list[asyncpg.Connection] = []

    async def connect() -> asyncpg.Connection:
        conn = await asyncpg.connect(database_url, server_settings={"search_path": schema})
        opened.append(conn)
        return conn

    admin = await asyncpg.connect(database_url)
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield connect
    finally:
        for conn in opened:
            await conn.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


async def test_session_database_is_migrated_and_rerun_applies_nothing(database_url: str) -> None:
    assert await migrate(database_url) == []
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
    finally:
        await conn.close()
    assert [r["version"] for r in rows] == VERSIONS


async def test_applies_everything_once_to_an_empty_database(empty_schema: Connect) -> None:
    conn = await empty_schema()
    assert await migrate(conn) == VERSIONS
    assert await migrate(conn) == []
    tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    assert {t["tablename"] for t in tables} >= {"disputes", "dispute_events", "notifications", "sellers"}


async def test_processes_starting_together_migrate_once(empty_schema: Connect) -> None:
    connections = [await empty_schema() for _ in range(3)]
    results = await asyncio.gather(*(migrate(conn) for conn in connections))
    assert sorted(results) == [[], [], VERSIONS]


async def test_failed_migration_leaves_nothing_behind(empty_schema: Connect, tmp_path: Path) -> None:
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE good (id int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int); SELECT no_such_function();")
    conn = await empty_schema()

    with pytest.raises(asyncpg.UndefinedFunctionError):
        await migrate(conn, tmp_path)

    assert [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")] == ["0001_good"]
    assert await conn.fetchval("SELECT to_regclass('half')") is None
    # The lock was released: the fixed migration applies.
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE half (id int);")
    assert await migrate(conn, tmp_path) == ["0002_bad"]


async def run_cli(env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "infra.migrate", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_command_line_reports_what_it_applied(database_url: str) -> None:
    code, out, _ = await run_cli({**os.environ, "DATABASE_URL": database_url})
    assert (code, out.strip()) == (0, "nothing to apply: the schema is up to date")


async def test_command_line_without_database_url_says_what_to_do() -> None:
    code, _, err = await run_cli({k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
    assert code == 2
    assert "DATABASE_URL is not set" in err and "make run" in err
