"""Acting on a dispute: each action is an update of its workflow, which accepts it or says why not (409).

The route checks only the key's role (403); whether the action is allowed now (tier, status, seller
efforts) is the workflow's decision. An ``Idempotency-Key`` makes a retried action take effect once; the
same key with another body is refused (``api.idempotency``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends
from pydantic import BaseModel
from temporalio.client import Client

from api import contact_reads, dispute_reads, errors, idempotency, updates, views
from api.auth import ApiKey, KeyRole
from api.deps import ClientDep, DisputeId, IdempotencyKey, PoolDep, allow
from api.schemas import (
    DisputeView,
    EscalateBody,
    FindingsBody,
    InformationBody,
    InformationRequestBody,
    ResolveBody,
    SellerContactAttemptBody,
    SellerContactBody,
    SellerFlagBody,
    SellerResponseBody,
    WithdrawBody,
)
from api.seller_view import SellerDisputeView, seller_view
from workflows.actions import (
    EscalateAction,
    FlagSellerAction,
    ProvideInformationAction,
    RecordSellerContactAttemptAction,
    RequestInformationAction,
    RequestSellerContactAction,
    ResolveAction,
    SellerResponseAction,
    SubmitFindingsAction,
    WithdrawAction,
)
from workflows.dispute import DisputeWorkflow
from workflows.dispute_start import workflow_id
from workflows.models import DisputeState

router = APIRouter(prefix="/disputes/{dispute_id}", tags=["actions"])

Agent = Annotated[ApiKey, Depends(allow(KeyRole.AGENT, KeyRole.OPERATOR))]
Customer = Annotated[ApiKey, Depends(allow(KeyRole.INTAKE))]
Seller = Annotated[ApiKey, Depends(allow(KeyRole.SELLER))]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no API key, or not a valid one"},
    403: {"description": "this key's role may not take this action, or the dispute is another seller's"},
    404: {"description": "no such dispute"},
    409: {"description": "the dispute refuses the action now; `detail` says why"},
    503: {"description": "no worker took the action in time; retry with the same Idempotency-Key"},
}


async def _act(
    client: Client,
    pool: asyncpg.Pool,
    key: ApiKey,
    dispute_id: str,
    update: Any,
    action: BaseModel,
    idempotency_key: str | None,
) -> DisputeView:
    """Take the action; the answer is the dispute's new state with the customer's contact details (every
    action but the seller's, which answers the seller's view)."""
    state = await _update(client, pool, key, dispute_id, update, action, idempotency_key)
    contact = await dispute_reads.contact(client, dispute_id)
    await contact_reads.record(pool, key, dispute_id, state.customer_id)
    return views.render(state, contact=contact)


async def _update(
    client: Client,
    pool: asyncpg.Pool,
    key: ApiKey,
    dispute_id: str,
    update: Any,
    action: BaseModel,
    idempotency_key: str | None,
) -> DisputeState:
    """Send the action as an update of the dispute's workflow; its state after it."""
    name: str = update.__name__
    request_id = updates.update_id(key, name, idempotency_key)
    if idempotency_key is not None:  # the same key again: the same request, or a 422
        fingerprint = idempotency.digest(action, exclude={"actor"})
        await idempotency.claim(pool, workflow_id(dispute_id), request_id, fingerprint, action=name)
    return await updates.execute(client, pool, dispute_id, update, action, request_id)


async def _own_dispute(client: Client, key: ApiKey, dispute_id: str) -> None:
    """403 unless the dispute is the seller's; also 403 for an unknown id, which must not tell them apart."""
    if await dispute_reads.seller_of(client, dispute_id) != key.seller_id:
        raise errors.not_sellers(dispute_id, key.seller_id)


