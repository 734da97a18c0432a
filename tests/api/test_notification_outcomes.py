"""What the API tells of a dispute's notifications, from outbox rows in each state the delivery leaves:
what went out, on which channel, and why not, in codes; never an address, nor a server's own answer."""

from __future__ import annotations

from typing import Any

import asyncpg

from api import read_model
from tests.delivery.factories import open_dispute, queue
from workflows.delivery import NotificationKey
from workflows.events import RecipientKind

ADDRESS = "salma@example.ma"
RAW = f"550 5.1.1 <{ADDRESS}>: Recipient address rejected"  # what a mail server answers


async def finish(pool: asyncpg.Pool, key: NotificationKey, **columns: Any) -> None:
    """Leave the outbox row as a delivery attempt would have."""
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=3))
    await pool.execute(
        f"UPDATE notifications SET attempts = 1, last_attempt_at = now(), {sets}"
        " WHERE dispute_id = $1 AND kind = $2",
        key.dispute_id,
        key.kind,
        *columns.values(),
    )


async def test_each_outcome_in_codes_and_no_address(pg_pool: asyncpg.Pool) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    c, s, t = RecipientKind.CUSTOMER, RecipientKind.SELLER, RecipientKind.TEAM
    sent = await queue(pg_pool, dispute_id, "acknowledgement", c, customer.id, customer=customer)
    skipped = await queue(pg_pool, dispute_id, "complaint_notice", s, "seller-1", respond_by="x")
    refused = await queue(pg_pool, dispute_id, "findings", c, customer.id, customer=customer, findings="x")
    unwritable = await queue(pg_pool, dispute_id, "withdrawn", t, "customer_service")
    waiting = await queue(pg_pool, dispute_id, "resolved", c, customer.id, customer=customer)
    await finish(
        pg_pool, sent, status="sent", channels_done=["email"], sent_at=await pg_pool.fetchval("SELECT now()")
    )
    await finish(pg_pool, skipped, status="skipped", last_error="no e-mail address known for the seller")
    email_refused = {"email": {"summary": "SMTP 550: recipient refused", "detail": RAW}}
    await finish(pg_pool, refused, status="failed", channels_failed=email_refused, last_error=RAW)
    await finish(pg_pool, unwritable, status="failed", last_error="cannot render: UndefinedError")
    # Not delivered yet: one channel refused for good, the other to be retried; the raw answer kept.
    await finish(pg_pool, waiting, channels_failed=email_refused, last_error=f"webhook: {RAW}")

    found = {n.kind: n for n in await read_model.notifications(pg_pool, dispute_id)}

    assert list(found) == ["acknowledgement", "complaint_notice", "findings", "withdrawn", "resolved"]
    ack = found["acknowledgement"]
    assert (ack.status, ack.channels, ack.reason, ack.recipient_kind) == ("sent", ["email"], None, c)
    assert ack.sent_at is not None and ack.attempts == 1
    notice = found["complaint_notice"]
    assert (notice.status, notice.reason) == ("skipped", "no e-mail address known for the seller")
    failed = found["findings"]
    assert (failed.status, failed.failed_channels) == ("failed", {"email": "SMTP 550: recipient refused"})
    assert failed.reason == "email: SMTP 550: recipient refused"
    assert (found["withdrawn"].status, found["withdrawn"].reason) == (
        "failed",
        "cannot render: UndefinedError",
    )
    pending = found["resolved"]
    assert (pending.status, pending.reason, pending.sent_at) == ("pending", None, None)
    assert pending.failed_channels == {"email": "SMTP 550: recipient refused"}
    shown = "".join(n.model_dump_json() for n in found.values())
    assert ADDRESS not in shown and "Recipient address rejected" not in shown
    assert customer.phone is not None and customer.phone not in shown


async def test_a_dispute_with_no_notification_has_an_empty_list(pg_pool: asyncpg.Pool) -> None:
    dispute_id, _, _ = await open_dispute(pg_pool)
    assert await read_model.notifications(pg_pool, dispute_id) == []
