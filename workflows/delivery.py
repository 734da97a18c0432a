"""What the workflow says to the delivery activity, what it hears back, and how to retry it.

The activity itself lives in ``activities.delivery``; these models cross the data converter, so they
follow the same rule as ``workflows.models``: add optional fields, never rename.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.events import NotificationKind, RecipientKind
from workflows.models import NotificationRequest
from workflows.options import (
    DELIVERY_HEARTBEAT_TIMEOUT,
    DELIVERY_RETRY,
    DELIVERY_TIMEOUT,
    FIRST_ATTEMPT_TIMEOUT,
    LOCAL_DELIVERY_RETRY,
)
from workflows.public import PublicText

DELIVER_ACTIVITY = "deliver_notification"
DELIVER_ALL_ACTIVITY = "deliver_notifications"  # an event's notifications, side by side, in one call
DELIVER_EVENT_ACTIVITY = "deliver_event_notifications"  # whatever the outbox holds for one event
# The same, as an event's first attempt: a local activity (``activities.first_delivery``).
DELIVER_EVENT_FIRST_ACTIVITY = "deliver_event_notifications_first"
# A customer's message WhatsApp reported failed after taking it, sent again by the next channel.
REDELIVER_ACTIVITY = "redeliver_after_whatsapp_failure"
_OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": DELIVERY_TIMEOUT,
    "heartbeat_timeout": DELIVERY_HEARTBEAT_TIMEOUT,
    "retry_policy": DELIVERY_RETRY,
}


class NotificationKey(BaseModel):
    """Which outbox row to deliver: the outbox's unique key, no contact details.

    A dispute's notification is keyed by ``dispute_id`` and ``seq``; a seller account's (no dispute) by
    ``account_change_id``, with ``seq`` 0.
    """

    dispute_id: str | None = None
    seq: int
    kind: NotificationKind
    recipient_kind: RecipientKind
    recipient_ref: str
    account_change_id: int | None = None

    @classmethod
    def of(cls, request: NotificationRequest) -> NotificationKey:
        return cls.model_validate(request.model_dump(include=set(cls.model_fields)))


class DeliveryResult(BaseModel):
    """The outcome recorded for a notification.

    ``sent``: every channel open to the recipient took it, or for a customer the first of its channels
    that did (``channels`` names them); ``skipped``: the
    recipient has no channel (a phone-only customer, no URL configured) and ``reason`` says why;
    ``failed``: a channel refused it for good, ``reason`` says which and why.
    """

    status: Literal["sent", "failed", "skipped"]
    channels: list[str]
    reason: str | None = None


class EventRef(BaseModel):
    """One event of a dispute, whose queued notifications the delivery activity reads from the outbox."""

    dispute_id: str
    seq: int


class Delivered(BaseModel):
    key: NotificationKey
    result: DeliveryResult


async def deliver(key: NotificationKey, summary: str) -> DeliveryResult:
    """Workflow code: deliver one outbox row, retrying until its receivers take it.

    A refusal for good (recorded in the outbox row) comes back as ``failed``: what the notification was
    about stands without it. The activity is named, not imported, since it imports these models.
    """
    try:
        result: DeliveryResult = await workflow.execute_activity(
            DELIVER_ACTIVITY, key, result_type=DeliveryResult, summary=PublicText(summary), **_OPTIONS
        )
    except ActivityError:
        return DeliveryResult(status="failed", channels=[])
    return result


async def deliver_all(keys: list[NotificationKey], summary: str) -> list[DeliveryResult]:
    """Workflow code: deliver an event's outbox rows in one activity, retrying until their receivers take
    them; each row's outcome, in order. One call per event rather than per row: a task less for the
    server and the worker for each further notification, and adding one changes no workflow command."""
    try:
        results: list[DeliveryResult] = await workflow.execute_activity(
            DELIVER_ALL_ACTIVITY,
            keys,
            result_type=list[DeliveryResult],
            summary=PublicText(summary),
            **_OPTIONS,
        )
    except ActivityError:
        return [DeliveryResult(status="failed", channels=[]) for _ in keys]
    return results


async def deliver_event(
    event: EventRef, summary: str, *, locally_first: bool = False
) -> list[Delivered] | None:
    """Workflow code: deliver every notification the outbox holds for one event, in one activity.

    The workflow names the event, not its notifications, so a message or a channel added to an event
    changes no workflow command. None if the activity failed for good (the outbox rows say why).

    ``locally_first``: one attempt as a local activity first, in the workflow task that recorded the event,
    which costs the server no activity task and the dispute no further workflow task; whatever it could not
    deliver (a server down or slow, another attempt holding a row, the worker's deliveries all busy, no
    answer within ``FIRST_ATTEMPT_TIMEOUT``) goes to the activity, which retries. The outbox keeps the two
    from sending a message twice: each row's outcome and lease are on the row.
    """
    if locally_first:
        try:
            first: list[Delivered] = await workflow.execute_local_activity(
                DELIVER_EVENT_FIRST_ACTIVITY,
                event,
                result_type=list[Delivered],
                summary=PublicText(summary),
                start_to_close_timeout=FIRST_ATTEMPT_TIMEOUT,
                retry_policy=LOCAL_DELIVERY_RETRY,
            )
        except (ActivityError, ApplicationError):
            pass
        else:
            return first
    try:
        delivered: list[Delivered] = await workflow.execute_activity(
            DELIVER_EVENT_ACTIVITY,
            event,
            result_type=list[Delivered],
            summary=PublicText(summary),
            **_OPTIONS,
        )
    except ActivityError:
        return None
    return delivered


async def redeliver_after_whatsapp_failure(message_id: str) -> DeliveryResult:
    """Workflow code: send the notification of the WhatsApp message ``message_id`` by the customer's next
    channel, retrying until it is taken; ``failed`` when none is left or all refused (its row says why)."""
    try:
        result: DeliveryResult = await workflow.execute_activity(
            REDELIVER_ACTIVITY,
            message_id,
            result_type=DeliveryResult,
            summary=PublicText("WhatsApp reported the message failed: by the next channel"),
            **_OPTIONS,
        )
    except ActivityError:
        return DeliveryResult(status="failed", channels=[])
    return result
