"""An event's first delivery attempt runs locally only while the worker's deliveries have room, and a send
outlives the attempt whose time ran out."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar, cast

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError

from activities.delivery import DELIVERY_BUSY, Deliveries
from activities.first_delivery import FirstAttempts
from tests.delivery.factories import open_dispute, outbox_row, queue
from tests.delivery.servers import SmtpSink
from workflows.delivery import Delivered, EventRef
from workflows.events import RecipientKind

T = TypeVar("T")

EVENT = EventRef(dispute_id="d-1", seq=1)


class SlowDeliveries:
    """Stands for ``Deliveries``: each event's delivery waits until released, or fails if told to."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls = 0
        self.fail = False
        self.sends: list[asyncio.Task[Any]] = []

    def to_the_end(self, send: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        task = asyncio.create_task(send)
        self.sends.append(task)
        return task

    async def deliver_event(self, event: EventRef) -> list[Delivered]:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise ApplicationError("mail server down", type="DeliveryUnavailable")
        return []


async def test_beyond_the_deliveries_at_a_time_an_attempt_steps_aside_at_once() -> None:
    slow = SlowDeliveries()
    first = FirstAttempts(cast(Deliveries, slow), at_a_time=2)
    running = [asyncio.create_task(first.deliver_event_first(EVENT)) for _ in range(2)]
    await asyncio.sleep(0)

    with pytest.raises(ApplicationError) as busy:  # at once: not waiting behind the two
        await asyncio.wait_for(first.deliver_event_first(EVENT), timeout=5)
    assert busy.value.type == DELIVERY_BUSY and slow.calls == 2  # nothing tried for the third

    slow.release.set()
    assert await asyncio.gather(*running) == [[], []]
    assert await first.deliver_event_first(EVENT) == [] and slow.calls == 3  # room again


async def test_a_failed_attempt_gives_its_room_back() -> None:
    slow = SlowDeliveries()
    slow.fail = True
    slow.release.set()
    first = FirstAttempts(cast(Deliveries, slow), at_a_time=1)
    for _ in range(2):
        with pytest.raises(ApplicationError) as down:
            await first.deliver_event_first(EVENT)
        assert down.value.type == "DeliveryUnavailable"
    assert slow.calls == 2


async def test_an_attempt_out_of_time_leaves_its_send_to_end_and_counts_it_until_then() -> None:
    slow = SlowDeliveries()
    first = FirstAttempts(cast(Deliveries, slow), at_a_time=1)
    attempt = asyncio.create_task(first.deliver_event_first(EVENT))
    await asyncio.sleep(0)
    attempt.cancel()  # what the SDK does once FIRST_ATTEMPT_TIMEOUT has passed
    with pytest.raises(asyncio.CancelledError):
        await attempt

    with pytest.raises(ApplicationError) as busy:  # the send still takes the room
        await asyncio.wait_for(first.deliver_event_first(EVENT), timeout=5)
    assert busy.value.type == DELIVERY_BUSY
    slow.release.set()
    await asyncio.wait_for(asyncio.wait(slow.sends), timeout=5)
    assert slow.sends[0].result() == [] and await first.deliver_event_first(EVENT) == []  # room again


async def test_a_message_half_sent_when_its_attempt_runs_out_of_time_is_sent_once_and_recorded(
    pg_pool: asyncpg.Pool, smtp: SmtpSink, deliveries: Deliveries
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    key = await queue(
        pg_pool, dispute_id, "acknowledgement", RecipientKind.CUSTOMER, customer.id, customer=customer
    )
    smtp.delays = {"DATA": 1.0}  # the server has the message, and answers a second later
    attempt = asyncio.create_task(
        FirstAttempts(deliveries, at_a_time=8).deliver_event_first(EventRef(dispute_id=dispute_id, seq=1))
    )
    await asyncio.wait_for(smtp.received(1), timeout=10)
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt

    await deliveries.close()  # a stopping worker: the send under way ends first
    assert (await outbox_row(pg_pool, key))["status"] == "sent"
    assert len(smtp.mails) == 1 and smtp.goodbyes == 1
