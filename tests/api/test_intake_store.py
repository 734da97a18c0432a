"""Intake's one statement: the seller's status recorded once per dispute however many intakes race, one
reference and one link per dispute whatever the retries, a revoked link never issued again, a reference
another dispute has drawn again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator

import asyncpg
import pytest

from api import customer_link_store, reference_store
from api.intake_store import record
from api.references import generate
from api.seller_accounts import status_at_intake
from infra.customer_links import CustomerLinkSettings
from workflows.models import SellerAccountStatus as Status

LINKS = CustomerLinkSettings(customer_link_secret="intake-store-tests-secret-of-32-chars-at-least")
_LINK_ROWS = "SELECT count(*) FROM customer_links WHERE dispute_id = $1"


def seller() -> str:
    return f"S-{uuid.uuid4().hex[:10]}"


def drawing(*references: str) -> Callable[[], str]:
    """A draw that gives ``references`` in turn."""
    queue: Iterator[str] = iter(references)
    return lambda: next(queue)


async def test_concurrent_intakes_of_a_new_seller_all_find_it_active(pg_pool: asyncpg.Pool) -> None:
    seller_id = seller()
    disputes = [uuid.uuid4().hex for _ in range(8)]
    found = await asyncio.gather(*(record(pg_pool, d, seller_id) for d in disputes))
    assert {r.seller_status for r in found} == {Status.ACTIVE}
    assert {await status_at_intake(pg_pool, d) for d in disputes} == {Status.ACTIVE}
    assert len({r.reference for r in found}) == len(disputes)


async def test_a_retried_intake_answers_what_the_first_found(pg_pool: asyncpg.Pool) -> None:
    seller_id, dispute_id = seller(), uuid.uuid4().hex
    await pg_pool.execute("INSERT INTO sellers (seller_id, status) VALUES ($1, 'restricted')", seller_id)
    retries = await asyncio.gather(*(record(pg_pool, dispute_id, seller_id) for _ in range(8)))
    assert {r.seller_status for r in retries} == {Status.RESTRICTED}

    await pg_pool.execute("UPDATE sellers SET status = 'active' WHERE seller_id = $1", seller_id)
    again = await record(pg_pool, dispute_id, seller_id)  # the same intake
    new = await record(pg_pool, uuid.uuid4().hex, seller_id)  # a new dispute
    assert (again.seller_status, new.seller_status) == (Status.RESTRICTED, Status.ACTIVE)
    assert await status_at_intake(pg_pool, uuid.uuid4().hex) is None  # opened before it was recorded


async def test_retries_of_one_intake_get_one_reference_and_one_link(pg_pool: asyncpg.Pool) -> None:
    dispute_id, seller_id = uuid.uuid4().hex, seller()
    at_once = await asyncio.gather(*(record(pg_pool, dispute_id, seller_id, LINKS) for _ in range(8)))
    later = await record(pg_pool, dispute_id, seller_id, LINKS, drawing(generate()))
    assert {r.reference for r in [*at_once, later]} == {later.reference}
    assert await reference_store.dispute_of(pg_pool, later.reference) == dispute_id
    assert await pg_pool.fetchval(_LINK_ROWS, dispute_id) == 1


async def test_a_retried_intake_does_not_undo_a_revoked_link(pg_pool: asyncpg.Pool) -> None:
    dispute_id, seller_id = uuid.uuid4().hex, seller()
    await record(pg_pool, dispute_id, seller_id, LINKS)
    assert await customer_link_store.revoke(pg_pool, dispute_id, "ops-fatima") == 1
    await record(pg_pool, dispute_id, seller_id, LINKS)
    in_force = "SELECT count(*) FROM customer_links WHERE dispute_id = $1 AND revoked_at IS NULL"
    assert await pg_pool.fetchval(in_force, dispute_id) == 0
    assert await pg_pool.fetchval(_LINK_ROWS, dispute_id) == 1


async def test_without_a_secret_intake_makes_no_link(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    await record(pg_pool, dispute_id, seller(), CustomerLinkSettings(customer_link_secret=None))
    await record(pg_pool, uuid.uuid4().hex, seller())
    assert await pg_pool.fetchval(_LINK_ROWS, dispute_id) == 0


async def test_a_reference_another_dispute_has_is_drawn_again(pg_pool: asyncpg.Pool) -> None:
    taken, fresh = generate(), generate()
    first = uuid.uuid4().hex
    assert (await record(pg_pool, first, seller(), draw=drawing(taken))).reference == taken

    second = uuid.uuid4().hex
    given = await record(pg_pool, second, seller(), LINKS, drawing(taken, taken, fresh))
    assert given.reference == fresh
    assert await reference_store.dispute_of(pg_pool, taken) == first
    assert await reference_store.dispute_of(pg_pool, fresh) == second
    assert await pg_pool.fetchval(_LINK_ROWS, second) == 1  # the link and the status are not undone
    assert await status_at_intake(pg_pool, second) == Status.ACTIVE


async def test_draws_that_keep_colliding_give_up_after_as_many_draws_as_ever(pg_pool: asyncpg.Pool) -> None:
    taken = generate()
    await record(pg_pool, uuid.uuid4().hex, seller(), draw=drawing(taken))
    draws = 0

    def always_taken() -> str:
        nonlocal draws
        draws += 1
        return taken

    with pytest.raises(RuntimeError, match="no free dispute reference"):
        await record(pg_pool, uuid.uuid4().hex, seller(), draw=always_taken)
    assert draws == reference_store.ATTEMPTS
