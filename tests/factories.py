"""The dispute the tests open: one customer, one complaint, and the PII that must never leak from it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from workflows.models import Channel, Customer, DisputeInput
from workflows.sla_policy import SlaPolicy

CUSTOMER = Customer(id="cust-1", name="Salma Bennani", email="salma@example.ma", phone="+212661406136")
DESCRIPTION = "The parcel never arrived."
# What of CUSTOMER and DESCRIPTION must never show in an id, a search attribute, a summary or a log.
PII = ("Salma", "Bennani", "salma@example.ma", "661406136", "parcel never arrived")


def dispute_input(
    *,
    now: datetime | None = None,
    contact_ago: timedelta = timedelta(0),
    seller_id: str | None = None,
    channel: Channel = Channel.PHONE,
    policy: SlaPolicy | None = None,
    prefix: str = "",
) -> DisputeInput:
    """A new dispute registered ``now``, first contacted ``contact_ago`` before, with a fresh seller."""
    now = now or datetime.now(UTC)
    return DisputeInput(
        dispute_id=f"{prefix}{uuid.uuid4().hex}",
        customer=CUSTOMER,
        order_id="order-1",
        seller_id=seller_id or f"seller-{uuid.uuid4().hex[:8]}",
        channel=channel,
        category="not_delivered",
        description=DESCRIPTION,
        first_contact_at=now - contact_ago,
        registered_at=now,
        policy=policy or SlaPolicy(),
    )
