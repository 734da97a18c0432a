"""Customers' personal data: erasure on request, and who read a customer's contact (operators only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api import contact_reads, erasures
from api.auth import ApiKey, KeyRole
from api.contact_reads import ContactReadPage
from api.deps import PoolDep, allow
from api.erasures import ErasureRecord
from api.errors import invalid

router = APIRouter(tags=["customer data"])

Operator = Annotated[ApiKey, Depends(allow(KeyRole.OPERATOR))]
_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "no API key, or not a valid one"},
    403: {"description": "only operators may do this"},
}
_ID = {"min_length": 1, "max_length": 128, "pattern": r"^[A-Za-z0-9_.-]+$"}


@router.post(
    "/customers/{customer_id}/erasure",
    response_model=ErasureRecord,
    summary="Erase a customer's personal data (their closed disputes)",
    responses=_ERRORS,
)
async def erase_customer(
    customer_id: Annotated[str, Path(**_ID)], key: Operator, pool: PoolDep
) -> ErasureRecord:
    """On the customer's request: their closed disputes lose the customer's name, e-mail, phone and every
    free text (replaced by `[erased]`); their facts stay, so reports keep their figures. Disputes still open
    are not erased (`disputes_open` counts them): close them, then ask again. Recorded with who asked and
    when; asking again erases only what is left (zeros when nothing is)."""
    return await erasures.erase_customer(pool, key, customer_id)


@router.get(
    "/erasures",
    response_model=list[ErasureRecord],
    summary="The erasures made on customers' requests, newest first",
    responses=_ERRORS,
)
async def list_erasures(
    key: Operator,
    pool: PoolDep,
    customer_id: Annotated[str | None, Query(**_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[ErasureRecord]:
    return await erasures.recorded(pool, customer_id, limit)


@router.get(
    "/contact-reads",
    response_model=ContactReadPage,
    summary="Who read a customer's contact details, newest first",
    responses=_ERRORS,
)
async def list_contact_reads(
    key: Operator,
    pool: PoolDep,
    dispute_id: Annotated[str | None, Query(**_ID)] = None,
    customer_id: Annotated[str | None, Query(**_ID)] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ContactReadPage:
    """Each time `GET /disputes/{id}` (or an action's answer) gave a key the customer's contact: the
    key, its actor and role, the dispute, when. Filter by `dispute_id` (its id) or `customer_id`."""
    try:
        before = contact_reads.parse_cursor(cursor) if cursor else None
    except ValueError as error:
        raise invalid(("query", "cursor"), str(error)) from None
    return await contact_reads.page(
        pool, dispute_id=dispute_id, customer_id=customer_id, before=before, limit=limit
    )
