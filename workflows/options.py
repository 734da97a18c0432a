"""How the workflows call their activities: retry policies, timeouts, and the error types that end retries.

One place, so the dispute and seller-account workflows, the activities that raise these errors and the API
that maps them agree.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

# The dispute refuses an action now: the reason is the message (the API answers 409 with it).
ACTION_REFUSED = "ActionRefused"
# Error types an activity raises when retrying cannot help.
BAD_DATA = "BadData"  # the database refused the data itself (a constraint, a value out of range)
DELIVERY_REFUSED = "DeliveryRefused"  # a receiver refused the message for good (an unknown address)

# Database writes retry until the database is back; bad data fails at once rather than forever.
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=[BAD_DATA],
)
STORE_TIMEOUT = timedelta(seconds=30)

# A refused address or unusable data fails the same way on every attempt; anything else (a mail server
# or receiver that is down, busy or rate-limiting) is worth retrying, with backoff, until it is back.
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=0,  # unlimited: a notification waits for its server rather than being dropped
    non_retryable_error_types=[DELIVERY_REFUSED, BAD_DATA],
)
# An event's first delivery attempt, as a local activity (``workflows.delivery.deliver_event``): once only,
# since its retries are the delivery activity's, which backs off on the server rather than in the workflow.
LOCAL_DELIVERY_RETRY = RetryPolicy(maximum_attempts=1)
# One attempt: the SMTP timeout and a seller's two webhooks' (30 s and 2 x 10 s by default) plus the database
# round trips.
DELIVERY_TIMEOUT = timedelta(minutes=1)
# How long an event's first attempt may hold the workflow task it runs in: an action on the dispute waits
# behind it. Under the SDK's 8 s (it then extends the task, and an action sent meanwhile was answered only
# with the task after: 16 s behind a mail server that took 12 s) and the API's 10 s wait for an action.
# Out of time, the event goes to the delivery activity, and the send under way ends on its own
# (``activities.first_delivery``): nothing is sent twice.
FIRST_ATTEMPT_TIMEOUT = timedelta(seconds=5)
# An attempt heartbeats every few seconds while it works, renewing its lease on the outbox row with each
# (activities.delivery). One silent this long died with its worker (kill -9, a lost machine): it is retried
# now, with the same Message-ID, rather than once DELIVERY_TIMEOUT has passed.
DELIVERY_HEARTBEAT_TIMEOUT = timedelta(seconds=15)
