"""Seller accounts: strikes and the status they lead to, operators' reinstatements, and contact releases."""

from __future__ import annotations

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import bad_data_is_final
from workflows.models import SellerAccountStatus
from workflows.options import ACTION_REFUSED
from workflows.rules import reinstatement_refusal
from workflows.seller_payloads import (
    AccountChange,
    ContactReleaseRequest,
    ReinstateRequest,
    StrikeRequest,
    StrikeResult,
)
from workflows.sla_policy import SlaPolicy, span

_RANK = {status: rank for rank, status in enumerate(SellerAccountStatus)}


class SellerContact(BaseModel):
    """What the customer gets when the seller's contact details are released (PII: never logged): the
    directory's customer-facing details, never Jamla24's own contact with the seller."""

    seller_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None


def status_for(strikes: int, policy: SlaPolicy) -> SellerAccountStatus:
    """The account status the policy gives a number of strikes within its window."""
    if strikes >= policy.strikes_to_terminate:
        return SellerAccountStatus.TERMINATED
    if strikes >= policy.strikes_to_restrict:
        return SellerAccountStatus.RESTRICTED
    if strikes >= policy.strikes_to_warn:
        return SellerAccountStatus.WARNED
    return SellerAccountStatus.ACTIVE


# What the directory gives customers (``customer_*``): the seller's display name stands in for a
# customer-facing name it did not give; its e-mail and phone for Jamla24 never do.
_CUSTOMER_FACING = """
SELECT seller_id, COALESCE(customer_name, name) AS name, customer_email AS email, customer_phone AS phone
FROM sellers WHERE seller_id = $1
"""

_ENSURE_SELLER = "INSERT INTO sellers (seller_id) VALUES ($1) ON CONFLICT (seller_id) DO NOTHING"

_STRIKE_DONE = """
SELECT strikes_in_window, previous_status, status FROM seller_strikes
WHERE seller_id = $1 AND dispute_id = $2 AND reason = $3
"""

# The strikes still in the window at this one. Ones dated after it count too: committed first by a
# concurrent dispute, they are as recent as this one, so the outcome does not depend on commit order.
_COUNT_IN_WINDOW = """
SELECT count(*) FROM seller_strikes WHERE seller_id = $1 AND struck_at > $2::timestamptz - $3::interval
"""

_INSERT_STRIKE = """
INSERT INTO seller_strikes
    (seller_id, dispute_id, reason, seq, struck_at, actor, strikes_in_window, previous_status, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id
"""

_RECORD_CHANGE = """
INSERT INTO seller_account_changes
    (seller_id, dispute_id, strike_id, from_status, to_status, reason, actor, changed_at, strikes_in_window)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
"""

# A change as ``AccountChange`` reads it.
CHANGE_COLUMNS = "id, seller_id, dispute_id, from_status, to_status, reason, actor, changed_at AS at"

_REINSTATE = f"""
INSERT INTO seller_account_changes (seller_id, from_status, to_status, reason, actor, changed_at, change_key)
VALUES ($1, $2, 'active', $3, $4, now(), $5)
RETURNING {CHANGE_COLUMNS}
"""


