"""What intake finds of a dispute's seller, recorded once per dispute, however many intakes race."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from api.seller_accounts import at_intake, status_at_intake
from workflows.models import SellerAccountStatus as Status


async def test_concurrent_intakes_of_a_new_seller_all_find_it_active(pg_pool: asyncpg.Pool) -> None:
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    disputes = [uuid.uuid4().hex for _ in range(8)]
    found = await asyncio.gather(*(at_intake(pg_pool, d, seller_id) for d in disputes))
    assert set(found) == {Status.ACTIVE}
    assert {await status_at_intake(pg_pool, d) for d in disputes} == {Status.ACTIVE}


async def test_a_retried_intake_answers_what_the_first_found(pg_pool: asyncpg.Pool) -> None:
    seller_id, dispute_id = f"S-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    await pg_pool.execute("INSERT INTO sellers (seller_id, status) VALUES ($1, 'restricted')", seller_id)
    retries = await asyncio.gather(*(at_intake(pg_pool, dispute_id, seller_id) for _ in range(8)))
    assert set(retries) == {Status.RESTRICTED}

    await pg_pool.execute("UPDATE sellers SET status = 'active' WHERE seller_id = $1", seller_id)
    assert await at_intake(pg_pool, dispute_id, seller_id) == Status.RESTRICTED  # the same intake again
    assert await at_intake(pg_pool, uuid.uuid4().hex, seller_id) == Status.ACTIVE  # a new dispute
    assert await status_at_intake(pg_pool, uuid.uuid4().hex) is None  # opened before it was recorded
