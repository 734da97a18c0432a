"""A WhatsApp message that was taken and later reported ``failed`` (the number is not on WhatsApp, say):
the customer was never told, so the message goes by the customer's next channel (SMS), once.

The API starts one run per failed message (``start_options``) when WhatsApp's status webhook reports the
failure; its input, the message id, is encrypted like every payload. The activity does the rest on the
notification's outbox row, idempotently, as a delivery does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from workflows.delivery import DeliveryResult, redeliver_after_whatsapp_failure

WORKFLOW_NAME = "WhatsAppFailedWorkflow"


def workflow_id(notification_id: int) -> str:
    """One run per notification, whatever the number of webhooks reporting its message failed. Named by
    the outbox row, never by WhatsApp's message id: that id encodes the customer's number."""
    return f"whatsapp-failed-{notification_id}"


def start_options(notification_id: int) -> dict[str, Any]:
    """A report while the run is under way joins it; one after it ended starts nothing: the run already
    did what the failure calls for."""
    return {
        "id": workflow_id(notification_id),
        "id_conflict_policy": WorkflowIDConflictPolicy.USE_EXISTING,
        "id_reuse_policy": WorkflowIDReusePolicy.REJECT_DUPLICATE,
        "execution_timeout": timedelta(days=7),
    }


@workflow.defn(name=WORKFLOW_NAME)
class WhatsAppFailedWorkflow:
    @workflow.run
    async def run(self, message_id: str) -> DeliveryResult:
        return await redeliver_after_whatsapp_failure(message_id)
