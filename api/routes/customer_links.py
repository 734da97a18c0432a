"""Operators revoke a customer's private link (a link forwarded by mistake, a customer's request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from api import customer_link_store, dispute_reads, errors
from api.auth import ApiKey, KeyRole
from api.deps import ClientDep, DisputeId, PoolDep, allow

router = APIRouter(prefix="/disputes/{dispute_id}", tags=["customer link"])


@router.delete(
    "/customer-link",
    status_code=204,
    summary="Revoke the customer's link",
    responses={
        401: {"description": "no API key, or not a valid one"},
        403: {"description": "only operators revoke links"},
        404: {"description": "no such dispute"},
    },
)
async def revoke_customer_link(
    key: Annotated[ApiKey, Depends(allow(KeyRole.OPERATOR))],
    dispute_id: DisputeId,  # after the key's role: see ``api.routes.actions.Act``
    client: ClientDep,
    pool: PoolDep,
) -> Response:
    """The dispute's page stops answering its link at once (the same 404 as for a link that never
    existed). Revoking again changes nothing; the dispute gets no new link, not even from a retried
    intake."""
    revoked = await customer_link_store.revoke(pool, dispute_id, key.actor_id)
    if not revoked and await dispute_reads.describe(client, dispute_id) is None:
        raise errors.not_found(dispute_id)
    return Response(status_code=204)
