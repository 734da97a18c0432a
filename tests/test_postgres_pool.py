"""The pool's reset: by default a connection given back starts its next use afresh; the API's pool sends
no reset query (a round trip fewer per query) and still never hands out a connection inside a transaction."""

from __future__ import annotations

import asyncio

import pytest

from infra.postgres import create_pool


@pytest.mark.parametrize("reset_session", [True, False])
async def test_a_connection_given_back_in_a_transaction_comes_back_out_of_it(
    database_url: str, reset_session: bool
) -> None:
    pool = await create_pool(database_url, max_size=1, reset_session=reset_session)
    loop, unhandled = asyncio.get_running_loop(), []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: unhandled.append(context["message"]))  # asyncpg's warning
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET application_name = 'kept'")
            await conn.execute("BEGIN")
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            kept = await conn.fetchval("SHOW application_name") == "kept"
        assert kept is not reset_session  # only the API's pool leaves a session's settings as they were
        assert len(unhandled) == 1 and "active transaction" in unhandled[0]
    finally:
        loop.set_exception_handler(previous)
        await pool.close()
