"""A dispute as the API shows it: a closed one from the read model; an open one live from its workflow,
or from the read model when no worker answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg
from temporalio.client import Client

from api import dispute_reads, read_model
from api.schemas import CustomerContact, DisputeView
from workflows.dispute_start import workflow_id
from workflows.models import CLOSED, DisputeState

_PUBLIC = set(DisputeView.model_fields)


def render(
    state: DisputeState,
    *,
    contact: CustomerContact | None,
    source: Literal["workflow", "read_model"] = "workflow",
    stale: bool = False,
    as_of: datetime | None = None,
) -> DisputeView:
    return DisputeView.model_validate(
        state.model_dump(include=_PUBLIC)
        | {
            "workflow_id": workflow_id(state.dispute_id),
            "customer": contact,
            "source": source,
            "stale": stale,
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
    """The dispute; None if neither its workflow nor the read model knows it.

    A closed dispute whose workflow has ended comes from the read model, whole: the workflow ends only
    once every event is persisted, so no worker need replay it. Otherwise live if its workflow answers,
    else the read model's last revision, marked stale.
    """
    snapshot = None
    if await read_model.status(pool, dispute_id) in CLOSED:
        snapshot = await read_model.snapshot(pool, dispute_id)
        if snapshot is not None and snapshot.complete and await dispute_reads.ended(client, dispute_id):
            contact = snapshot.contact if with_contact else None
            return render(snapshot.state, contact=contact, source="read_model", as_of=snapshot.as_of)
    live = await dispute_reads.live_state(client, dispute_id, wait)
    if live is not None:
        contact = await dispute_reads.contact(client, dispute_id) if with_contact else None
        return render(live, contact=contact)
    snapshot = snapshot or await read_model.snapshot(pool, dispute_id)
    if snapshot is None:
        return None
    return render(
        snapshot.state,
        contact=snapshot.contact if with_contact else None,
        source="read_model",
        stale=True,
        as_of=snapshot.as_of,
    )
