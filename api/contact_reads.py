"""Who read a customer's contact details: one row each time the API returned them, and the operators' list.

The contact block is the customer's personal data (law 09-08): every read of it is accounted for. The row
is written before the answer leaves; if it cannot be written the answer is a 503, never a read that no
one can account for.
"""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg
from pydantic import BaseModel, Field

from api.auth import ApiKey
from api.errors import unavailable

log = logging.getLogger("api")

_RECORD = """
INSERT INTO contact_reads (dispute_id, customer_id, key_id, actor_id, role) VALUES ($1, $2, $3, $4, $5)
"""
_LIST = """
SELECT id, dispute_id, customer_id, key_id, actor_id, role, read_at FROM contact_reads
WHERE ($1::text IS NULL OR dispute_id = $1) AND ($2::text IS NULL OR customer_id = $2)
  AND ($3::bigint IS NULL OR id < $3)
ORDER BY id DESC LIMIT $4
"""


class ContactRead(BaseModel):
    """One read: the key and actor that read the contact of ``dispute_id``'s customer, and when."""

    id: int
    dispute_id: str
    customer_id: str
    key_id: str
    actor_id: str
    role: str
    read_at: datetime


class ContactReadPage(BaseModel):
    items: list[ContactRead]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


async def record(pool: asyncpg.Pool, key: ApiKey, dispute_id: str, customer_id: str) -> None:
    """Record that ``key`` is being given the contact of ``dispute_id``'s customer; 503 if it cannot."""
    try:
        await pool.execute(_RECORD, dispute_id, customer_id, key.key_id, key.actor_id, key.role.value)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
        log.warning("contact read of dispute %s not recorded: %s", dispute_id, type(error).__name__)
        raise unavailable(
            "The read of the customer's contact could not be recorded; try again shortly."
        ) from None


def parse_cursor(cursor: str) -> int:
    """ValueError if ``cursor`` is not one this API gave out."""
    if not cursor.isdigit() or len(cursor) > 19:
        raise ValueError("not a cursor from a previous page")
    return int(cursor)


async def page(
    pool: asyncpg.Pool, *, dispute_id: str | None, customer_id: str | None, before: int | None, limit: int
) -> ContactReadPage:
    """Newest first; ``before`` is the previous page's cursor."""
    rows = await pool.fetch(_LIST, dispute_id, customer_id, before, limit + 1)
    items = [ContactRead.model_validate(dict(row)) for row in rows[:limit]]
    following = str(items[-1].id) if len(rows) > limit and items else None
    return ContactReadPage(items=items, next_cursor=following)
