"""References in PostgreSQL: one per dispute, never two disputes on one, drawn again on a collision."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator

import asyncpg
import pytest

from api import reference_store
from api.references import generate


def drawing(*references: str) -> Callable[[], str]:
    """A draw that gives ``references`` in turn."""
    queue: Iterator[str] = iter(references)
    return lambda: next(queue)


async def test_a_dispute_keeps_its_reference_and_a_reference_names_its_dispute(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    given = await reference_store.allocate(pg_pool, dispute_id)
    # A retried intake (the same dispute id) draws another, and is given the first.
    assert await reference_store.allocate(pg_pool, dispute_id, drawing(generate())) == given
    assert await reference_store.dispute_of(pg_pool, given) == dispute_id
    assert await reference_store.dispute_of(pg_pool, generate()) is None


async def test_concurrent_retries_of_one_intake_are_given_one_reference(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    given = await asyncio.gather(*(reference_store.allocate(pg_pool, dispute_id) for _ in range(10)))
    assert len(set(given)) == 1


async def test_a_reference_another_dispute_has_is_drawn_again(pg_pool: asyncpg.Pool) -> None:
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    taken, fresh = generate(), generate()
    assert await reference_store.allocate(pg_pool, first, drawing(taken)) == taken

    assert await reference_store.allocate(pg_pool, second, drawing(taken, taken, fresh)) == fresh
    assert await reference_store.dispute_of(pg_pool, taken) == first
    assert await reference_store.dispute_of(pg_pool, fresh) == second


async def test_draws_that_keep_colliding_give_up(pg_pool: asyncpg.Pool) -> None:
    taken = generate()
    await reference_store.allocate(pg_pool, uuid.uuid4().hex, drawing(taken))
    with pytest.raises(RuntimeError, match="no free dispute reference"):
        await reference_store.allocate(pg_pool, uuid.uuid4().hex, lambda: taken)


async def test_a_released_reference_names_no_dispute(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    given = await reference_store.allocate(pg_pool, dispute_id)
    await reference_store.release(pg_pool, dispute_id, given)
    assert await reference_store.dispute_of(pg_pool, given) is None
