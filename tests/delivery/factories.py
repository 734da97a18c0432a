"""Disputes and queued notifications for the delivery tests; every id is fresh."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from activities.outbox import Outbox
from activities.store import DisputeStore
from api.references import generate
from tests.activities.factories import new_id, record
from workflows.deadlines import compute_deadlines
from workflows.delivery import NotificationKey
from workflows.events import RecipientKind
from workflows.models import Customer, Deadline, Language, MessageChannel, NotificationRequest
from workflows.sla_policy import SlaPolicy

# Morocco is on UTC+0 for Ramadan until 6 April 2025 and UTC+1 after: the 24-hour deadline falls before
# the change, the 5-day one after it, so a message that got the offset wrong shows the wrong hour.
PHONE = "+212612345678"
FIRST_CONTACT = datetime(2025, 4, 3, 10, 0, tzinfo=UTC)


async def open_dispute(
    pg_pool: asyncpg.Pool,
    *,
    language: Language = Language.FR,
    email: str | None = "salma@example.ma",
    phone: str | None = None,
    seller_id: str = "seller-1",
    reference: str | None = None,
    description: str | None = None,
    preferred_channel: MessageChannel | None = None,
) -> tuple[str, Customer, list[Deadline]]:
    """A dispute in the read model, as its first event leaves it (without a reference: as one opened
    before references existed)."""
    dispute_id = new_id("d")
    customer = Customer(
        id=new_id("cust"),
        name="Salma Bennani",
        email=email,
        phone=phone or "+212600000000",
        language=language,
        preferred_channel=preferred_channel,
    )
    deadlines = compute_deadlines(SlaPolicy(), FIRST_CONTACT)
    event = record(
        dispute_id,
        1,
        customer=customer,
        customer_id=customer.id,
        seller_id=seller_id,
        language=language,
        first_contact_at=FIRST_CONTACT,
        registered_at=FIRST_CONTACT,
        deadlines=deadlines,
        reference=reference,
        description=description,
    )
    await DisputeStore(pg_pool).record_event(event)
    return dispute_id, customer, deadlines


async def queue(
    pg_pool: asyncpg.Pool,
    dispute_id: str,
    kind: str,
    to: RecipientKind,
    ref: str,
    *,
    customer: Customer | None = None,
    seq: int = 1,
    **data: Any,
) -> NotificationKey:
    """Queue one notification through the outbox activity, as the workflow does."""
    request = NotificationRequest(
        dispute_id=dispute_id,
        seq=seq,
        kind=kind,
        recipient_kind=to,
        recipient_ref=ref,
        email=customer.email if customer else None,
        phone=customer.phone if customer else None,
        language=customer.language if customer else Language.FR,
        data=data,
    )
    await Outbox(pg_pool).queue_notifications([request])
    return NotificationKey.of(request)


async def add_seller(pg_pool: asyncpg.Pool, email: str | None = "shop@seller.test") -> str:
    seller_id = new_id("seller")
    await pg_pool.execute(
        "INSERT INTO sellers (seller_id, name, email) VALUES ($1, 'Atlas Shop', $2)", seller_id, email
    )
    return seller_id


async def outbox_row(pg_pool: asyncpg.Pool, key: NotificationKey) -> asyncpg.Record:
    row = await pg_pool.fetchrow(
        "SELECT * FROM notifications WHERE dispute_id IS NOT DISTINCT FROM $1 AND seq = $2 AND kind = $3"
        " AND recipient_kind = $4 AND recipient_ref = $5 AND account_change_id IS NOT DISTINCT FROM $6",
        key.dispute_id,
        key.seq,
        key.kind,
        key.recipient_kind.value,
        key.recipient_ref,
        key.account_change_id,
    )
    assert row is not None
    return row


async def phone_acknowledgement(
    pg_pool: asyncpg.Pool,
    *,
    email: str | None,
    language: Language = Language.FR,
    preferred_channel: MessageChannel | None = None,
) -> tuple[NotificationKey, str]:
    """A customer's acknowledgement queued, the customer with ``PHONE`` and ``email``; and its reference."""
    ref = generate()
    dispute_id, customer, _ = await open_dispute(
        pg_pool,
        email=email,
        phone=PHONE,
        language=language,
        reference=ref,
        preferred_channel=preferred_channel,
    )
    key = await queue(
        pg_pool, dispute_id, "acknowledgement", RecipientKind.CUSTOMER, customer.id, customer=customer
    )
    return key, ref
