"""A dispute as the API shows it: a closed one from the read model; an open one live from its workflow,
or from the read model when no worker answers. Who reads decides what: sellers their own view
(``api.seller_view``), the others the whole state with the customer's contact details, and agents and
operators what became of each notification too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg
from temporalio.client import Client

from api import contact_reads, dispute_reads, read_model, seller_accounts
from api.auth import ApiKey, KeyRole
from api.schemas import CustomerContact, DisputeView, NotificationView
from api.seller_view import SellerDisputeView, seller_view
from workflows.dispute_start import workflow_id
from workflows.models import CLOSED, DisputeState, SellerAccountStatus

_PUBLIC = set(DisputeView.model_fields)
# Who reads the notifications' outcomes: the people who act on a message that did not go out.
_SEE_NOTIFICATIONS = frozenset({KeyRole.AGENT, KeyRole.OPERATOR})

Source = Literal["workflow", "read_model"]


def render(
    state: DisputeState,
    *,
    contact: CustomerContact | None,
    source: Source = "workflow",
    stale: bool = False,
    as_of: datetime | None = None,
    notifications: list[NotificationView] | None = None,
    seller_status_at_intake: SellerAccountStatus | None = None,
) -> DisputeView:
    return DisputeView.model_validate(
        state.model_dump(include=_PUBLIC)
        | {
            "workflow_id": workflow_id(state.dispute_id),
            "customer": contact,
            "notifications": notifications,
            "seller_status_at_intake": seller_status_at_intake,
            "source": source,
            "stale": stale,
            "as_of": as_of or datetime.now(UTC),
        }
    )


@dataclass
class Found:
    """A dispute's state as read, where from, and as of when."""

    state: DisputeState
    contact: CustomerContact | None
    source: Source
    stale: bool
    as_of: datetime


async def load(
    client: Client,
    pool: asyncpg.Pool,
    dispute_id: str,
    *,
    reader: ApiKey,
    wait: timedelta = dispute_reads.QUERY_TIMEOUT,
) -> DisputeView | SellerDisputeView | None:
    """The dispute as ``reader`` may read it; None if neither its workflow nor the read model knows it.

    A read that returns the customer's contact is recorded first (``api.contact_reads``)."""
    is_seller = reader.role == KeyRole.SELLER
    found = await _find(client, pool, dispute_id, with_contact=not is_seller, wait=wait)
    if found is None:
        return None
    if is_seller:
        return seller_view(found.state, source=found.source, stale=found.stale, as_of=found.as_of)
    sees = reader.role in _SEE_NOTIFICATIONS
    notifications = await read_model.notifications(pool, dispute_id) if sees else None
    if found.contact is not None:
        await contact_reads.record(pool, reader, dispute_id, found.state.customer_id)
    return render(
        found.state,
        contact=found.contact,
        source=found.source,
        stale=found.stale,
        as_of=found.as_of,
        notifications=notifications,
        seller_status_at_intake=await seller_accounts.status_at_intake(pool, dispute_id),
    )


async def state_only(
    client: Client, pool: asyncpg.Pool, dispute_id: str, *, wait: timedelta = dispute_reads.QUERY_TIMEOUT
) -> Found | None:
    """The dispute's state without anyone's contact details, read as ``load`` reads it (for the customer's
    own page, which shows none and so need not fetch them)."""
    return await _find(client, pool, dispute_id, with_contact=False, wait=wait)


async def _find(
    client: Client, pool: asyncpg.Pool, dispute_id: str, *, with_contact: bool, wait: timedelta
) -> Found | None:
    """A closed dispute whose workflow has ended comes from the read model, whole: the workflow ends only
    once every event is persisted, so no worker need replay it. Otherwise live if its workflow answers,
    else the read model's last revision, marked stale.
    """
    snapshot = None
    head = await read_model.head(pool, dispute_id)
    if head.status in CLOSED:
        snapshot = await read_model.snapshot(pool, dispute_id)
        if snapshot is not None and snapshot.complete and await dispute_reads.ended(client, dispute_id):
            contact = snapshot.contact if with_contact else None
            return Found(snapshot.state, contact, "read_model", False, snapshot.as_of)
    live = await dispute_reads.live_state(client, dispute_id, wait)
    if live is not None:
        # The row's (its one place, erasable); the workflow's input only until its first event is recorded.
        contact = (head.contact or await dispute_reads.contact(client, dispute_id)) if with_contact else None
        return Found(live, contact, "workflow", False, datetime.now(UTC))
    snapshot = snapshot or await read_model.snapshot(pool, dispute_id)
    if snapshot is None:
        return None
    contact = snapshot.contact if with_contact else None
    return Found(snapshot.state, contact, "read_model", True, snapshot.as_of)
