"""Erasing a closed dispute's personal data from PostgreSQL (law 09-08: kept no longer than needed).

Shared by the daily erasure (``activities.erasure``) and an operator's erasure on a customer's request
(``api.erasures``). What goes: the customer's name, e-mail and phone, the complaint's description and every
free text (answers, questions, findings, summaries, reasons, notes, messages) in the dispute's row, its
state snapshot, its events' data and its notifications (their data, any address, the servers' answers).
What stays: the facts the reports count on (ids, times, clocks, status, tier, outcome, channel,
category), so an SLA report gives the same figures after as before. Each text becomes ``[erased]`` and
the row's ``erased_at`` says when; a dispute already erased is left alone, so erasing again is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

MARKER = "[erased]"
BATCH = 100  # disputes per transaction: each locks only what it erases, for a short while

Connection = asyncpg.Connection | PoolConnectionProxy

# In free-form data (events', notifications'), the strings kept: codes, ids, times. Any other is text.
FACT_KEYS = frozenset({
    "at", "due_at", "breach_at", "respond_by", "status", "tier", "from_tier", "to_tier", "outcome", "kind",
    "channel", "channels", "category", "reference", "seller_id", "dispute_id", "customer_id", "order_id",
    "language", "from", "to", "state", "change_id", "by", "role", "id",
})  # fmt: skip
# The state snapshot's free texts (``DisputeSnapshot``); everything else in it is a fact.
_STATE_TEXTS = ("description", "findings")

_EXPIRED = """
SELECT dispute_id FROM disputes
WHERE closed_at IS NOT NULL AND closed_at < $1 AND erased_at IS NULL AND status IN ('resolved', 'withdrawn')
ORDER BY closed_at LIMIT $2
"""
_OF_CUSTOMER = """
SELECT dispute_id, status IN ('resolved', 'withdrawn') AS closed, erased_at IS NOT NULL AS erased
FROM disputes WHERE customer_id = $1
"""
_LOCK = """
SELECT dispute_id, state FROM disputes
WHERE dispute_id = ANY($1::text[]) AND erased_at IS NULL AND status IN ('resolved', 'withdrawn')
FOR UPDATE SKIP LOCKED
"""
_ERASE_DISPUTE = """
UPDATE disputes SET
    customer_name = CASE WHEN customer_name IS NULL THEN NULL ELSE $3 END,
    customer_email = CASE WHEN customer_email IS NULL THEN NULL ELSE $3 END,
    customer_phone = CASE WHEN customer_phone IS NULL THEN NULL ELSE $3 END,
    state = $2, erased_at = $4, updated_at = now()
WHERE dispute_id = $1
"""
_EVENTS = "SELECT seq, data FROM dispute_events WHERE dispute_id = $1"
_ERASE_EVENT = "UPDATE dispute_events SET data = $3 WHERE dispute_id = $1 AND seq = $2"
_NOTIFICATIONS = "SELECT id, data, channels_failed FROM notifications WHERE dispute_id = $1"
# WhatsApp's message ids encode the customer's number: its messages' rows go (their statuses with them).
_ERASE_WHATSAPP = """
DELETE FROM whatsapp_messages WHERE notification_id IN (SELECT id FROM notifications WHERE dispute_id = $1)
"""
_ERASE_NOTIFICATION = """
UPDATE notifications SET email = NULL, phone = NULL, data = $2, channels_failed = $3,
    last_error = CASE WHEN last_error IS NULL THEN NULL ELSE $4 END
WHERE id = $1
"""


@dataclass
class Erased:
    """How many rows an erasure changed."""

    disputes: int = 0
    events: int = 0
    notifications: int = 0

    def __iadd__(self, other: Erased) -> Erased:
        self.disputes += other.disputes
        self.events += other.events
        self.notifications += other.notifications
        return self


def scrub(value: Any, key: str | None = None) -> Any:
    """``value`` with every string that is not a fact (by its key, ``FACT_KEYS``) replaced by the marker."""
    if isinstance(value, dict):
        return {k: scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item, key) for item in value]
    if isinstance(value, str) and key not in FACT_KEYS:
        return MARKER
    return value


def scrub_state(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """The snapshot with its texts erased; its facts (which the reads validate) as they were."""
    if state is None:
        return None
    erased = dict(state)
    for name in _STATE_TEXTS:
        if erased.get(name) is not None:
            erased[name] = MARKER
    erased["information_requests"] = [MARKER for _ in erased.get("information_requests") or []]
    if isinstance(erased.get("resolution"), dict):
        erased["resolution"] = erased["resolution"] | {"summary": MARKER}
    return erased


async def expired(conn: Connection, closed_before: datetime, limit: int = BATCH) -> list[str]:
    """Closed disputes not erased yet whose closing lies before ``closed_before``, oldest first."""
    return [row["dispute_id"] for row in await conn.fetch(_EXPIRED, closed_before, limit)]


async def of_customer(conn: Connection, customer_id: str) -> tuple[list[str], int]:
    """The customer's closed disputes not erased yet, and how many of theirs are still open."""
    rows = await conn.fetch(_OF_CUSTOMER, customer_id)
    erasable = [row["dispute_id"] for row in rows if row["closed"] and not row["erased"]]
    return erasable, sum(not row["closed"] for row in rows)


async def erase(conn: Connection, dispute_ids: list[str], now: datetime) -> Erased:
    """Erase these disputes (closed ones not erased yet; any other is skipped), inside the caller's
    transaction. A dispute another transaction is erasing is skipped too: it will be erased by that one."""
    done = Erased()
    for row in await conn.fetch(_LOCK, dispute_ids):
        dispute_id = row["dispute_id"]
        await conn.execute(_ERASE_DISPUTE, dispute_id, scrub_state(row["state"]), MARKER, now)
        done.disputes += 1
        for event in await conn.fetch(_EVENTS, dispute_id):
            await conn.execute(_ERASE_EVENT, dispute_id, event["seq"], scrub(event["data"]))
            done.events += 1
        await conn.execute(_ERASE_WHATSAPP, dispute_id)
        for note in await conn.fetch(_NOTIFICATIONS, dispute_id):
            failed = {ch: {**why, "detail": MARKER} for ch, why in (note["channels_failed"] or {}).items()}
            await conn.execute(_ERASE_NOTIFICATION, note["id"], scrub(note["data"]), failed, MARKER)
            done.notifications += 1
    return done
