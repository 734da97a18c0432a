"""An event's first delivery attempt runs locally only while the worker's deliveries have room."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from temporalio.exceptions import ApplicationError

from activities.delivery import DELIVERY_BUSY, Deliveries
from activities.first_delivery import FirstAttempts
from workflows.delivery import Delivered, EventRef

EVENT = EventRef(dispute_id="d-1", seq=1)


class SlowDeliveries:
    """Stands for ``Deliveries``: each event's delivery waits until released, or fails if told to."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.calls = 0
        self.fail = False

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
