"""Disputes full of a customer's personal data, closed long ago, lately or not at all."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg

from activities.store import DisputeStore
from tests.activities.factories import AGENT, new_id
from workflows.events import EventKind, RecipientKind
from workflows.models import (
    Channel,
    Customer,
    Deadline,
    DeadlineKind,
    DeadlineState,
    DisputeSnapshot,
    EventRecord,
    HistoryEntry,
    Language,
    NotificationRequest,
    Outcome,
    Resolution,
    Status,
)


def personal(tag: str) -> dict[str, str]:
    """Texts unique to one dispute, to look for in its rows."""
    return {
        "name": f"Salma {tag}",
        "email": f"salma.{tag}@example.ma",
        "phone": "+212600" + str(uuid.uuid4().int)[:6],
        "description": f"Colis jamais reçu {tag}",
        "answer": f"Mon voisin {tag} a signé",
        "findings": f"Le transporteur {tag} a perdu le colis",
        "summary": f"Remboursé {tag}",
        "whatsapp": f"wamid.{tag}-{uuid.uuid4().hex}",  # WhatsApp's ids encode the number they went to
    }


async def store_dispute(
    pool: asyncpg.Pool, registered_at: datetime, closed_at: datetime | None, texts: dict[str, str]
) -> str:
    """A dispute with two events (opened; resolved unless ``closed_at`` is None) and a customer notice."""
    dispute_id = new_id("d")
    customer = Customer(id=new_id("cust"), name=texts["name"], email=texts["email"], phone=texts["phone"])
    closed = closed_at is not None
    findings_state = DeadlineState.MET if closed else DeadlineState.PENDING
    base = DisputeSnapshot(
        dispute_id=dispute_id,
        seller_id="seller-1",
        channel=Channel.CHAT,
        category="not_delivered",
        customer_id=customer.id,
        order_id="order-1",
        first_contact_at=registered_at,
        registered_at=registered_at,
        deadlines=[
            Deadline(
                kind=DeadlineKind.FINDINGS, due_at=registered_at + timedelta(hours=48), state=findings_state
            ),
            Deadline(kind=DeadlineKind.RESOLUTION, due_at=registered_at + timedelta(days=5)),
        ],
        description=texts["description"],
        findings=texts["findings"],
        findings_at=registered_at + timedelta(hours=30),
        information_requests=[f"Qui a signé ? {texts['name']}"],
    )
    opened = HistoryEntry(
        seq=1, at=registered_at, kind=EventKind.OPENED, actor=AGENT,
        data={"channel": "chat", "category": "not_delivered", "answer": texts["answer"]},
    )  # fmt: skip
    notice = NotificationRequest(
        dispute_id=dispute_id, seq=1, kind="acknowledgement", recipient_kind=RecipientKind.CUSTOMER,
        recipient_ref=customer.id, email=customer.email, language=Language.FR,
        data={"description": texts["description"]},
    )  # fmt: skip
    store = DisputeStore(pool)
    await store.record_event(
        EventRecord(event=opened, summary=base.model_copy(update={"revision": 1}), customer=customer,
                    notifications=[notice])
    )  # fmt: skip
    await pool.execute(
        "INSERT INTO whatsapp_messages (message_id, notification_id)"
        " SELECT $2, id FROM notifications WHERE dispute_id = $1",
        dispute_id,
        texts["whatsapp"],
    )
    if closed_at is not None:
        resolved = HistoryEntry(
            seq=2, at=closed_at, kind=EventKind.RESOLVED, actor=AGENT,
            data={"outcome": "refund", "tier": 1, "summary": texts["summary"], "findings": texts["findings"]},
        )  # fmt: skip
        summary = base.model_copy(
            update={
                "revision": 2, "status": Status.RESOLVED, "outcome": Outcome.REFUND, "closed_at": closed_at,
                "resolution": Resolution(
                    outcome=Outcome.REFUND, summary=texts["summary"], by=AGENT, at=closed_at
                ),
            }
        )  # fmt: skip
        await store.record_event(EventRecord(event=resolved, summary=summary))
    return dispute_id


async def rows_text(pool: asyncpg.Pool, dispute_id: str) -> str:
    """Every row of every table that holds the dispute, as text."""
    parts = [
        await pool.fetchval(
            f"SELECT string_agg(t::text, ' ') FROM {table} t WHERE dispute_id = $1", dispute_id
        )
        for table in ("disputes", "dispute_events", "notifications")
    ]
    parts.append(
        await pool.fetchval(
            "SELECT string_agg(w::text, ' ') FROM whatsapp_messages w"
            " JOIN notifications n ON n.id = w.notification_id WHERE n.dispute_id = $1",
            dispute_id,
        )
    )
    return " ".join(part or "" for part in parts)
