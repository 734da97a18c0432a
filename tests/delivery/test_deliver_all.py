"""An event's notifications delivered by one call: each keeps its own outcome, and a retry resends nothing
that already went out."""

from __future__ import annotations

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError

from activities.delivery import Deliveries
from tests.delivery.factories import open_dispute, outbox_row, queue
from tests.delivery.servers import SmtpSink
from workflows.delivery import DeliveryResult, NotificationKey
from workflows.events import RecipientKind

CUSTOMER = RecipientKind.CUSTOMER


async def acknowledgement(pg_pool: asyncpg.Pool, email: str) -> NotificationKey:
    dispute_id, customer, _ = await open_dispute(pg_pool, email=email)
    return await queue(pg_pool, dispute_id, "acknowledgement", CUSTOMER, customer.id, customer=customer)


async def test_a_refusal_is_its_own_failure_and_the_others_go_out(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    smtp.refuse.add("nobody@example.ma")
    refused = await acknowledgement(pg_pool, "nobody@example.ma")
    taken = await acknowledgement(pg_pool, "salma@example.ma")

    results = await deliveries.deliver_all([refused, taken])

    assert results == [
        DeliveryResult(status="failed", channels=[], reason="email: SMTP 550: recipient refused"),
        DeliveryResult(status="sent", channels=["email"]),
    ]
    assert [m.rcpt_tos for m in smtp.mails] == [["salma@example.ma"]]
    assert [(await outbox_row(pg_pool, key))["status"] for key in (refused, taken)] == ["failed", "sent"]


async def test_one_to_wait_for_retries_the_call_and_the_retry_resends_nothing_sent(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    smtp.defer.add("greylisted@example.ma")
    deferred = await acknowledgement(pg_pool, "greylisted@example.ma")
    taken = await acknowledgement(pg_pool, "salma@example.ma")

    with pytest.raises(ApplicationError) as waiting:
        await deliveries.deliver_all([deferred, taken])
    assert waiting.value.type == "DeliveryUnavailable" and not waiting.value.non_retryable
    assert len(smtp.mails) == 1  # the other one went out

    smtp.defer.clear()
    assert await deliveries.deliver_all([deferred, taken]) == [
        DeliveryResult(status="sent", channels=["email"]),
        DeliveryResult(status="sent", channels=["email"]),
    ]
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == ["greylisted@example.ma", "salma@example.ma"]
    assert (await outbox_row(pg_pool, taken))["attempts"] == 1
