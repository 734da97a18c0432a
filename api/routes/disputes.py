"""Opening disputes, reading one, and listing them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from temporalio.client import Client

from api import dispute_reads, errors, intake, read_model, views
from api.auth import ApiKey, KeyRole
from api.dates import QueryDay, start_of
from api.deps import ClientDep, DisputeId, LinksDep, PolicyDep, PoolDep, TaskQueueDep, allow
from api.schemas import DisputePage, DisputeView, IntakeRequest, IntakeResponse
from api.seller_view import SellerDisputeView
from workflows.models import Channel, Status

router = APIRouter(prefix="/disputes", tags=["disputes"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "no API key, or not a valid one"},
    403: {"description": "this key's role may not do this, or the dispute is another seller's"},
}


@router.post(
    "",
    status_code=201,
    response_model=IntakeResponse,
    summary="Open a dispute",
    responses={
        200: {"description": "this intake reference already opened this dispute (a retry)"},
        409: {"description": "this intake reference already opened a dispute with a different request"},
        **_ERRORS,
    },
)
async def open_dispute(
    body: IntakeRequest,
    response: Response,
    key: Annotated[ApiKey, Depends(allow(KeyRole.INTAKE))],
    client: ClientDep,
    pool: PoolDep,
    policy: PolicyDep,
    task_queue: TaskQueueDep,
    links: LinksDep,
) -> IntakeResponse:
    """Intake clients (chat, e-mail, phone systems) open a dispute for a customer.

    With an `external_ref`, the same reference on the same channel always answers the same dispute
    (200 rather than 201), however often and however concurrently it is sent. Each dispute gets a
    `reference` (`J24-7KX4M2QJ`) the customer can quote; a retry answers the same one. The dispute's seller is
    known (`GET /sellers/{id}`) as soon as the dispute is accepted. A complaint against a restricted or
    terminated seller is accepted all the same; `seller_status_at_intake` flags it.
    """
    now = datetime.now(UTC)
    intake.check_first_contact(body, policy, now)
    dispute = intake.build_input(body, policy, key.actor(), now)
    answer, created = await intake.register(client, pool, dispute, task_queue, links=links)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/disputes/{answer.dispute_id}"
    return answer


@router.get(
    "/{dispute_id}",
    response_model=DisputeView | SellerDisputeView,
    summary="A dispute's whole state and history",
    responses={404: {"description": "no such dispute"}, **_ERRORS},
)
async def get_dispute(
    key: Annotated[ApiKey, Depends(allow(KeyRole.INTAKE, KeyRole.AGENT, KeyRole.OPERATOR, KeyRole.SELLER))],
    dispute_id: DisputeId,  # after the key's role: see ``api.routes.actions.Act``
    client: ClientDep,
    pool: PoolDep,
) -> DisputeView | SellerDisputeView:
    """Live from the dispute's workflow; from the read model when no worker answers (`stale`: true).

    Intake clients, agents and operators read the whole state with the customer's contact details;
    agents and operators also what became of each notification (`notifications`). Sellers read their own
    disputes only, as `SellerDisputeView`: the complaint and their part in it, nothing of the customer's.
    """
    if key.role == KeyRole.SELLER and await dispute_reads.seller_of(client, dispute_id) != key.seller_id:
        raise errors.not_sellers(dispute_id, key.seller_id)
    view = await views.load(client, pool, dispute_id, reader=key)
    if view is None:
        raise await _missing(client, dispute_id)
    return view


async def _missing(client: Client, dispute_id: str) -> Exception:
    """404, unless the dispute exists but neither its worker nor the read model can tell of it yet."""
    if await dispute_reads.describe(client, dispute_id) is None:
        return errors.not_found(dispute_id)
    return errors.unavailable(f"Dispute {dispute_id} exists, but no worker is answering for it yet.")


@router.get(
    "",
    response_model=DisputePage,
    summary="List disputes (from the read model)",
    responses=_ERRORS,
)
async def list_disputes(
    key: Annotated[ApiKey, Depends(allow(KeyRole.AGENT, KeyRole.OPERATOR))],
    pool: PoolDep,
    status: Status | None = None,
    tier: Annotated[int | None, Query(ge=1, le=3)] = None,
    seller_id: Annotated[str | None, Query(max_length=128)] = None,
    channel: Channel | None = None,
    breached: bool | None = None,
    opened_from: Annotated[
        QueryDay | None, Query(description="registered on or after this day (UTC), YYYY-MM-DD")
    ] = None,
    opened_to: Annotated[
        QueryDay | None, Query(description="registered before this day (UTC), YYYY-MM-DD")
    ] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> DisputePage:
    """Newest first, as the read model has them (it follows each workflow within moments)."""
    try:
        after = read_model.Cursor.decode(cursor) if cursor else None
    except ValueError as error:
        raise errors.invalid(("query", "cursor"), str(error)) from None
    filters = read_model.Filters(
        status=status,
        tier=tier,
        seller_id=seller_id,
        channel=channel,
        breached=breached,
        opened_from=start_of(opened_from) if opened_from else None,
        opened_to=start_of(opened_to) if opened_to else None,
    )
    items, following = await read_model.page(pool, filters, after, limit)
    return DisputePage(items=items, next_cursor=following.encode() if following else None)