class SellerAccounts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="record_strike")
    async def record_strike(self, req: StrikeRequest) -> StrikeResult:
        """Record a strike once per (seller, dispute, reason) and apply the policy's thresholds.

        Strikes only raise an account's status (lifting it is an operator's action). A retried request
        records nothing and answers what the first one did.
        """
        with bad_data_is_final("record_strike"):
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(_ENSURE_SELLER, req.seller_id)
                # The row lock serialises strikes on one seller: each counts the ones committed before it.
                current = SellerAccountStatus(
                    await conn.fetchval(
                        "SELECT status FROM sellers WHERE seller_id = $1 FOR UPDATE", req.seller_id
                    )
                )
                done = await conn.fetchrow(_STRIKE_DONE, req.seller_id, req.dispute_id, req.reason.value)
                if done is not None:
                    result = StrikeResult.model_validate({**dict(done), "recorded": False})
                else:
                    result = await self._strike(conn, req, current)
        activity.logger.info(
            "seller %s strike for dispute %s (%s): %s, %d in window, %s -> %s",
            req.seller_id,
            req.dispute_id,
            req.reason.value,
            "recorded" if result.recorded else "already recorded",
            result.strikes_in_window,
            result.previous_status.value,
            result.status.value,
        )
        return result

    async def _strike(
        self, conn: PoolConnectionProxy, req: StrikeRequest, current: SellerAccountStatus
    ) -> StrikeResult:
        window = req.policy.seller_strike_window
        earlier = await conn.fetchval(_COUNT_IN_WINDOW, req.seller_id, req.at, window)
        strikes = int(earlier) + 1
        status = max(current, status_for(strikes, req.policy), key=_RANK.__getitem__)
        actor = req.by.model_dump(mode="json")
        strike_id = await conn.fetchval(
            _INSERT_STRIKE,
            req.seller_id,
            req.dispute_id,
            req.reason.value,
            req.seq,
            req.at,
            actor,
            strikes,
            current.value,
            status.value,
        )
        if status != current:
            await conn.execute(
                "UPDATE sellers SET status = $2, updated_at = now() WHERE seller_id = $1",
                req.seller_id,
                status.value,
            )
            reason = f"{strikes} strike{'s' if strikes != 1 else ''} within {span(window)}"
            await conn.execute(
                _RECORD_CHANGE,
                req.seller_id,
                req.dispute_id,
                strike_id,
                current.value,
                status.value,
                reason,
                actor,
                req.at,
                strikes,
            )
        return StrikeResult(recorded=True, strikes_in_window=strikes, previous_status=current, status=status)

    @activity.defn(name="reinstate_seller")
    async def reinstate(self, req: ReinstateRequest) -> AccountChange:
        """An operator lifts the account's restriction: back to ``active``, recorded with who and why.

        Once per ``change_key``: a retry answers the change already recorded. An account that has nothing
        to lift (or a termination not explicitly lifted) is refused for good with a non-retryable
        ``ActionRefused`` whose message says why; nothing changes.
        """
        with bad_data_is_final("reinstate_seller"):
            async with self._pool.acquire() as conn, conn.transaction():
                # The row lock serialises this with strikes and other reinstatements of the seller.
                status = await conn.fetchval(
                    "SELECT status FROM sellers WHERE seller_id = $1 FOR UPDATE", req.seller_id
                )
                row = await conn.fetchrow(
                    f"SELECT {CHANGE_COLUMNS} FROM seller_account_changes"
                    " WHERE change_key = $1 AND seller_id = $2",
                    req.change_key,
                    req.seller_id,
                )
                new = row is None
                if row is None:
                    current = SellerAccountStatus(status or SellerAccountStatus.ACTIVE)
                    refusal = reinstatement_refusal(
                        req.seller_id, current, lift_termination=req.lift_termination
                    )
                    if refusal is not None:
                        raise ApplicationError(refusal, type=ACTION_REFUSED, non_retryable=True)
                    await conn.execute(
                        "UPDATE sellers SET status = 'active', updated_at = now() WHERE seller_id = $1",
                        req.seller_id,
                    )
                    row = await conn.fetchrow(
                        _REINSTATE,
                        req.seller_id,
                        current.value,
                        req.reason,
                        req.by.model_dump(mode="json"),
                        req.change_key,
                    )
        change = AccountChange.model_validate(dict(row) if row else {})
        activity.logger.info(
            "seller %s reinstated by %s %s (change %d, %s): %s -> %s",
            req.seller_id,
            req.by.role.value,
            req.by.id,
            change.id,
            "recorded" if new else "already recorded",
            change.from_status.value,
            change.to_status.value,
        )
        return change

    @activity.defn(name="release_contact")
    async def release_contact(self, req: ContactReleaseRequest) -> SellerContact:
        """Record (once per dispute) that the seller's contact details go to the customer; return them."""
        with bad_data_is_final("release_contact"):
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(_ENSURE_SELLER, req.seller_id)
                status = await conn.execute(
                    "INSERT INTO seller_contact_releases (dispute_id, seller_id, seq, released_at, actor)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dispute_id) DO NOTHING",
                    req.dispute_id,
                    req.seller_id,
                    req.seq,
                    req.at,
                    req.by.model_dump(mode="json"),
                )
                row = await conn.fetchrow(_CUSTOMER_FACING, req.seller_id)
        contact = SellerContact.model_validate(dict(row) if row else {"seller_id": req.seller_id})
        activity.logger.info(
            "seller %s contact for dispute %s: release %s; known: %s",
            req.seller_id,
            req.dispute_id,
            "recorded" if status.endswith(" 1") else "already recorded",
            ", ".join(f for f in ("name", "email", "phone") if getattr(contact, f)) or "nothing",
        )
        return contact
