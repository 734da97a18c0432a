"""Which failures mean PostgreSQL is unavailable (503): whatever the driver raises, and only the driver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.errors import postgres_unavailable
from devstack.processes import free_port
from infra.postgres import create_pool


async def _raised(attempt: Awaitable[Any]) -> BaseException:
    with pytest.raises(BaseException) as caught:
        await attempt
    return caught.value


async def test_a_unix_socket_that_is_gone_is_postgresql_down(tmp_path: Path) -> None:
    error = await _raised(asyncpg.connect(f"postgresql://app@/db?host={tmp_path}", timeout=5))
    assert isinstance(error, OSError)  # FileNotFoundError: no socket file
    assert postgres_unavailable(error)


async def test_a_refused_tcp_connection_is_postgresql_down() -> None:
    error = await _raised(asyncpg.connect(host="127.0.0.1", port=free_port(), user="app", timeout=5))
    assert isinstance(error, ConnectionRefusedError | OSError)
    assert postgres_unavailable(error)


async def test_waiting_too_long_for_a_pooled_connection_is_postgresql_down(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        async with pool.acquire():
            error = await _raised(pool.acquire(timeout=0.05))
    finally:
        await pool.close()
    assert isinstance(error, TimeoutError)
    assert postgres_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.InterfaceError("pool is closing"),
    ],
)
def test_the_servers_own_i_cannot_serve_now_is_postgresql_down(error: BaseException) -> None:
    assert postgres_unavailable(error)


async def test_a_deadlock_between_two_requests_is_a_retry_later(database_url: str) -> None:
    """Two transactions taking the same rows in opposite orders (two intakes of new disputes drawing the
    same reference and naming the same new seller could): PostgreSQL rolls one back."""
    table = f"deadlock_{free_port()}"
    first, second = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        await first.execute(f"CREATE TABLE {table} (id int PRIMARY KEY); INSERT INTO {table} VALUES (1), (2)")
        lock = f"SELECT id FROM {table} WHERE id = $1 FOR UPDATE"
        one, two = first.transaction(), second.transaction()
        await one.start()
        await two.start()
        await first.fetchval(lock, 1)
        await second.fetchval(lock, 2)
        outcomes = await asyncio.gather(
            first.fetchval(lock, 2), second.fetchval(lock, 1), return_exceptions=True
        )
        [error] = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        await one.rollback()
        await two.rollback()
    finally:
        await first.execute(f"DROP TABLE IF EXISTS {table}")
        await first.close()
        await second.close()
    assert isinstance(error, asyncpg.exceptions.DeadlockDetectedError)
    assert postgres_unavailable(error)


async def _not_the_driver() -> None:
    await asyncio.sleep(0)
    raise FileNotFoundError("/etc/some-template.html")


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UniqueViolationError("duplicate key"),
        asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress"),
        FileNotFoundError("raised here, not in the driver"),
        TimeoutError(),
    ],
)
def test_bugs_and_other_failures_are_not(error: BaseException) -> None:
    assert not postgres_unavailable(error)


async def test_an_os_error_from_elsewhere_is_not() -> None:
    assert not postgres_unavailable(await _raised(_not_the_driver()))
