"""What the API reads of a dispute from Temporal: its live state, its description, its start input.

Reads only: each names the dispute's workflow by its id (``workflows.dispute_start``) and says what it
does when no worker answers or the workflow does not exist. Turning what they return into an answer is
``api.views``'.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api.schemas import CustomerContact
from workflows import search_attributes as sa
from workflows.dispute import DisputeWorkflow
from workflows.dispute_start import workflow_id
from workflows.models import DisputeInput, DisputeState

log = logging.getLogger("api")

QUERY_TIMEOUT = timedelta(seconds=2)  # a live worker answers a query in milliseconds


def handle_for(client: Client, dispute_id: str) -> WorkflowHandle[DisputeWorkflow, DisputeState]:
    return client.get_workflow_handle_for(DisputeWorkflow.run, workflow_id(dispute_id))


async def live_state(client: Client, dispute_id: str, wait: timedelta = QUERY_TIMEOUT) -> DisputeState | None:
    """The workflow's own state; None if no worker answered in time or the workflow is gone."""
    try:
        return await handle_for(client, dispute_id).query(DisputeWorkflow.state, rpc_timeout=wait)
    except RPCError as error:
        if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.UNAUTHENTICATED):
            raise  # Temporal itself is down: a 503, not a stale answer
        if error.status != RPCStatusCode.NOT_FOUND:
            log.info(
                "dispute %s: no live answer (%s); using the read model",
                dispute_id,
                error.status,
                extra={"dispute_id": dispute_id},
            )
        return None


async def describe(client: Client, dispute_id: str) -> WorkflowExecutionDescription | None:
    """The dispute's workflow as the server describes it (no worker needed); None if there is none."""
    try:
        return await handle_for(client, dispute_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


async def ended(client: Client, dispute_id: str) -> bool:
    """Whether the dispute's workflow has completed (no worker needed)."""
    description = await describe(client, dispute_id)
    return description is not None and description.status == WorkflowExecutionStatus.COMPLETED


async def seller_of(client: Client, dispute_id: str) -> str | None:
    """The dispute's seller, from its search attributes (set at start); None if unknown."""
    description = await describe(client, dispute_id)
    return description.typed_search_attributes.get(sa.SELLER_ID) if description else None


async def start_input(client: Client, dispute_id: str) -> DisputeInput:
    """The input the dispute's workflow was started with: the first event of its history.

    It needs no worker, and what it holds never changes (the customer's contact details, the seller).
    """
    handle = handle_for(client, dispute_id)
    async for event in handle.fetch_history_events(page_size=1):
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        (original,) = await client.data_converter.decode(payloads, [DisputeInput])
        if isinstance(original, DisputeInput):
            return original
        break
    raise RuntimeError(f"workflow {handle.id} has no start event")


async def contact(client: Client, dispute_id: str) -> CustomerContact:
    customer = (await start_input(client, dispute_id)).customer
    return CustomerContact.model_validate(customer, from_attributes=True)
