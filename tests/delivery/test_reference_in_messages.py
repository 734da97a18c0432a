"""Messages name a dispute by the reference its customer quotes; a dispute without one, by its id."""

from __future__ import annotations

import asyncpg

from activities.delivery import Deliveries
from api.references import generate
from tests.delivery.factories import add_seller, open_dispute, queue
from tests.delivery.servers import HttpReceiver, SmtpSink
from workflows.delivery import DeliveryResult
from workflows.events import RecipientKind


async def test_the_customer_is_told_the_reference_not_the_id(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    reference = generate()
    dispute_id, customer, _ = await open_dispute(pg_pool, reference=reference)
    key = await queue(
        pg_pool, dispute_id, "acknowledgement", RecipientKind.CUSTOMER, customer.id, customer=customer
    )

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["email"])

    [mail] = smtp.mails
    assert f"[Jamla24 #{reference}]" in mail.message["Subject"]
    for part in (mail.part("plain"), mail.part("html")):
        assert reference in part
        assert dispute_id not in part
    # The Message-ID stays the id's: a message queued before the reference existed keeps its own.
    assert mail.message_id.startswith(f"<{dispute_id}.1.acknowledgement.customer.")


async def test_the_seller_portal_gets_the_reference_beside_the_id(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id, reference = await add_seller(pg_pool), generate()
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id, reference=reference)
    key = await queue(pg_pool, dispute_id, "seller_strike", RecipientKind.SELLER, seller_id, reason="refused")

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["webhook", "email"])

    event = receiver.event(0)
    assert (event["dispute_id"], event["reference"]) == (dispute_id, reference)
    assert reference in event["text"] and dispute_id not in event["text"]
    [mail] = smtp.mails
    assert reference in mail.part("plain")


async def test_a_dispute_opened_before_references_is_named_by_its_id(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id = await add_seller(pg_pool)
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id)
    key = await queue(pg_pool, dispute_id, "seller_strike", RecipientKind.SELLER, seller_id, reason="refused")

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["webhook", "email"])

    event = receiver.event(0)
    assert (event["dispute_id"], event["reference"]) == (dispute_id, None)
    assert dispute_id in event["text"]
    [mail] = smtp.mails
    assert f"[Jamla24 #{dispute_id}]" in mail.message["Subject"]
