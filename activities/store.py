"""The event history and the read model, written by the dispute workflow after every event."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from activities.errors import bad_data_is_final
from activities.outbox import queue
from workflows.models import EventRecord

# The activity's name: recorded in every dispute's history (so it never changes) and read by the benchmarks.
RECORD_EVENT_ACTIVITY = "record_event"

_INSERT_EVENT = """
INSERT INTO dispute_events (dispute_id, seq, at, kind, actor, data, notified)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (dispute_id, seq) DO NOTHING
"""

_SUMMARY_COLUMNS = (
    "reference", "revision", "status", "tier", "seller_id", "channel", "category", "customer_id", "order_id",
    "external_ref", "language", "first_contact_at", "registered_at", "sla_breached", "seller_efforts",
    "seller_contact_released", "findings_at", "outcome", "closed_at", "breach_reminders", "deadlines",
    "state",
)  # fmt: skip
_CONTACT_COLUMNS = ("customer_name", "customer_email", "customer_phone", "customer_channel")
_ROW_COLUMNS = ("dispute_id", *_SUMMARY_COLUMNS)
_COLUMNS = (*_ROW_COLUMNS, *_CONTACT_COLUMNS)

# Only a newer revision replaces the row: a late retry of an older event must not undo a newer one.
_UPSERT_DISPUTE = f"""
INSERT INTO disputes ({", ".join(_COLUMNS)})
VALUES ({", ".join(f"${i}" for i in range(1, len(_COLUMNS) + 1))})
ON CONFLICT (dispute_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _SUMMARY_COLUMNS)},
    {", ".join(f"{c} = COALESCE(EXCLUDED.{c}, disputes.{c})" for c in _CONTACT_COLUMNS)},
    updated_at = now()
WHERE disputes.revision < EXCLUDED.revision
"""

# The contact details come with the first event only; if that event lands after a newer one, keep them anyway.
_FILL_CONTACT = """
UPDATE disputes
SET customer_name = $2, customer_email = $3, customer_phone = $4, customer_channel = $5, updated_at = now()
WHERE dispute_id = $1 AND customer_name IS NULL AND customer_email IS NULL AND customer_phone IS NULL
"""


class DisputeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=RECORD_EVENT_ACTIVITY)
    async def record_event(self, record: EventRecord) -> None:
        """Queue the event's notifications, append the event and bring the read model up to its revision,
        in one transaction; idempotent."""
        event, summary, customer = record.event, record.summary, record.customer
        contact = (
            (customer.name, customer.email, customer.phone, customer.preferred_channel)
            if customer
            else (None, None, None, None)
        )
        row = summary.model_dump(mode="json", include=set(_ROW_COLUMNS))
        row["state"] = summary.model_dump(mode="json")  # the whole state, for reads without the workflow
        # Timestamps go in as datetimes, not their JSON text.
        for column in ("first_contact_at", "registered_at", "findings_at", "closed_at"):
            row[column] = getattr(summary, column)
        with bad_data_is_final(RECORD_EVENT_ACTIVITY):
            async with self._pool.acquire() as conn, conn.transaction():
                queued = await queue(conn, record.notifications)
                # The dispute row first: events reference it.
                status = await conn.execute(_UPSERT_DISPUTE, *(row[c] for c in _ROW_COLUMNS), *contact)
                if customer and status.endswith(" 0"):
                    await conn.execute(_FILL_CONTACT, summary.dispute_id, *contact)
                inserted = await conn.execute(
                    _INSERT_EVENT,
                    summary.dispute_id,
                    event.seq,
                    event.at,
                    event.kind,
                    event.actor.model_dump(mode="json"),
                    event.model_dump(mode="json", include={"data"})["data"],
                    event.notified,
                )
        activity.logger.info(
            "dispute %s event %d (%s): %s; read model %s revision %d%s",
            summary.dispute_id,
            event.seq,
            event.kind,
            "recorded" if inserted.endswith(" 1") else "already recorded",
            "moved to" if status.endswith(" 1") else "already at or past",
            summary.revision,
            f"; {queued} of {len(record.notifications)} notifications queued" if record.notifications else "",
        )
