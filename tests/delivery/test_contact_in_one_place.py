"""The customer's contact is kept in the dispute's row only: the outbox holds no copy, and the delivery
reads the address from the dispute as the message goes out (one place to protect, and to erase)."""

from __future__ import annotations

import asyncpg

from activities.delivery import Deliveries
from tests.delivery.factories import open_dispute, outbox_row, queue
from tests.delivery.servers import SmtpSink
from workflows.delivery import DeliveryResult
from workflows.events import RecipientKind


async def test_a_customer_notice_row_has_no_contact_and_still_reaches_the_dispute_address(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool, email="salma@example.ma", phone="+212600000001")
    # The workflow still hands the outbox the address it holds; the outbox does not keep it.
    asked = customer.model_copy(update={"email": "elsewhere@example.ma"})
    key = await queue(
        pg_pool, dispute_id, "acknowledgement", RecipientKind.CUSTOMER, customer.id, customer=asked
    )

    row = await outbox_row(pg_pool, key)
    assert (row["email"], row["phone"]) == (None, None)
    assert "salma" not in str(dict(row)) and "600000001" not in str(dict(row))

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["email"])
    [mail] = smtp.mails
    assert mail.rcpt_tos == ["salma@example.ma"]
