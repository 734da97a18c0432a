"""Reading PostgreSQL's read model: a dispute's state snapshot and events, and the lists.

The workflow's activities write these tables; the API only reads them. A dispute read from here is as
of the last event the workflow persisted (its ``revision``): the state the workflow had then, written by
that event, and the history up to it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, ValidationError

from api.schemas import CustomerContact, DisputeListItem, NotificationView
from workflows.models import Channel, DisputeState, DisputeSummary, Status

_SUMMARY_FIELDS = ", ".join(DisputeSummary.model_fields)

_ROW = f"""
SELECT {_SUMMARY_FIELDS}, state, customer_name, customer_email, customer_phone, customer_channel, updated_at
FROM disputes WHERE dispute_id = $1
"""
_EVENTS = "SELECT seq, at, kind, actor, data, notified FROM dispute_events WHERE dispute_id = $1 ORDER BY seq"
# Never the addresses (email, phone) nor what the servers answered (a refusal's "detail", which can
# quote an address): the outbox keeps those for whoever repairs a delivery, not for the API.
# And what WhatsApp last reported of the message it took (its status webhooks), if it took one.
_NOTIFICATIONS = """
SELECT seq, kind, recipient_kind, recipient_ref, n.status, channels_done, channels_failed, last_error,
       attempts, last_attempt_at, sent_at,
       (SELECT w.status FROM whatsapp_messages w WHERE w.notification_id = n.id
        ORDER BY w.status_at DESC LIMIT 1) AS whatsapp_status
FROM notifications n WHERE dispute_id = $1 ORDER BY seq, id
"""


async def status(pool: asyncpg.Pool, dispute_id: str) -> Status | None:
    """The dispute's last status the read model recorded; None if it has not heard of the dispute."""
    value = await pool.fetchval("SELECT status FROM disputes WHERE dispute_id = $1", dispute_id)
    return Status(value) if value is not None else None


@dataclass
class Head:
    """What a read of a dispute needs first: its last recorded status, and its customer's contact (None
    until its first event is recorded: the workflow's input has it then)."""

    status: Status | None = None
    contact: CustomerContact | None = None


_HEAD = """
SELECT status, customer_name, customer_email, customer_phone, customer_channel
FROM disputes WHERE dispute_id = $1
"""


async def head(pool: asyncpg.Pool, dispute_id: str) -> Head:
    row = await pool.fetchrow(_HEAD, dispute_id)
    if row is None:
        return Head()
    known = row["customer_name"] is not None or row["customer_email"] or row["customer_phone"]
    return Head(Status(row["status"]), _contact(row) if known else None)


@dataclass
class Snapshot:
    state: DisputeState
    contact: CustomerContact
    as_of: datetime
    # Written by a recorded snapshot of a closed dispute, every event up to it recorded and none refused.
    complete: bool = False


def _contact(row: asyncpg.Record) -> CustomerContact:
    return CustomerContact(
        name=row["customer_name"],
        email=row["customer_email"],
        phone=row["customer_phone"],
        preferred_channel=row["customer_channel"],
    )


async def snapshot(pool: asyncpg.Pool, dispute_id: str) -> Snapshot | None:
    """The dispute as the read model has it, or None if the read model has not heard of it."""
    async with pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        row = await conn.fetchrow(_ROW, dispute_id)
        if row is None:
            return None
        events = await conn.fetch(_EVENTS, dispute_id)
    # Rows last written before the snapshot existed have the summary's columns only.
    values = row["state"] or {name: row[name] for name in DisputeSummary.model_fields}
    state = DisputeState.model_validate(values | {"history": [dict(event) for event in events]})
    complete = (
        row["state"] is not None
        and state.closed
        and not state.unrecorded_events
        and [e.seq for e in state.history] == list(range(1, state.revision + 1))
    )
    return Snapshot(state=state, contact=_contact(row), as_of=row["updated_at"], complete=complete)


