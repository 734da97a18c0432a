"""A customer's message WhatsApp took and later reported ``failed`` (the number is not on WhatsApp, say),
sent again by the customer's next channel: the activity of ``workflows.late_refusal``."""

from __future__ import annotations

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery import Deliveries
from workflows.delivery import REDELIVER_ACTIVITY, DeliveryResult, NotificationKey
from workflows.options import BAD_DATA

# A WhatsApp message reported failed after it was taken, when WhatsApp alone had told the customer: its
# channel moves from done to refused and the row back to pending, so that a delivery sends the message by
# the next alternative. Once moved, or for a row another channel took too, it changes nothing.
_WHATSAPP_FAILED = """
UPDATE notifications n
SET status = 'pending', sent_at = NULL, channels_done = '{}',
    channels_failed = n.channels_failed
        || jsonb_build_object('whatsapp', jsonb_build_object('summary', $2::text, 'detail', $2::text))
FROM whatsapp_messages w
WHERE w.message_id = $1 AND w.status = 'failed' AND n.id = w.notification_id
  AND n.status = 'sent' AND n.channels_done = ARRAY['whatsapp']
"""
_OF_WHATSAPP_MESSAGE = """
SELECT n.dispute_id, n.seq, n.kind, n.recipient_kind, n.recipient_ref, n.account_change_id, w.status, w.error
FROM whatsapp_messages w JOIN notifications n ON n.id = w.notification_id WHERE w.message_id = $1
"""


class LateRefusals:
    """The ``redeliver_after_whatsapp_failure`` activity, delivering through ``deliveries``."""

    def __init__(self, pool: asyncpg.Pool, deliveries: Deliveries) -> None:
        self._pool = pool
        self._deliveries = deliveries

    @activity.defn(name=REDELIVER_ACTIVITY)
    async def redeliver_after_whatsapp_failure(self, message_id: str) -> DeliveryResult:
        """Send the notification WhatsApp reported failed (``message_id``) by the customer's next channel,
        as ``deliver_all`` delivers one; a notification already sent again answers its outcome."""
        found = await self._pool.fetchrow(_OF_WHATSAPP_MESSAGE, message_id)
        if found is None or found["status"] != "failed":
            why = "is not known" if found is None else f"has not failed: its status is {found['status']}"
            # Never the id in a failure: Temporal's logs and UI show it, and the id encodes the number.
            raise ApplicationError(f"the WhatsApp message {why}", type=BAD_DATA, non_retryable=True)
        reason = f"whatsapp status failed ({found['error'] or 'no error code'})"
        await self._pool.execute(_WHATSAPP_FAILED, message_id, reason)
        key = NotificationKey.model_validate({field: found[field] for field in NotificationKey.model_fields})
        [result] = await self._deliveries.deliver_all([key])
        return result
