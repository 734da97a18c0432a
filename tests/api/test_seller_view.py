"""What a seller reads of its dispute: the complaint and its own part, nothing of the customer's words or
contact, no agent's id; built from a state holding every kind of event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.seller_view import EVENT_DATA, SellerDisputeView, seller_view
from workflows.deadlines import compute_deadlines
from workflows.events import EventKind
from workflows.models import (
    SYSTEM,
    Actor,
    Channel,
    DisputeState,
    HistoryEntry,
    Outcome,
    Resolution,
    Role,
    Status,
)
from workflows.sla_policy import SlaPolicy

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "Zq7"  # in every text and id a seller must not read
AGENT = Actor(role=Role.AGENT, id=f"agent-{SECRET}", tier=2)
OPERATOR = Actor(role=Role.OPERATOR, id=f"ops-{SECRET}")
INTAKE = Actor(role=Role.INTAKE, id=f"chat-{SECRET}")
SELLER = Actor(role=Role.SELLER, id="seller-user-1", seller_id="S-1001")
DESCRIPTION = "Paid on the 3rd, still not delivered."
RESPONSE = "Shipped again today, tracking JX-55102."

# (kind, actor, data) of one event of each kind, as the workflow records them.
EVENTS: list[tuple[EventKind, Actor, dict[str, Any]]] = [
    (EventKind.OPENED, INTAKE, {"channel": "chat", "category": "not_delivered"}),
    (EventKind.SELLER_REACHED, SYSTEM, {"channels": ["email"]}),
    (EventKind.SELLER_REMINDED, SYSTEM, {"respond_by": T0.isoformat()}),
    (EventKind.SELLER_UNREACHABLE, SYSTEM, {}),
    (EventKind.SELLER_CONTACT_ATTEMPTED, AGENT, {"channel": "phone", "outcome": "reached", "note": SECRET}),
    (
        EventKind.ESCALATED,
        AGENT,
        {"from_tier": 1, "to_tier": 2, "reason": f"{SECRET} asks", "automatic": False},
    ),
    (EventKind.INFORMATION_REQUESTED, AGENT, {"questions": [f"{SECRET}: a photo?"]}),
    (EventKind.INFORMATION_PROVIDED, INTAKE, {"answer": f"{SECRET}, call me on 0661406136"}),
    (EventKind.SELLER_RESPONDED, SELLER, {"message": RESPONSE}),
    (EventKind.SELLER_FLAGGED, OPERATOR, {"reason": f"{SECRET} says the seller refused"}),
    (EventKind.SELLER_ACCOUNT_CHANGED, SYSTEM, {"from": "active", "to": "warned", "strikes_in_window": 1}),
    (EventKind.SELLER_EFFORTS_FAILED, SYSTEM, {}),
    (EventKind.SELLER_CONTACT_RELEASED, INTAKE, {}),
    (EventKind.FINDINGS_SUBMITTED, AGENT, {"findings": f"{SECRET} was right", "on_time": True}),
    (EventKind.FINDINGS_MISSED, SYSTEM, {}),
    (EventKind.SLA_BREACH_WARNING, SYSTEM, {"breach_at": T0.isoformat()}),
    (EventKind.SLA_BREACHED, SYSTEM, {}),
    (EventKind.SLA_BREACH_REMINDER, SYSTEM, {"reminder": 2, "missed": 1}),
    (EventKind.RESOLVED, AGENT, {"outcome": "refund", "summary": f"{SECRET}: refunded", "tier": 2}),
    (EventKind.WITHDRAWN, INTAKE, {"reason": f"{SECRET} changed their mind"}),
]


def state() -> DisputeState:
    history = [
        HistoryEntry(
            seq=seq,
            at=T0 + timedelta(hours=seq),
            kind=kind,
            actor=actor,
            data=data,
            notified=[f"customer:{SECRET}"],
        )
        for seq, (kind, actor, data) in enumerate(EVENTS, start=1)
    ]
    return DisputeState(
        dispute_id="d-1",
        revision=len(history),
        status=Status.RESOLVED,
        tier=2,
        seller_id="S-1001",
        channel=Channel.CHAT,
        category="not_delivered",
        description=DESCRIPTION,
        customer_id=f"C-{SECRET}",
        order_id="O-778812",
        external_ref=f"chat-{SECRET}",
        first_contact_at=T0,
        registered_at=T0,
        deadlines=compute_deadlines(SlaPolicy(), T0, T0),
        findings=f"{SECRET} was right",
        information_requests=[f"{SECRET}: a photo?"],
        seller_flagged=True,
        outcome=Outcome.REFUND,
        closed_at=T0 + timedelta(days=1),
        resolution=Resolution(outcome=Outcome.REFUND, summary=f"{SECRET}: refunded", by=AGENT, at=T0),
        history=history,
    )


def view() -> SellerDisputeView:
    return seller_view(state(), source="workflow", stale=False, as_of=T0)


def test_every_event_kind_says_what_a_seller_reads_of_it() -> None:
    """A new kind of event must be decided on: its data stays hidden from sellers until it is listed."""
    assert set(EVENT_DATA) == set(EventKind)
    assert {kind for kind, _, _ in EVENTS} == set(EventKind)


def test_the_seller_reads_the_complaint_and_how_the_dispute_stands() -> None:
    seen = view()
    assert (seen.category, seen.description, seen.order_id, seen.channel) == (
        "not_delivered",
        DESCRIPTION,
        "O-778812",
        Channel.CHAT,
    )
    assert (seen.status, seen.tier, seen.outcome, seen.seller_flagged) == ("resolved", 2, "refund", True)
    assert seen.resolution is not None and seen.resolution.outcome == Outcome.REFUND
    assert [e.kind for e in seen.history] == [kind for kind, _, _ in EVENTS]
    data = {e.kind: e.data for e in seen.history}
    assert data[EventKind.SELLER_RESPONDED] == {"message": RESPONSE}  # its own words
    assert data[EventKind.ESCALATED] == {"from_tier": 1, "to_tier": 2, "automatic": False}
    changed = {"from": "active", "to": "warned", "strikes_in_window": 1}
    assert data[EventKind.SELLER_ACCOUNT_CHANGED] == changed
    assert data[EventKind.RESOLVED] == {"outcome": "refund", "tier": 2}


def test_the_seller_reads_nothing_of_the_customer_nor_of_agents() -> None:
    seen = view()
    answer = seen.model_dump_json()
    assert SECRET not in answer
    hidden = {"customer", "customer_id", "information_requests", "findings", "external_ref", "workflow_id"}
    assert not hidden & set(SellerDisputeView.model_fields)
    data = {e.kind: e.data for e in seen.history}
    assert data[EventKind.INFORMATION_PROVIDED] == {} and data[EventKind.INFORMATION_REQUESTED] == {}
    # Agents, operators and intake clients by their role (and tier) only; the seller and the clocks named.
    actors = {e.kind: e.actor for e in seen.history}
    assert (actors[EventKind.ESCALATED].role, actors[EventKind.ESCALATED].tier) == (Role.AGENT, 2)
    assert actors[EventKind.ESCALATED].id is None and actors[EventKind.SELLER_FLAGGED].id is None
    assert actors[EventKind.OPENED].id is None
    assert actors[EventKind.SELLER_RESPONDED].id == "seller-user-1"
    assert actors[EventKind.SELLER_REMINDED].id == SYSTEM.id


def test_a_state_recorded_before_the_description_was_kept_reads_without_it() -> None:
    older = state().model_copy(update={"description": None})
    assert seller_view(older, source="read_model", stale=True, as_of=T0).description is None
