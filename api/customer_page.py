"""What the customer's page shows of a dispute, in the customer's language: a pure function of its state.

Where it stands (reference, status, the team that has it), what happens next and by when (the next
pending clock the customer cares about, in Casablanca time), the findings and the decision once there are
some, and the actions the policy gives the customer now: each offered only when ``workflows.rules``
would accept it from the customer, so the page never offers what the workflow would refuse. Nothing of
anyone's contact details: the state read for the page has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from activities.templating import RIGHT_TO_LEFT, format_local, labels
from api.customer_texts import TEXTS
from workflows.events import EventKind
from workflows.models import (
    TIER_TEAMS,
    Actor,
    DeadlineKind,
    DeadlineState,
    DisputeState,
    Language,
    Outcome,
    Role,
    Status,
)
from workflows.rules import Action, refusal

# The actions the customer takes on the page, and what the page says once one has taken effect.
CUSTOMER_ACTIONS = (Action.PROVIDE_INFORMATION, Action.REQUEST_SELLER_CONTACT, Action.WITHDRAW)
DONE = {
    Action.PROVIDE_INFORMATION: "answered",
    Action.REQUEST_SELLER_CONTACT: "contact",
    Action.WITHDRAW: "withdrawn",
}
# The clocks a customer is told about, each a sentence of ``next_<kind>``; the seller's reminder and the
# operators' early warning are not the customer's business.
CUSTOMER_CLOCKS = (
    DeadlineKind.SELLER_FAILURE,
    DeadlineKind.RESOLUTION_TEAM,
    DeadlineKind.FINDINGS,
    DeadlineKind.CUSTOMER_EXPERIENCE,
    DeadlineKind.RESOLUTION,
)

Contact = Literal["available", "later", "released"]


def customer(state: DisputeState) -> Actor:
    """Who acts through the page: the dispute's customer."""
    return Actor(role=Role.CUSTOMER, id=state.customer_id)


@dataclass(frozen=True)
class Page:
    """Everything the template shows, already in the reader's language."""

    language: Language
    t: Mapping[str, str]
    reference: str
    status: Status
    status_label: str
    team: str
    category: str
    order_id: str
    opened: str
    next_steps: list[str]
    breached: bool
    closed_note: str | None
    questions: list[str]  # offered with the answer form only while the customer may answer
    findings: str | None
    outcome: str | None
    summary: str | None
    contact: Contact | None
    contact_note: str | None
    can_answer: bool
    can_withdraw: bool
    stale_note: str | None = None
    languages: list[tuple[Language, str]] = field(default_factory=list)

    @property
    def dir(self) -> str:
        return "rtl" if self.language in RIGHT_TO_LEFT else "ltr"

    @property
    def can_request_contact(self) -> bool:
        return self.contact == "available"


def page(state: DisputeState, language: Language, *, stale_as_of: datetime | None = None) -> Page:
    t = TEXTS[language]
    named = labels(language)
    allowed = {action: refusal(action, customer(state), state) is None for action in CUSTOMER_ACTIONS}
    contact, contact_note = _contact(state, allowed[Action.REQUEST_SELLER_CONTACT], language)
    outcome = None
    if state.resolution is not None:
        outcome = (
            t["resolution_rejected"]
            if state.resolution.outcome == Outcome.REJECTED
            else t["resolution_outcome"].format(outcome=named["outcomes"][state.resolution.outcome.value])
        )
    return Page(
        language=language,
        t=t,
        reference=state.reference or state.dispute_id,
        status=state.status,
        status_label=t[f"status_{state.status.value}"],
        team=named["teams"][TIER_TEAMS[state.tier]],
        category=named["categories"].get(state.category, state.category),
        order_id=state.order_id,
        opened=format_local(state.first_contact_at, language),
        next_steps=_next_steps(state, language),
        breached=state.sla_breached and not state.closed,
        closed_note=_closed_note(state, language),
        questions=_questions(state) if allowed[Action.PROVIDE_INFORMATION] else [],
        findings=state.findings,
        outcome=outcome,
        summary=state.resolution.summary if state.resolution is not None else None,
        contact=contact,
        contact_note=contact_note,
        can_answer=allowed[Action.PROVIDE_INFORMATION],
        can_withdraw=allowed[Action.WITHDRAW],
        stale_note=t["stale"].format(date=format_local(stale_as_of, language)) if stale_as_of else None,
        languages=[(other, TEXTS[other]["language_name"]) for other in Language],
    )


def refused(action: Action, state: DisputeState, language: Language) -> str:
    """Why the dispute refused the customer's ``action``, as the page says it: the workflow's own reason
    is a sentence for agents, in English; the cases a customer meets are told in their language."""
    t = TEXTS[language]
    if state.closed:
        return t["refused_closed"]
    if action == Action.PROVIDE_INFORMATION and state.status != Status.AWAITING_CUSTOMER:
        return t["refused_not_asked"]
    if action == Action.REQUEST_SELLER_CONTACT:
        if state.seller_contact_released:
            return t["refused_contact_released"]
        due = state.deadline(DeadlineKind.SELLER_FAILURE).due_at
        return t["refused_contact_not_yet"].format(date=format_local(due, language))
    return t["refused_other"]


def _next_steps(state: DisputeState, language: Language) -> list[str]:
    """What the customer is waiting for: the next pending clock (and the 5-day commitment if it is not
    that one); while the team awaits their answers, that first."""
    if state.closed:
        return []
    t = TEXTS[language]
    steps = []
    if state.status == Status.AWAITING_CUSTOMER:
        steps.append(t["next_awaiting"])
        if any(d.state == DeadlineState.PAUSED for d in state.deadlines):
            steps.append(t["next_paused"])
    pending = sorted(
        (d for d in state.deadlines if d.kind in CUSTOMER_CLOCKS and d.state == DeadlineState.PENDING),
        key=lambda d: (d.due_at, CUSTOMER_CLOCKS.index(d.kind)),
    )
    for deadline in pending[:1] + [d for d in pending[1:] if d.kind == DeadlineKind.RESOLUTION]:
        steps.append(t[f"next_{deadline.kind.value}"].format(date=format_local(deadline.due_at, language)))
    if not steps:
        steps.append(t["next_ongoing"])
    return steps


def _closed_note(state: DisputeState, language: Language) -> str | None:
    if not state.closed or state.closed_at is None:
        return None
    closed = format_local(state.closed_at, language)
    return TEXTS[language][f"closed_{state.status.value}"].format(date=closed)


def _contact(state: DisputeState, allowed: bool, language: Language) -> tuple[Contact | None, str | None]:
    t = TEXTS[language]
    if state.seller_contact_released:
        return "released", t["contact_released"]
    if allowed:
        return "available", t["contact_available"]
    due = state.deadline(DeadlineKind.SELLER_FAILURE)
    if not state.closed and due.state == DeadlineState.PENDING:
        return "later", t["contact_later"].format(date=format_local(due.due_at, language))
    return None, None


def _questions(state: DisputeState) -> list[str]:
    """The questions of the team's latest request (all of them asked so far, if the history is not there)."""
    for entry in reversed(state.history):
        if entry.kind == EventKind.INFORMATION_REQUESTED:
            return [str(question) for question in entry.data.get("questions", [])]
    return list(state.information_requests)
