"""An event's notifications delivered by naming the event: whatever the outbox holds for it goes out,
and nothing of another event."""

from __future__ import annotations

from typing import Any, cast

import asyncpg

from activities.delivery import Deliveries
from activities.recipients import DISPUTE_QUERY
from infra.delivery_settings import DeliverySettings
from tests.delivery.factories import open_dispute, outbox_row, queue
from tests.delivery.servers import SmtpSink
from workflows.delivery import Delivered, DeliveryResult, EventRef
from workflows.events import RecipientKind


async def test_the_event_s_rows_go_out_and_only_those(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool, email="salma@example.ma")
    to_customer = (RecipientKind.CUSTOMER, customer.id)
    ack = await queue(pg_pool, dispute_id, "acknowledgement", *to_customer, customer=customer)
    withdrawn = await queue(pg_pool, dispute_id, "withdrawn", *to_customer, customer=customer, seq=2)
    to_team = (RecipientKind.TEAM, "customer_service")
    team = await queue(pg_pool, dispute_id, "withdrawn", *to_team, seq=2, tier=1)

    delivered = await deliveries.deliver_event(EventRef(dispute_id=dispute_id, seq=2))

    assert [d.key for d in delivered] == [withdrawn, team]
    assert delivered[0] == Delivered(key=withdrawn, result=DeliveryResult(status="sent", channels=["email"]))
    assert (await outbox_row(pg_pool, ack))["status"] == "pending"  # event 1's: not this call's
    assert sorted(m.rcpt_tos[0] for m in smtp.mails) == ["cs@jamla24.test", "salma@example.ma"]


async def test_an_event_with_nothing_queued_delivers_nothing(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, _, _ = await open_dispute(pg_pool)
    assert await deliveries.deliver_event(EventRef(dispute_id=dispute_id, seq=7)) == []
    assert smtp.mails == []


class CountingPool:
    """The pool, noting the text of every statement sent through it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self.statements: list[str] = []

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._pool, name)
        if name not in ("execute", "fetch", "fetchrow", "fetchval"):
            return found

        async def counted(query: str, *args: Any) -> Any:
            self.statements.append(query)
            return await found(query, *args)

        return counted


async def test_an_event_s_notifications_read_their_dispute_once_and_their_rows_no_more_than_needed(
    pg_pool: asyncpg.Pool, settings: DeliverySettings, smtp: SmtpSink
) -> None:
    """Each statement is a round trip on the worker's one core and work for PostgreSQL, per message."""
    dispute_id, customer, _ = await open_dispute(pg_pool)
    await queue(pg_pool, dispute_id, "withdrawn", RecipientKind.CUSTOMER, customer.id, customer=customer)
    await queue(pg_pool, dispute_id, "withdrawn", RecipientKind.TEAM, "customer_service", tier=1)
    counting = CountingPool(pg_pool)
    deliveries = Deliveries.from_settings(cast(asyncpg.Pool, counting), settings)

    delivered = await deliveries.deliver_event(EventRef(dispute_id=dispute_id, seq=1))

    assert [d.result.status for d in delivered] == ["sent", "sent"]
    assert len(smtp.mails) == 2
    assert counting.statements.count(DISPUTE_QUERY) == 1
    # The event's rows and its dispute; then each message's claim, its channel done, its outcome.
    assert len(counting.statements) == 2 + 3 * 2
