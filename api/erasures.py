"""An operator's erasure of one customer's personal data, on the customer's request (law 09-08).

Only the customer's **closed** disputes are erased: an open one is still being handled and needs the
customer's words and contact (to answer them). Those are counted in the answer and left as they are; the
operator asks again once they are closed (or the retention erases them then). Each request is recorded in
``erasures`` (who, when, whose, how much), and asking again erases only what is left: idempotent.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from pydantic import BaseModel, Field

from api.auth import ApiKey
from infra import erasure

_RECORD = """
INSERT INTO erasures (customer_id, requested_by, key_id, requested_at, disputes_erased, events_erased,
                      notifications_erased, disputes_open)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
"""
_LIST = """
SELECT id, customer_id, requested_by, key_id, requested_at, disputes_erased, events_erased,
       notifications_erased, disputes_open
FROM erasures WHERE ($1::text IS NULL OR customer_id = $1) ORDER BY id DESC LIMIT $2
"""


class ErasureRecord(BaseModel):
    """One request: which customer, by whom (the operator and their key), when, and what it erased."""

    id: int
    customer_id: str
    requested_by: str
    key_id: str
    requested_at: datetime
    disputes_erased: int
    events_erased: int
    notifications_erased: int
    disputes_open: int = Field(description="the customer's disputes still open: not erased, close them first")


async def erase_customer(pool: asyncpg.Pool, key: ApiKey, customer_id: str) -> ErasureRecord:
    """Erase the customer's closed disputes not erased yet, and record the request, in one transaction."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        found, still_open = await erasure.of_customer(conn, customer_id)
        done = await erasure.erase(conn, found, now)
        values = (done.disputes, done.events, done.notifications, still_open)
        row_id = await conn.fetchval(_RECORD, customer_id, key.actor_id, key.key_id, now, *values)
    return ErasureRecord(
        id=row_id,
        customer_id=customer_id,
        requested_by=key.actor_id,
        key_id=key.key_id,
        requested_at=now,
        disputes_erased=done.disputes,
        events_erased=done.events,
        notifications_erased=done.notifications,
        disputes_open=still_open,
    )


async def recorded(pool: asyncpg.Pool, customer_id: str | None, limit: int) -> list[ErasureRecord]:
    """The requests recorded, newest first (of one customer, given ``customer_id``)."""
    return [ErasureRecord.model_validate(dict(row)) for row in await pool.fetch(_LIST, customer_id, limit)]
