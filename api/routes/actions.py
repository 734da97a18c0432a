"""Acting on a dispute: each action is an update of its workflow, which accepts it or says why not (409).

The route checks only the key's role (403); whether the action is allowed now (tier, status, seller
efforts) is the workflow's decision. An ``Idempotency-Key`` makes a retried action take effect once; the
same key with another body is refused (``api.idempotency``).
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Acting:
    """An action on the dispute the path names: where it goes and the request's Idempotency-Key."""

    client: Client
    pool: asyncpg.Pool
    dispute_id: str
    idempotency_key: str | None

    async def update(self, key: ApiKey, update: Any, action: BaseModel) -> DisputeState:
        """Send the action as an update of the dispute's workflow; its state after it."""
        name: str = update.__name__
        request_id = updates.update_id(key, name, self.idempotency_key)
        if self.idempotency_key is not None:  # the same key again: the same request, or a 422
            fingerprint = idempotency.digest(action, exclude={"actor"})
            await idempotency.claim(
                self.pool, workflow_id(self.dispute_id), request_id, fingerprint, action=name
            )
        return await updates.execute(self.client, self.pool, self.dispute_id, update, action, request_id)

    async def view(self, key: ApiKey, update: Any, action: BaseModel) -> DisputeView:
        """Take the action; the answer is the dispute's new state with the customer's contact details
        (every action but the seller's, which answers the seller's view)."""
        state = await self.update(key, update, action)
        contact = await dispute_reads.contact(self.client, self.dispute_id)
        await contact_reads.record(self.pool, key, self.dispute_id, state.customer_id)
        return views.render(state, contact=contact)


async def acting(
    dispute_id: DisputeId, client: ClientDep, pool: PoolDep, idempotency_key: IdempotencyKey = None
) -> Acting:
    return Acting(client, pool, dispute_id, idempotency_key)


# After the key's role in each route's parameters: a key that may not take the action is refused before
# the dispute it names is looked up, so it learns nothing of it (a seller would otherwise tell another
# seller's reference from one that does not exist).
Act = Annotated[Acting, Depends(acting)]


async def _own_dispute(client: Client, key: ApiKey, dispute_id: str) -> None:
    """403 unless the dispute is the seller's; also 403 for an unknown id, which must not tell them apart."""
    if await dispute_reads.seller_of(client, dispute_id) != key.seller_id:
        raise errors.not_sellers(dispute_id, key.seller_id)


@router.post("/resolve", response_model=DisputeView, summary="Resolve", responses=_RESPONSES)
async def resolve(key: Agent, act: Act, body: ResolveBody) -> DisputeView:
    """An agent of the dispute's tier or above, or an operator, closes it with an outcome."""
    action = ResolveAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.resolve, action)


@router.post("/escalate", response_model=DisputeView, summary="Escalate", responses=_RESPONSES)
async def escalate(key: Agent, act: Act, body: EscalateBody) -> DisputeView:
    """An agent or operator sends the dispute to the next tier now, with a reason."""
    action = EscalateAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.escalate, action)


@router.post(
    "/information-requests", response_model=DisputeView, summary="Ask the customer", responses=_RESPONSES
)
async def request_information(key: Agent, act: Act, body: InformationRequestBody) -> DisputeView:
    """The resolution team (tier 2) or above asks the customer questions; the dispute awaits the answer."""
    action = RequestInformationAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.request_information, action)


@router.post("/information", response_model=DisputeView, summary="Answer (customer)", responses=_RESPONSES)
async def provide_information(key: Customer, act: Act, body: InformationBody) -> DisputeView:
    """The customer's answer, through an intake client; the dispute is open again."""
    action = ProvideInformationAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.provide_information, action)


@router.post("/findings", response_model=DisputeView, summary="Deliver findings", responses=_RESPONSES)
async def submit_findings(key: Agent, act: Act, body: FindingsBody) -> DisputeView:
    """The resolution team (tier 2) or above delivers its findings to the customer."""
    action = SubmitFindingsAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.submit_findings, action)


@router.post(
    "/seller-response", response_model=SellerDisputeView, summary="Respond (seller)", responses=_RESPONSES
)
async def seller_response(key: Seller, act: Act, body: SellerResponseBody) -> SellerDisputeView:
    """The dispute's own seller responds; Jamla24's efforts to reach the seller have succeeded. The answer
    is the dispute as the seller reads it."""
    await _own_dispute(act.client, key, act.dispute_id)
    action = SellerResponseAction(actor=key.actor(), **body.model_dump())
    state = await act.update(key, DisputeWorkflow.seller_response, action)
    return seller_view(state, source="workflow", stale=False, as_of=datetime.now(UTC))


@router.post("/seller-flags", response_model=DisputeView, summary="Flag the seller", responses=_RESPONSES)
async def flag_seller(key: Agent, act: Act, body: SellerFlagBody) -> DisputeView:
    """An agent or operator records that the seller refuses to cooperate: a strike."""
    action = FlagSellerAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.flag_seller, action)


@router.post(
    "/seller-contact",
    response_model=DisputeView,
    summary="Release the seller's contact (customer)",
    responses=_RESPONSES,
)
async def request_seller_contact(
    key: Customer, act: Act, body: SellerContactBody | None = None
) -> DisputeView:
    """The customer obtains the seller's contact details, once Jamla24's own efforts have failed."""
    action = RequestSellerContactAction(actor=key.actor())
    return await act.view(key, DisputeWorkflow.request_seller_contact, action)


@router.post(
    "/seller-contact-attempts",
    response_model=DisputeView,
    summary="Record an attempt to reach the seller",
    responses=_RESPONSES,
)
async def record_seller_contact_attempt(key: Agent, act: Act, body: SellerContactAttemptBody) -> DisputeView:
    """An agent records a call (or another channel) to a seller no message reached, and its outcome.

    Reached, the seller counts as asked: its response windows start from now.
    """
    action = RecordSellerContactAttemptAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.record_seller_contact_attempt, action)


@router.post("/withdraw", response_model=DisputeView, summary="Withdraw (customer)", responses=_RESPONSES)
async def withdraw(key: Customer, act: Act, body: WithdrawBody) -> DisputeView:
    """The customer withdraws the dispute; it closes."""
    action = WithdrawAction(actor=key.actor(), **body.model_dump())
    return await act.view(key, DisputeWorkflow.withdraw, action)
