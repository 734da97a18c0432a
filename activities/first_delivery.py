"""An event's first delivery attempt, as a local activity in the workflow task that recorded the event
(``workflows.delivery.deliver_event``): no activity task for the server, no workflow task more for the
dispute. Only for events a person or intake caused: the clocks' keep the delivery activity.

At most as many at a time as the worker runs delivery activities. Beyond that (a surge of new disputes,
a slow mail server) an attempt steps aside at once and the delivery activity takes the event: the
deliveries then queue on the server, and the worker's CPU goes to the workflow tasks.

An attempt holds its dispute's workflow task, and so any action on the dispute, for at most
``FIRST_ATTEMPT_TIMEOUT``. Out of time, the workflow hands the event to the delivery activity, and the
send under way goes on to its end instead of being cut off: a message the server may already have is not
sent again. The activity finds the rows leased, then their outcome.
"""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery import DELIVERY_BUSY, Deliveries
from workflows.delivery import DELIVER_EVENT_FIRST_ACTIVITY, Delivered, EventRef


class FirstAttempts:
    """The ``deliver_event_notifications_first`` local activity, delivering through ``deliveries``."""

    def __init__(self, deliveries: Deliveries, at_a_time: int) -> None:
        self._deliveries = deliveries
        self._at_a_time = at_a_time
        self._running = 0

    @activity.defn(name=DELIVER_EVENT_FIRST_ACTIVITY)
    async def deliver_event_first(self, event: EventRef) -> list[Delivered]:
        """``deliver_event_notifications``, unless ``at_a_time`` sends are under way: then a failure at
        once, sending nothing, and the workflow hands the event to the delivery activity. A send counts
        until it ends, even one that outlived its attempt."""
        if self._running >= self._at_a_time:
            raise ApplicationError("deliveries busy: left to the delivery activity", type=DELIVERY_BUSY)
        self._running += 1
        send = self._deliveries.to_the_end(self._deliveries.deliver_event(event))
        send.add_done_callback(self._ended)
        # Cancelled when its time is up: the send is shielded from it.
        return await asyncio.shield(send)

    def _ended(self, _: asyncio.Task[list[Delivered]]) -> None:
        self._running -= 1
