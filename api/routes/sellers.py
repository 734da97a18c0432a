"""Seller accounts: reading one (its operator or its own seller), and an operator's reinstatement.

A reinstatement is a short workflow (``SellerAccountChangeWorkflow``): the change is recorded, then
published to the seller portal and told to the seller, durably. The route checks the account first so a
request with nothing to lift is answered at once; the workflow's activity checks again under the
account's lock, and is the one that decides.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from api import errors, idempotency, seller_accounts, seller_directory, updates
from api.auth import ApiKey, KeyRole
from api.deps import ClientDep, IdempotencyKey, PolicyDep, PoolDep, TaskQueueDep, allow
from api.directory import SellerDirectoryBody, WebhookSecretView
from api.schemas import ReinstateBody, SellerAccountView
from workflows.rules import reinstatement_refusal
from workflows.seller_account import SellerAccountChangeWorkflow, workflow_id
from workflows.seller_payloads import ReinstateRequest

router = APIRouter(prefix="/sellers/{seller_id}", tags=["sellers"])

SellerId = Annotated[str, Path(min_length=1, max_length=128, examples=["S-1001"])]
Operator = Annotated[ApiKey, Depends(allow(KeyRole.OPERATOR))]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no API key, or not a valid one"},
}


@router.get(
    "",
    response_model=SellerAccountView,
    summary="A seller's account: status, strikes, changes, directory entry",
    responses={
        **_ERRORS,
        403: {"description": "a seller key asking for another seller's account (or an unknown one)"},
        404: {"description": "no such seller (operators, the marketplace)"},
    },
)
async def get_seller(
    seller_id: SellerId,
    key: Annotated[ApiKey, Depends(allow(KeyRole.OPERATOR, KeyRole.MARKETPLACE, KeyRole.SELLER))],
    pool: PoolDep,
    policy: PolicyDep,
) -> SellerAccountView:
    """The account's status, the strikes within the policy's window (with their disputes), every
    change of its status with who or what made it, and its directory entry (`contact`).

    A seller reads its own account only; operators and the marketplace read any.
    """
    is_seller = key.role == KeyRole.SELLER
    if is_seller and key.seller_id != seller_id:
        raise errors.not_this_seller(seller_id, key.seller_id)
    view = await seller_accounts.load(
        pool, seller_id, policy.seller_strike_window, with_contact=True, known=is_seller
    )
    if view is None:
        raise errors.seller_not_found(seller_id)
    return view


@router.put(
    "",
    response_model=SellerAccountView,
    summary="Set a seller's directory entry (marketplace, operator)",
    responses={
        **_ERRORS,
        200: {"description": "the entry replaced the seller's (or was already the one stored)"},
        201: {"description": "the seller had no directory entry: this one is its first"},
        403: {"description": "only the marketplace and operators keep the directory"},
    },
    status_code=200,
)
async def put_seller(
    seller_id: SellerId,
    body: SellerDirectoryBody,
    response: Response,
    key: Annotated[ApiKey, Depends(allow(KeyRole.MARKETPLACE, KeyRole.OPERATOR))],
    pool: PoolDep,
    policy: PolicyDep,
) -> SellerAccountView:
    """Replace the seller's directory entry: a field left out is cleared. Sending the same entry again
    changes nothing (200, the same answer). A seller no dispute named yet is known from now on, active.

    The entry decides how the seller is reached (its e-mail, its own webhook URL), in which language it
    reads its messages, and what a customer receives when the seller's contact is released
    (`customer_contact`). Its account's status and strikes are not the directory's.
    """
    written = await seller_directory.put(pool, seller_id, body, by=key.actor_id)
    response.status_code = 201 if written == seller_directory.Written.CREATED else 200
    view = await seller_accounts.load(pool, seller_id, policy.seller_strike_window, with_contact=True)
    assert view is not None  # the row was just written
    return view


@router.post(
    "/webhook-secrets",
    status_code=201,
    response_model=WebhookSecretView,
    summary="A new secret for the seller's own webhook URL (rotation)",
    responses={
        **_ERRORS,
        403: {"description": "a seller key for another seller's account, or a role that may not"},
    },
)
async def rotate_webhook_secret(
    seller_id: SellerId,
    key: Annotated[ApiKey, Depends(allow(KeyRole.OPERATOR, KeyRole.MARKETPLACE, KeyRole.SELLER))],
    pool: PoolDep,
) -> WebhookSecretView:
    """A new secret for the events sent to the seller's own `webhook_url`, shown only in this answer.

    The previous secret keeps signing too (every event carries both signatures) until the next rotation,
    so the seller's receiver moves to the new one in its own time; an older one stops at once. Each call
    rotates: a retry after a lost answer makes another secret. Each receiver's secret is its own: an event
    signed for the seller portal or another seller never verifies with it.
    """
    if key.role == KeyRole.SELLER and key.seller_id != seller_id:
        raise errors.not_this_seller(seller_id, key.seller_id)
    secret, created_at, signing = await seller_directory.rotate_secret(pool, seller_id)
    return WebhookSecretView(secret=secret, created_at=created_at, signing=signing)


@router.post(
    "/reinstate",
    response_model=SellerAccountView,
    summary="Reinstate a seller account (operator)",
    responses={
        **_ERRORS,
        403: {"description": "only operators reinstate accounts"},
        404: {"description": "no such seller"},
        409: {
            "description": "nothing to lift (the account is active), or a termination not lifted explicitly"
        },
        503: {"description": "no worker took the change in time; retry with the same Idempotency-Key"},
    },
)
async def reinstate(
    seller_id: SellerId,
    body: ReinstateBody,
    key: Operator,
    client: ClientDep,
    pool: PoolDep,
    policy: PolicyDep,
    task_queue: TaskQueueDep,
    idempotency_key: IdempotencyKey = None,
) -> SellerAccountView:
    """An operator lifts the account's restriction (or warning): it is `active` again.

    The change is recorded with the operator and the reason, published to the seller portal as a
    `seller_account_changed` event and told to the seller. A terminated account is reinstated only with
    `"lift_termination": true`. With an `Idempotency-Key`, a retried request changes the account once.
    """
    # The same for a retried request: same API key, seller and Idempotency-Key.
    change = updates.update_id(key, "reinstate", idempotency_key and f"{seller_id}\n{idempotency_key}")
    if idempotency_key is not None:  # the same key again: the same request, or a 422
        subject = f"seller-{seller_id}"
        await idempotency.claim(pool, subject, change, idempotency.digest(body), action="reinstate")
    if not await seller_accounts.change_recorded(pool, seller_id, change):
        current = await seller_accounts.status(pool, seller_id)
        if current is None:
            raise errors.seller_not_found(seller_id)
        refusal = reinstatement_refusal(seller_id, current, lift_termination=body.lift_termination)
        if refusal is not None:
            raise errors.conflict(refusal)
    request = ReinstateRequest(
        seller_id=seller_id,
        change_key=change,
        reason=body.reason,
        by=key.actor(),
        lift_termination=body.lift_termination,
    )
    start = WithStartWorkflowOperation(
        SellerAccountChangeWorkflow.run,
        request,
        id=workflow_id(seller_id, change),
        task_queue=task_queue,
        # A retry joins the request still under way; after it ended, a new run finds the change recorded.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    async with updates.answered("change"):
        await client.execute_update_with_start_workflow(
            SellerAccountChangeWorkflow.recorded,
            start_workflow_operation=start,
            id="recorded",
            rpc_timeout=updates.ACTION_TIMEOUT,
        )
    view = await seller_accounts.load(pool, seller_id, policy.seller_strike_window, with_contact=True)
    assert view is not None  # the change just recorded names the seller
    return view
