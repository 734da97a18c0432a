"""Opening a dispute: its id and reference, its input, and starting its workflow exactly once per intake
reference."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import asyncpg
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import dispute_reads, errors, intake_store, reference_store
from api.dates import iso
from api.schemas import IntakeRequest, IntakeResponse
from infra.customer_links import CustomerLinkSettings
from workflows.deadlines import compute_deadlines
from workflows.dispute import DisputeWorkflow
from workflows.dispute_start import start_options, workflow_id
from workflows.models import Actor, Channel, Customer, DisputeInput, DisputeState, SellerAccountStatus, Status
from workflows.sla_policy import SlaPolicy, span

# Intake references map to dispute ids in this namespace: (channel, external_ref) -> one id, always.
_REF_NAMESPACE = uuid.UUID("6f2a1c3e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")


def dispute_id_for(channel: Channel, external_ref: str | None) -> str:
    """A new id; or, for an intake reference, the one id that reference always gets on its channel."""
    if external_ref is None:
        return uuid.uuid4().hex
    return uuid.uuid5(_REF_NAMESPACE, f"{channel.value}\n{external_ref}").hex


def fingerprint(request: IntakeRequest) -> str:
    """A digest of the normalised request: a retry has the same, another body under the same ref not."""
    canonical = json.dumps(request.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_first_contact(request: IntakeRequest, policy: SlaPolicy, now: datetime) -> None:
    """422 if the first contact lies further back than the policy in force allows.

    The rest of its sanity (ISO 8601 text, a real offset, not in the future) is the request model's; this
    needs the policy the app runs with. The refusal names the value (a date, not a customer's detail)
    and the limit, and the setting that holds it.
    """
    first = request.first_contact_at
    limit = policy.max_first_contact_age
    if first is not None and now - first > limit:
        raise errors.invalid(
            ("body", "first_contact_at"),
            f"first_contact_at {iso(first)} is older than the policy's limit of {span(limit)} "
            f"(SLA_MAX_FIRST_CONTACT_AGE): a dispute must be registered within {span(limit)} of the "
            "customer's first contact; check the date",
        )


def build_input(
    request: IntakeRequest, policy: SlaPolicy, opened_by: Actor, now: datetime | None = None
) -> DisputeInput:
    now = now or datetime.now(UTC)
    return DisputeInput(
        dispute_id=dispute_id_for(request.channel, request.external_ref),
        customer=Customer.model_validate(request.customer.model_dump()),
        order_id=request.order_id,
        seller_id=request.seller_id,
        channel=request.channel,
        category=request.category,
        description=request.description,
        first_contact_at=request.first_contact_at or now,
        registered_at=now,
        external_ref=request.external_ref,
        opened_by=opened_by,
        intake_fingerprint=fingerprint(request),
        policy=policy,
    )


def response_for(dispute: DisputeInput, state: DisputeState | None = None) -> IntakeResponse:
    """The intake answer: from the input and its computed deadlines, or from a known state."""
    return IntakeResponse(
        dispute_id=dispute.dispute_id,
        reference=dispute.reference,
        workflow_id=workflow_id(dispute.dispute_id),
        status=state.status if state else Status.OPEN,
        tier=state.tier if state else 1,
        channel=dispute.channel,
        seller_id=dispute.seller_id,
        external_ref=dispute.external_ref,
        first_contact_at=dispute.first_contact_at,
        registered_at=dispute.registered_at,
        deadlines=state.deadlines
        if state
        else compute_deadlines(dispute.policy, dispute.first_contact_at, dispute.registered_at),
    )


async def register(
    client: Client,
    pool: asyncpg.Pool,
    dispute: DisputeInput,
    task_queue: str,
    links: CustomerLinkSettings | None = None,
) -> tuple[IntakeResponse, bool]:
    """Give the dispute its reference and its customer's link and find its seller's status, then open it
    (``open_dispute``); ``(answer, created)``.

    All three are written to PostgreSQL before the workflow starts, in one statement
    (``api.intake_store``): with PostgreSQL down this is a 503 and nothing has started, so a retry is
    safe. The reference is in the workflow's input; a retry of the same intake (the same dispute id) is
    given the same one. A dispute opened before references existed answers without one, and the
    reference its retry was just given is taken back. Only the link's salt and hash go to PostgreSQL and
    nothing of it into the workflow, so that the acknowledgement finds it; a retry finds the one the first
    attempt made (``api.customer_link_store``). The seller's status is in the answer, and a search
    attribute.
    """
    recorded = await intake_store.record(pool, dispute.dispute_id, dispute.seller_id, links)
    dispute = dispute.model_copy(update={"reference": recorded.reference})
    answer, created = await open_dispute(client, dispute, task_queue, recorded.seller_status)
    if answer.reference is None:
        await reference_store.release(pool, dispute.dispute_id, recorded.reference)
    return answer.model_copy(update={"seller_status_at_intake": recorded.seller_status}), created


async def open_dispute(
    client: Client, dispute: DisputeInput, task_queue: str, seller_status: SellerAccountStatus | None = None
) -> tuple[IntakeResponse, bool]:
    """Start the dispute's workflow; ``(answer, created)``. A retry of the same intake gets the same dispute.

    The id is deterministic for an intake reference, so concurrent retries all name one workflow. Its
    id policies (``start_options``) make any start but the first raise ``WorkflowAlreadyStartedError``,
    whether the dispute runs or has closed: then it is answered from the dispute it already is (200),
    or refused with a 409 if the same reference came with another body. A start the SDK retried after
    a lost answer carries the same request id, so the server counts it as the first, not a duplicate.
    """
    options = start_options(dispute, seller_status)
    try:
        await client.start_workflow(DisputeWorkflow.run, dispute, task_queue=task_queue, **options)
    except WorkflowAlreadyStartedError:
        return await _existing(client, dispute), False
    return response_for(dispute), True


async def _existing(client: Client, dispute: DisputeInput) -> IntakeResponse:
    """The dispute this intake reference already opened, if the request is the same one."""
    original = await dispute_reads.start_input(client, dispute.dispute_id)
    if original.intake_fingerprint != dispute.intake_fingerprint:
        raise errors.conflict(
            f"External reference {dispute.external_ref!r} on channel {dispute.channel.value} already opened "
            f"dispute {dispute.dispute_id} with a different request; use a new reference for a new dispute."
        )
    # Its current status if a worker answers; else what it was opened as (the deadlines do not change).
    return response_for(original, await dispute_reads.live_state(client, dispute.dispute_id))
