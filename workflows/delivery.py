"""What the workflow says to the delivery activity, what it hears back, and how to retry it.

The activity itself lives in ``activities.delivery``; these models cross the data converter, so they
follow the same rule as ``workflows.models``: add optional fields, never rename.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.models import NotificationRequest, RecipientKind

# A refused address or unusable data fails the same way on every attempt; anything else (a mail server
# or receiver that is down, busy or rate-limiting) is worth retrying, with backoff, until it is back.
DELIVER_ACTIVITY = "deliver_notification"
DELIVER_ALL_ACTIVITY = "deliver_notifications"  # an event's notifications, side by side, in one call
DELIVERY_REFUSED = "DeliveryRefused"
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=0,  # unlimited: a notification waits for its server rather than being dropped
    non_retryable_error_types=[DELIVERY_REFUSED, "BadData"],
)
# One attempt: the SMTP and webhook timeouts (30 s and 10 s by default) plus the database round trips.
DELIVERY_TIMEOUT = timedelta(minutes=1)
# An attempt heartbeats every few seconds while it works, renewing its lease on the outbox row with each
# (activities.delivery). One silent this long died with its worker (kill -9, a lost machine): it is retried
# now, with the same Message-ID, rather than once DELIVERY_TIMEOUT has passed.
DELIVERY_HEARTBEAT_TIMEOUT = timedelta(seconds=15)
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
    kind: str
    recipient_kind: RecipientKind
    recipient_ref: str
    account_change_id: int | None = None

    @classmethod
    def of(cls, request: NotificationRequest) -> NotificationKey:
        return cls.model_validate(request.model_dump(include=set(cls.model_fields)))


class DeliveryResult(BaseModel):
    """The outcome recorded for a notification.

    ``sent``: every channel open to the recipient took it (``channels`` names them); ``skipped``: the
    recipient has no channel (a phone-only customer, no URL configured) and ``reason`` says why;
    ``failed``: a channel refused it for good, ``reason`` says which and why.
    """

    status: Literal["sent", "failed", "skipped"]
    channels: list[str]
    reason: str | None = None


async def deliver(key: NotificationKey, summary: str) -> DeliveryResult:
    """Workflow code: deliver one outbox row, retrying until its receivers take it.

    A refusal for good (recorded in the outbox row) comes back as ``failed``: what the notification was
    about stands without it. The activity is named, not imported, since it imports these models.
    """
    try:
        result: DeliveryResult = await workflow.execute_activity(
            DELIVER_ACTIVITY, key, result_type=DeliveryResult, summary=summary, **_OPTIONS
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
            DELIVER_ALL_ACTIVITY, keys, result_type=list[DeliveryResult], summary=summary, **_OPTIONS
        )
    except ActivityError:
        return [DeliveryResult(status="failed", channels=[]) for _ in keys]
    return results