@router.post("/resolve", response_model=DisputeView, summary="Resolve", responses=_RESPONSES)
async def resolve(
    dispute_id: DisputeId,
    body: ResolveBody,
    key: Agent,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """An agent of the dispute's tier or above, or an operator, closes it with an outcome."""
    action = ResolveAction(actor=key.actor(), **body.model_dump())
    return await _act(client, pool, key, dispute_id, DisputeWorkflow.resolve, action, idempotency_key)


@router.post("/escalate", response_model=DisputeView, summary="Escalate", responses=_RESPONSES)
async def escalate(
    dispute_id: DisputeId,
    body: EscalateBody,
    key: Agent,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """An agent or operator sends the dispute to the next tier now, with a reason."""
    action = EscalateAction(actor=key.actor(), **body.model_dump())
    return await _act(client, pool, key, dispute_id, DisputeWorkflow.escalate, action, idempotency_key)


@router.post(
    "/information-requests", response_model=DisputeView, summary="Ask the customer", responses=_RESPONSES
)
async def request_information(
    dispute_id: DisputeId,
    body: InformationRequestBody,
    key: Agent,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """The resolution team (tier 2) or above asks the customer questions; the dispute awaits the answer."""
    action = RequestInformationAction(actor=key.actor(), **body.model_dump())
    return await _act(
        client, pool, key, dispute_id, DisputeWorkflow.request_information, action, idempotency_key
    )


@router.post("/information", response_model=DisputeView, summary="Answer (customer)", responses=_RESPONSES)
async def provide_information(
    dispute_id: DisputeId,
    body: InformationBody,
    key: Customer,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """The customer's answer, through an intake client; the dispute is open again."""
    action = ProvideInformationAction(actor=key.actor(), **body.model_dump())
    return await _act(
        client, pool, key, dispute_id, DisputeWorkflow.provide_information, action, idempotency_key
    )


@router.post("/findings", response_model=DisputeView, summary="Deliver findings", responses=_RESPONSES)
async def submit_findings(
    dispute_id: DisputeId,
    body: FindingsBody,
    key: Agent,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """The resolution team (tier 2) or above delivers its findings to the customer."""
    action = SubmitFindingsAction(actor=key.actor(), **body.model_dump())
    return await _act(client, pool, key, dispute_id, DisputeWorkflow.submit_findings, action, idempotency_key)


@router.post(
    "/seller-response", response_model=SellerDisputeView, summary="Respond (seller)", responses=_RESPONSES
)
async def seller_response(
    dispute_id: DisputeId,
    body: SellerResponseBody,
    key: Seller,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> SellerDisputeView:
    """The dispute's own seller responds; Jamla24's efforts to reach the seller have succeeded. The answer
    is the dispute as the seller reads it."""
    await _own_dispute(client, key, dispute_id)
    action = SellerResponseAction(actor=key.actor(), **body.model_dump())
    update = DisputeWorkflow.seller_response
    state = await _update(client, pool, key, dispute_id, update, action, idempotency_key)
    return seller_view(state, source="workflow", stale=False, as_of=datetime.now(UTC))


@router.post("/seller-flags", response_model=DisputeView, summary="Flag the seller", responses=_RESPONSES)
async def flag_seller(
    dispute_id: DisputeId,
    body: SellerFlagBody,
    key: Agent,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """An agent or operator records that the seller refuses to cooperate: a strike."""
    action = FlagSellerAction(actor=key.actor(), **body.model_dump())
    return await _act(client, pool, key, dispute_id, DisputeWorkflow.flag_seller, action, idempotency_key)


@router.post(
    "/seller-contact",
    response_model=DisputeView,
    summary="Release the seller's contact (customer)",
    responses=_RESPONSES,
)
async def request_seller_contact(
    dispute_id: DisputeId,
    key: Customer,
    client: ClientDep,
    pool: PoolDep,
    body: SellerContactBody | None = None,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """The customer obtains the seller's contact details, once Jamla24's own efforts have failed."""
    action = RequestSellerContactAction(actor=key.actor())
    return await _act(
        client, pool, key, dispute_id, DisputeWorkflow.request_seller_contact, action, idempotency_key
    )


@router.post(
    "/seller-contact-attempts",
    response_model=DisputeView,
    summary="Record an attempt to reach the seller",
    responses=_RESPONSES,
)
async def record_seller_contact_attempt(
    dispute_id: DisputeId,
    body: SellerContactAttemptBody,
    key: Agent,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """An agent records a call (or another channel) to a seller no message reached, and its outcome.

    Reached, the seller counts as asked: its response windows start from now.
    """
    action = RecordSellerContactAttemptAction(actor=key.actor(), **body.model_dump())
    update = DisputeWorkflow.record_seller_contact_attempt
    return await _act(client, pool, key, dispute_id, update, action, idempotency_key)


@router.post("/withdraw", response_model=DisputeView, summary="Withdraw (customer)", responses=_RESPONSES)
async def withdraw(
    dispute_id: DisputeId,
    body: WithdrawBody,
    key: Customer,
    client: ClientDep,
    pool: PoolDep,
    idempotency_key: IdempotencyKey = None,
) -> DisputeView:
    """The customer withdraws the dispute; it closes."""
    action = WithdrawAction(actor=key.actor(), **body.model_dump())
    return await _act(client, pool, key, dispute_id, DisputeWorkflow.withdraw, action, idempotency_key)
