"""The state machine as a table: who may take which action in which state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflows.deadlines import compute_deadlines
from workflows.models import Actor, Channel, DisputeState, Role, SellerEfforts, SlaPolicy, Status
from workflows.rules import Action, refusal

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def dispute(**changes: object) -> DisputeState:
    state = DisputeState(
        dispute_id="d1",
        seller_id="S1",
        channel=Channel.CHAT,
        category="damaged",
        customer_id="c1",
        order_id="o1",
        first_contact_at=NOW,
        registered_at=NOW,
        deadlines=compute_deadlines(SlaPolicy(), NOW),
    )
    return state.model_copy(update=changes)


def agent(tier: int) -> Actor:
    return Actor(role=Role.AGENT, id=f"a{tier}", tier=tier)


CUSTOMER = Actor(role=Role.CUSTOMER, id="c1")
INTAKE = Actor(role=Role.INTAKE, id="chat")
OPERATOR = Actor(role=Role.OPERATOR, id="op")
SELLER = Actor(role=Role.SELLER, id="u", seller_id="S1")
OTHER_SELLER = Actor(role=Role.SELLER, id="v", seller_id="S2")

CASES = [
    # action, actor, state changes, allowed
    (Action.RESOLVE, agent(1), {}, True),
    (Action.RESOLVE, agent(1), {"tier": 2}, False),
    (Action.RESOLVE, agent(3), {"tier": 2}, True),
    (Action.RESOLVE, OPERATOR, {"tier": 3}, True),
    (Action.RESOLVE, CUSTOMER, {}, False),
    (Action.RESOLVE, agent(1), {"status": Status.AWAITING_CUSTOMER}, True),
    (Action.RESOLVE, agent(1), {"status": Status.RESOLVED}, False),
    (Action.ESCALATE, agent(1), {}, True),
    (Action.ESCALATE, agent(3), {"tier": 3}, False),
    (Action.ESCALATE, agent(1), {"status": Status.AWAITING_CUSTOMER}, False),
    (Action.REQUEST_INFORMATION, agent(1), {}, False),
    (Action.REQUEST_INFORMATION, agent(2), {}, True),
    (Action.REQUEST_INFORMATION, agent(2), {"tier": 3}, False),
    (Action.PROVIDE_INFORMATION, CUSTOMER, {"status": Status.AWAITING_CUSTOMER}, True),
    (Action.PROVIDE_INFORMATION, INTAKE, {"status": Status.AWAITING_CUSTOMER}, True),
    (Action.PROVIDE_INFORMATION, CUSTOMER, {}, False),
    (Action.PROVIDE_INFORMATION, OPERATOR, {"status": Status.AWAITING_CUSTOMER}, False),
    (Action.SUBMIT_FINDINGS, agent(2), {"status": Status.AWAITING_CUSTOMER}, True),
    (Action.SUBMIT_FINDINGS, agent(1), {}, False),
    (Action.SELLER_RESPONSE, SELLER, {}, True),
    (Action.SELLER_RESPONSE, SELLER, {"seller_efforts": SellerEfforts.FAILED}, True),
    (Action.SELLER_RESPONSE, SELLER, {"seller_efforts": SellerEfforts.RESPONDED}, False),
    (Action.SELLER_RESPONSE, OTHER_SELLER, {}, False),
    (Action.SELLER_RESPONSE, OPERATOR, {}, False),
    (Action.FLAG_SELLER, agent(1), {}, True),
    (Action.FLAG_SELLER, agent(1), {"seller_flagged": True}, False),
    (Action.REQUEST_SELLER_CONTACT, CUSTOMER, {}, False),
    (Action.REQUEST_SELLER_CONTACT, CUSTOMER, {"seller_efforts": SellerEfforts.FAILED}, True),
    (
        Action.REQUEST_SELLER_CONTACT,
        CUSTOMER,
        {"seller_efforts": SellerEfforts.FAILED, "seller_contact_released": True},
        False,
    ),
    (Action.WITHDRAW, CUSTOMER, {"status": Status.AWAITING_CUSTOMER}, True),
    (Action.WITHDRAW, agent(3), {}, False),
    (Action.WITHDRAW, CUSTOMER, {"status": Status.WITHDRAWN}, False),
]


@pytest.mark.parametrize(("action", "actor", "changes", "allowed"), CASES)
def test_who_may_do_what(action: Action, actor: Actor, changes: dict[str, object], allowed: bool) -> None:
    reason = refusal(action, actor, dispute(**changes))
    assert (reason is None) == allowed, reason
    if reason is not None:
        assert reason.endswith(".") and len(reason) > 20  # a sentence a person can act on
