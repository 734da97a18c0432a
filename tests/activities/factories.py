"""Payloads for the activity tests; every id is fresh, so tests share a database without clashing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from workflows.events import EventKind
from workflows.models import (
    Actor,
    Channel,
    Customer,
    Deadline,
    DeadlineKind,
    DisputeSnapshot,
    EventRecord,
    HistoryEntry,
    Role,
    StrikeReason,
)
from workflows.seller_payloads import StrikeRequest
from workflows.sla_policy import SlaPolicy

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
AGENT = Actor(role=Role.AGENT, id="agent-7", tier=2)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def summary(dispute_id: str, revision: int, **changes: Any) -> DisputeSnapshot:
    values: dict[str, Any] = {
        "dispute_id": dispute_id,
        "revision": revision,
        "seller_id": "seller-1",
        "channel": Channel.CHAT,
        "category": "not_delivered",
        "customer_id": "cust-1",
        "order_id": "order-1",
        "first_contact_at": T0,
        "registered_at": T0 + timedelta(minutes=5),
        "deadlines": [Deadline(kind=DeadlineKind.RESOLUTION, due_at=T0 + timedelta(days=5))],
    }
    return DisputeSnapshot.model_validate(values | changes)


def record(
    dispute_id: str, seq: int, kind: str = "opened", customer: Customer | None = None, **changes: Any
) -> EventRecord:
    event = HistoryEntry(
        seq=seq,
        at=T0 + timedelta(hours=seq),
        kind=EventKind(kind),
        actor=AGENT,
        data={"note": f"event {seq}", "at": T0.isoformat()},
        notified=["customer"],
    )
    return EventRecord(event=event, summary=summary(dispute_id, seq, **changes), customer=customer)


def customer() -> Customer:
    return Customer(id="cust-1", name="Salma Bennani", email="salma@example.ma", phone="+212600000000")


def strike(
    seller_id: str,
    dispute_id: str | None = None,
    at: datetime = T0,
    policy: SlaPolicy | None = None,
    reason: StrikeReason = StrikeReason.UNRESPONSIVE,
) -> StrikeRequest:
    return StrikeRequest(
        seller_id=seller_id,
        dispute_id=dispute_id or new_id("d"),
        seq=4,
        reason=reason,
        at=at,
        by=AGENT,
        policy=policy or SlaPolicy(),
    )
