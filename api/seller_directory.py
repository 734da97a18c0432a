"""The seller directory in PostgreSQL: the directory's columns of a seller's row (migration 0011), written by
``PUT /sellers/{id}`` and the CSV import (``api.sellers_import``).

A write replaces the whole entry, and changes nothing when the entry it is given is the one stored: the
same request twice leaves the same row, ``updated_at`` included. The account's status, strikes and
changes are the worker's and never touched here; a seller the directory names first (before any dispute)
gets an active account, as one an intake names does.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from api.directory import SellerDirectoryBody, SellerDirectoryView

# In the order ``_values`` gives them.
COLUMNS = (
    "name", "email", "phone", "language", "customer_name", "customer_email", "customer_phone", "webhook_url",
)  # fmt: skip
SELECT = f"{', '.join(COLUMNS)}, directory_updated_at"

_ENSURE = "INSERT INTO sellers (seller_id) VALUES ($1) ON CONFLICT (seller_id) DO NOTHING"
# The row lock serialises two writes of one seller: each compares with what the other committed.
_CURRENT = f"SELECT {SELECT} FROM sellers WHERE seller_id = $1 FOR UPDATE"
_WRITE = f"""
UPDATE sellers SET {", ".join(f"{c} = ${i + 2}" for i, c in enumerate(COLUMNS))},
    directory_updated_at = now(), directory_updated_by = ${len(COLUMNS) + 2}, updated_at = now()
WHERE seller_id = $1
"""


class Written(StrEnum):
    CREATED = "created"  # the seller had no directory entry
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the entry given is the one stored


def _values(entry: SellerDirectoryBody) -> tuple[Any, ...]:
    facing = entry.customer_contact
    return (
        entry.name,
        entry.email,
        entry.phone,
        entry.language.value,
        facing.name if facing else None,
        facing.email if facing else None,
        facing.phone if facing else None,
        entry.webhook_url,
    )


async def put(
    pool: asyncpg.Pool, seller_id: str, entry: SellerDirectoryBody, by: str, *, replace: bool = True
) -> Written:
    """Store ``entry`` as the seller's directory entry; ``by`` is who (an actor id, or ``import``).

    ``replace=False`` only fills an empty entry: one already given is kept as it is (``unchanged``).
    """
    values = _values(entry)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_ENSURE, seller_id)
        current = await conn.fetchrow(_CURRENT, seller_id)
        assert current is not None  # ensured above, and rows are never deleted
        if current["directory_updated_at"] is not None and (
            not replace or tuple(current[c] for c in COLUMNS) == values
        ):
            return Written.UNCHANGED
        await conn.execute(_WRITE, seller_id, *values, by)
    return Written.CREATED if current["directory_updated_at"] is None else Written.UPDATED


def view(row: asyncpg.Record | None) -> SellerDirectoryView:
    """The entry of a row selected with ``SELECT``'s columns; all null for no row."""
    if row is None:
        return SellerDirectoryView()
    return SellerDirectoryView.model_validate(
        {c: row[c] for c in ("name", "email", "phone", "language", "webhook_url")}
        | {
            "customer_contact": {
                "name": row["customer_name"],
                "email": row["customer_email"],
                "phone": row["customer_phone"],
            },
            "updated_at": row["directory_updated_at"],
        }
    )


# A rotation: the new secret, and every one but the two newest deleted (the previous one still signs, so
# that the seller's receiver may move to the new one in its own time).
_NEW_SECRET = (
    "INSERT INTO seller_webhook_secrets (seller_id, secret) VALUES ($1, $2) RETURNING id, created_at"
)
_OLD_SECRETS = """
DELETE FROM seller_webhook_secrets WHERE seller_id = $1 AND id NOT IN (
    SELECT id FROM seller_webhook_secrets WHERE seller_id = $1 ORDER BY id DESC LIMIT 2
)
"""
SECRET_PREFIX = "whsec_"


async def rotate_secret(pool: asyncpg.Pool, seller_id: str) -> tuple[str, datetime, int]:
    """A new secret for the seller's own webhook URL: ``(secret, created_at, how many now sign)``.

    The secret is shown once, to whoever asked; the worker signs the seller's events with it and the one
    before it (if any), and forgets the older ones.
    """
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(_ENSURE, seller_id)
        # The seller's row lock: two rotations at once still leave the two newest.
        await conn.execute("SELECT 1 FROM sellers WHERE seller_id = $1 FOR UPDATE", seller_id)
        row = await conn.fetchrow(_NEW_SECRET, seller_id, secret)
        assert row is not None
        await conn.execute(_OLD_SECRETS, seller_id)
        valid = await conn.fetchval(
            "SELECT count(*) FROM seller_webhook_secrets WHERE seller_id = $1", seller_id
        )
    return secret, row["created_at"], int(valid)