async def notifications(pool: asyncpg.Pool, dispute_id: str) -> list[NotificationView]:
    """What became of each message the dispute's events queued, in the order they were queued."""
    return [_notification(row) for row in await pool.fetch(_NOTIFICATIONS, dispute_id)]


def _notification(row: asyncpg.Record) -> NotificationView:
    refused = {channel: str(why.get("summary", "refused")) for channel, why in row["channels_failed"].items()}
    reason = None
    if row["status"] == "skipped":  # the delivery's own words for a recipient with no channel open
        reason = row["last_error"]
    elif row["status"] == "failed":
        # The refusals' codes; without any, the message could not be written ("cannot render: ...").
        reason = "; ".join(f"{channel}: {why}" for channel, why in refused.items()) or row["last_error"]
    return NotificationView(
        seq=row["seq"],
        kind=row["kind"],
        recipient_kind=row["recipient_kind"],
        recipient_ref=row["recipient_ref"],
        status=row["status"],
        channels=list(row["channels_done"]),
        failed_channels=refused,
        reason=reason,
        attempts=row["attempts"],
        last_attempt_at=row["last_attempt_at"],
        sent_at=row["sent_at"],
        whatsapp_status=row["whatsapp_status"],
    )


# --- Lists. ---


class Filters(BaseModel):
    status: Status | None = None
    tier: int | None = None
    seller_id: str | None = None
    channel: Channel | None = None
    breached: bool | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None


class Cursor(BaseModel):
    """Where a page ended: the last row's registration time and id (pages run newest first)."""

    registered_at: datetime
    dispute_id: str

    def encode(self) -> str:
        return base64.urlsafe_b64encode(self.model_dump_json().encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """ValueError if ``text`` is not a cursor this API gave out."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            return cls.model_validate(json.loads(raw))
        except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, ValidationError):
            raise ValueError("not a cursor from a previous page") from None


def _where(filters: Filters, cursor: Cursor | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []

    def add(sql: str, value: Any) -> None:
        args.append(value)
        clauses.append(sql.replace("?", f"${len(args)}"))

    if filters.status is not None:
        add("status = ?", filters.status.value)
    if filters.tier is not None:
        add("tier = ?", filters.tier)
    if filters.seller_id is not None:
        add("seller_id = ?", filters.seller_id)
    if filters.channel is not None:
        add("channel = ?", filters.channel.value)
    if filters.breached is not None:
        add("sla_breached = ?", filters.breached)
    if filters.opened_from is not None:
        add("registered_at >= ?", filters.opened_from)
    if filters.opened_to is not None:
        add("registered_at < ?", filters.opened_to)
    if cursor is not None:
        args += [cursor.registered_at, cursor.dispute_id]
        clauses.append(f"(registered_at, dispute_id) < (${len(args) - 1}, ${len(args)})")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


# What intake found of each listed dispute's seller (its primary key: one lookup per row of the page).
_AT_INTAKE = (
    "(SELECT seller_status FROM dispute_intake i WHERE i.dispute_id = disputes.dispute_id)"
    " AS seller_status_at_intake"
)


async def page(
    pool: asyncpg.Pool, filters: Filters, cursor: Cursor | None, limit: int
) -> tuple[list[DisputeListItem], Cursor | None]:
    """One page, newest registration first, and the cursor of the next page (None on the last)."""
    where, args = _where(filters, cursor)
    sql = (
        f"SELECT {_SUMMARY_FIELDS}, {_AT_INTAKE} FROM disputes{where}"
        f" ORDER BY registered_at DESC, dispute_id DESC LIMIT ${len(args) + 1}"
    )
    rows = await pool.fetch(sql, *args, limit + 1)
    items = [DisputeListItem.model_validate(dict(row)) for row in rows[:limit]]
    more = len(rows) > limit
    last = items[-1] if more and items else None
    return items, (Cursor(registered_at=last.registered_at, dispute_id=last.dispute_id) if last else None)
