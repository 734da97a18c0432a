"""What a seller reads of its own dispute: the complaint and its own part in it, nothing of the customer's.

A seller answers a complaint, so it reads what the customer complains of (category, description, order)
and how the dispute stands (status, tier, clocks, its own efforts, strikes, the outcome), with its own
responses. Of free text it reads only the complaint's description and what it wrote itself: not the
customer's contact details nor words to the resolution team (answers, the questions asked, a
withdrawal's reason), not what agents wrote to the customer or for each other (findings, the
resolution's summary, the reasons of an escalation or a flag), and no agent's or operator's id.

The view is written out field by field, and each history entry's data kept by a list per event kind:
what the workflow adds to its state or to an event later reaches sellers only once it is written here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from workflows.events import EventKind
from workflows.models import (
    Actor,
    Channel,
    Deadline,
    DisputeState,
    HistoryEntry,
    Outcome,
    Role,
    SellerEfforts,
    Status,
)

# The data of each event a seller reads: codes, dates, numbers and its own words. A kind not listed
# shows none (tests/api/test_seller_view.py fails until a new kind is listed here).
EVENT_DATA: dict[EventKind, frozenset[str]] = {
    EventKind.OPENED: frozenset({"channel", "category"}),
    EventKind.SELLER_REACHED: frozenset({"channels"}),  # which of its channels took the notice
    EventKind.SELLER_REMINDED: frozenset({"respond_by"}),
    EventKind.SELLER_RESPONDED: frozenset({"message"}),  # the seller's own
    EventKind.SELLER_EFFORTS_FAILED: frozenset(),
    EventKind.SELLER_UNREACHABLE: frozenset(),
    EventKind.SELLER_CONTACT_ATTEMPTED: frozenset({"channel", "outcome"}),  # the agent's note is internal
    EventKind.SELLER_FLAGGED: frozenset(),  # the agent's reason is an internal note
    EventKind.SELLER_ACCOUNT_CHANGED: frozenset({"from", "to", "strikes_in_window"}),
    EventKind.SELLER_CONTACT_RELEASED: frozenset(),
    EventKind.ESCALATED: frozenset({"from_tier", "to_tier", "automatic"}),
    EventKind.INFORMATION_REQUESTED: frozenset(),  # the questions put to the customer
    EventKind.INFORMATION_PROVIDED: frozenset(),  # the customer's answer
    EventKind.FINDINGS_SUBMITTED: frozenset({"on_time"}),
    EventKind.FINDINGS_MISSED: frozenset(),
    EventKind.SLA_BREACH_WARNING: frozenset({"breach_at"}),
    EventKind.SLA_BREACHED: frozenset(),
    EventKind.SLA_BREACH_REMINDER: frozenset({"reminder", "missed"}),
    EventKind.RESOLVED: frozenset({"outcome", "tier"}),
    EventKind.WITHDRAWN: frozenset(),  # the customer's reason
}

# Whose ids a seller reads: its own and the clocks'. Agents, operators and intake clients are named by
# their role (and an agent by its tier) only.
_NAMED_ROLES = frozenset({Role.SELLER, Role.SYSTEM})


class SellerActor(BaseModel):
    role: Role
    tier: int | None = None
    id: str | None = Field(default=None, description="the seller's own or the system's; no one else's")


class SellerHistoryEntry(BaseModel):
    seq: int
    at: datetime
    kind: EventKind
    actor: SellerActor
    data: dict[str, Any] = Field(default_factory=dict)


class SellerResolution(BaseModel):
    outcome: Outcome
    at: datetime


class SellerDisputeView(BaseModel):
    """One of the seller's disputes as the seller reads it (see ``api.seller_view``)."""

    dispute_id: str
    reference: str | None = Field(default=None, description="the short reference the customer quotes")
    revision: int
    status: Status
    tier: int
    seller_id: str
    order_id: str
    channel: Channel
    category: str
    description: str | None = Field(description="the customer's complaint, in their words")
    first_contact_at: datetime
    registered_at: datetime
    seller_efforts: SellerEfforts
    seller_flagged: bool
    seller_contact_released: bool
    sla_breached: bool
    findings_at: datetime | None
    outcome: Outcome | None
    closed_at: datetime | None
    resolution: SellerResolution | None
    deadlines: list[Deadline]
    history: list[SellerHistoryEntry]
    source: Literal["workflow", "read_model"]
    stale: bool
    as_of: datetime


def actor(who: Actor) -> SellerActor:
    return SellerActor(role=who.role, tier=who.tier, id=who.id if who.role in _NAMED_ROLES else None)


def entry(event: HistoryEntry) -> SellerHistoryEntry:
    kept = EVENT_DATA.get(event.kind, frozenset())
    return SellerHistoryEntry(
        seq=event.seq,
        at=event.at,
        kind=event.kind,
        actor=actor(event.actor),
        data={name: value for name, value in event.data.items() if name in kept},
    )


def seller_view(
    state: DisputeState,
    *,
    source: Literal["workflow", "read_model"],
    stale: bool,
    as_of: datetime,
) -> SellerDisputeView:
    """The seller's view of ``state``: each field chosen here, the history redacted entry by entry."""
    s = state
    resolution = SellerResolution(outcome=s.resolution.outcome, at=s.resolution.at) if s.resolution else None
    return SellerDisputeView(
        dispute_id=s.dispute_id,
        reference=s.reference,
        revision=s.revision,
        status=s.status,
        tier=s.tier,
        seller_id=s.seller_id,
        order_id=s.order_id,
        channel=s.channel,
        category=s.category,
        description=s.description,
        first_contact_at=s.first_contact_at,
        registered_at=s.registered_at,
        seller_efforts=s.seller_efforts,
        seller_flagged=s.seller_flagged,
        seller_contact_released=s.seller_contact_released,
        sla_breached=s.sla_breached,
        findings_at=s.findings_at,
        outcome=s.outcome,
        closed_at=s.closed_at,
        resolution=resolution,
        deadlines=s.deadlines,
        history=[entry(event) for event in s.history],
        source=source,
        stale=stale,
        as_of=as_of,
    )
