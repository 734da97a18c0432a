"""A dispute as the API shows it: live from its workflow, or from the read model when no worker answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.client import Client

from api import dispute_reads, read_model
from api.schemas import CustomerContact, DisputeView
from workflows.dispute_start import workflow_id
from workflows.models import DisputeState


def render(
    state: DisputeState,
    *,
    contact: CustomerContact | None,
    source: str = "workflow",
    as_of: datetime | None = None,
) -> DisputeView:
    return DisputeView.model_validate(
        state.model_dump()
        | {
            "workflow_id": workflow_id(state.dispute_id),
            "customer": contact,
            "source": source,
            "stale": source != "workflow",
            "as_of": as_of or datetime.now(UTC),
        }
    )


async def load(
    client: Client,
    pool: asyncpg.Pool,
    dispute_id: str,
    *,
    with_contact: bool,
    wait: timedelta = dispute_reads.QUERY_TIMEOUT,
) -> DisputeView | None:
    """The dispute, live if its workflow answers, else from the read model; None if neither knows it."""
    live = await dispute_reads.live_state(client, dispute_id, wait)
    if live is not None:
        contact = await dispute_reads.contact(client, dispute_id) if with_contact else None
        return render(live, contact=contact)
    snapshot = await read_model.snapshot(pool, dispute_id)
    if snapshot is None:
        return None
    return render(
        snapshot.state,
        contact=snapshot.contact if with_contact else None,
        source="read_model",
        as_of=snapshot.as_of,
    )
