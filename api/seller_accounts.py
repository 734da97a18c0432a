"""Seller accounts in PostgreSQL: status, the strikes in the policy's window, every change.

The worker's activities write strikes and reinstatements; the API reads them, and writes only the bare
row of a seller an intake names (``INTAKE_CTES``, run by ``api.intake_store``), so that the seller is
known from the moment a dispute names it, and the directory's columns (``api.seller_directory``). A
seller without a row (named before intake wrote them, and untouched by any strike) is ``active`` if some
dispute in the read model names it, and unknown otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from api import seller_directory
from api.schemas import AccountChangeView, SellerAccountView, StrikeView
from workflows.models import SellerAccountStatus

_SELLER = f"SELECT status, {seller_directory.SELECT} FROM sellers WHERE seller_id = $1"
_NAMED = "SELECT EXISTS (SELECT 1 FROM disputes WHERE seller_id = $1)"
_STRIKES = """
SELECT dispute_id, reason, struck_at AS at FROM seller_strikes
WHERE seller_id = $1 AND struck_at > now() - $2::interval
ORDER BY struck_at DESC, id DESC
"""
_CHANGES = """
SELECT id, from_status AS "from", to_status AS "to", reason, actor, changed_at AS at, dispute_id
FROM seller_account_changes WHERE seller_id = $1 ORDER BY id
"""


# The seller's bare account if it has none, its status now, and that status recorded for the dispute
# unless a retry of the same intake recorded one first (the answer is then the first's). A statement's
# queries see the tables as they were when it began, hence the rows it inserts read from ``RETURNING``; a
# row a concurrent intake inserted meanwhile is not seen either, hence the fallbacks: the bare account
# such an intake just made is active, and a concurrent retry found what this one finds. Templates that
# ``api.intake_store`` runs inside intake's one statement: the CTEs, then the status they give.
INTAKE_CTES = """
new_seller AS (
    INSERT INTO sellers (seller_id) VALUES ({seller_id}) ON CONFLICT (seller_id) DO NOTHING RETURNING status
), found AS (
    SELECT status FROM (
        SELECT status, 1 AS pick FROM new_seller
        UNION ALL SELECT status, 2 FROM sellers WHERE seller_id = {seller_id}
        UNION ALL SELECT 'active', 3
    ) candidates ORDER BY pick LIMIT 1
), recorded AS (
    INSERT INTO dispute_intake (dispute_id, seller_id, seller_status)
    SELECT {dispute_id}, {seller_id}, status FROM found
    ON CONFLICT (dispute_id) DO NOTHING RETURNING seller_status
)
"""
INTAKE_STATUS = """
SELECT seller_status FROM (
    SELECT seller_status, 1 AS pick FROM recorded
    UNION ALL SELECT seller_status, 2 FROM dispute_intake WHERE dispute_id = {dispute_id}
    UNION ALL SELECT status, 3 FROM found
) candidates ORDER BY pick LIMIT 1
"""


async def status_at_intake(pool: asyncpg.Pool, dispute_id: str) -> SellerAccountStatus | None:
    """What intake found of the dispute's seller; None for a dispute opened before it was recorded."""
    value = await pool.fetchval("SELECT seller_status FROM dispute_intake WHERE dispute_id = $1", dispute_id)
    return SellerAccountStatus(value) if value is not None else None


async def status(pool: asyncpg.Pool, seller_id: str) -> SellerAccountStatus | None:
    """The account's status; None for a seller no dispute names."""
    async with pool.acquire() as conn:
        value = await conn.fetchval("SELECT status FROM sellers WHERE seller_id = $1", seller_id)
        if value is None:
            return SellerAccountStatus.ACTIVE if await conn.fetchval(_NAMED, seller_id) else None
    return SellerAccountStatus(value)


async def change_recorded(pool: asyncpg.Pool, seller_id: str, change_key: str) -> bool:
    """Whether the request with this key has already changed the account (a retry)."""
    found = await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM seller_account_changes WHERE change_key = $1 AND seller_id = $2)",
        change_key,
        seller_id,
    )
    return bool(found)


async def load(
    pool: asyncpg.Pool, seller_id: str, window: timedelta, *, with_contact: bool, known: bool = False
) -> SellerAccountView | None:
    """The account as of now, one consistent read; None if the seller is unknown (and not ``known``).

    ``known``: the caller knows the seller exists (its own key), so an untouched account reads active.
    """
    async with pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        row = await conn.fetchrow(_SELLER, seller_id)
        if row is None and not known and not await conn.fetchval(_NAMED, seller_id):
            return None
        strikes = await conn.fetch(_STRIKES, seller_id, window)
        changes = await conn.fetch(_CHANGES, seller_id)
    contact = seller_directory.view(row) if with_contact else None
    return SellerAccountView(
        seller_id=seller_id,
        status=SellerAccountStatus(row["status"]) if row else SellerAccountStatus.ACTIVE,
        strike_window=window,
        strikes=[StrikeView.model_validate(dict(s)) for s in strikes],
        changes=[AccountChangeView.model_validate(dict(c)) for c in changes],
        contact=contact,
    )
