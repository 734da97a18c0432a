"""An event's first delivery attempt, as a local activity in the workflow task that recorded the event
(``workflows.delivery.deliver_event``): no activity task for the server, no workflow task more for the
dispute. Only for events a person or intake caused: the clocks' keep the delivery activity.

At most as many at a time as the worker runs delivery activities. Beyond that (a surge of new disputes,
a slow mail server) an attempt steps aside at once and the delivery activity takes the event: the
deliveries then queue on the server, and the worker's CPU goes to the workflow tasks.
"""

from __future__ import annotations

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
        """``deliver_event_notifications``, unless ``at_a_time`` attempts are under way: then a failure at
        once, sending nothing, and the workflow hands the event to the delivery activity."""
        if self._running >= self._at_a_time:
            raise ApplicationError("deliveries busy: left to the delivery activity", type=DELIVERY_BUSY)
        self._running += 1
        try:
            return await self._deliveries.deliver_event(event)
        finally:
            self._running -= 1
