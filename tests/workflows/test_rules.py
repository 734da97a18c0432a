"""The state machine as a table: who may take which action in which state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflows.deadlines import compute_deadlines
from workflows.models import Actor, Channel, DisputeState, Role, SellerEfforts, Status
from workflows.rules import RULES, Action, Party, refusal
from workflows.sla_policy import SlaPolicy

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
    (Action.REQUEST_INFORMATION, agent(2), {"tier": 3}, True),  # the resolution team, at any tier
    (Action.SUBMIT_FINDINGS, agent(2), {"tier": 3}, True),  # late findings after 48 h
    (Action.ESCALATE, agent(1), {"tier": 2}, True),
    (Action.FLAG_SELLER, agent(1), {"tier": 3}, True),
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


def _wrong_party(party: Party) -> Actor:
    return {Party.CUSTOMER: agent(3), Party.SELLER: OPERATOR, Party.AGENT: CUSTOMER}[party]


def _right_party(party: Party) -> Actor:
    return {Party.CUSTOMER: CUSTOMER, Party.SELLER: SELLER, Party.AGENT: OPERATOR}[party]


def _refusal_causes() -> list[tuple[str, Action, Actor, dict[str, object], str]]:
    """Every action times every cause of refusal that applies to it, and what its reason must say."""
    causes: list[tuple[str, Action, Actor, dict[str, object], str]] = []
    for action, rule in RULES.items():
        right = _right_party(rule.party)
        # The status each action is allowed in, so that only the cause under test refuses it.
        allowed: dict[str, object] = {"status": next(iter(sorted(rule.statuses)))}
        causes.append(("closed", action, right, {"status": Status.RESOLVED}, "can no longer change"))
        causes.append(("party", action, _wrong_party(rule.party), allowed, f"may {rule.does}; you act as"))
        if rule.at_dispute_tier or (rule.min_agent_tier or 1) > 1:
            low = {**allowed, "tier": 2}
            causes.append(("tier", action, agent(1), low, f"or an operator, may {rule.does}"))
        for status in (Status.OPEN, Status.AWAITING_CUSTOMER):
            if status not in rule.statuses:
                causes.append(("status", action, right, {"status": status}, f"may {rule.does} once"))
    causes += [
        ("last tier", Action.ESCALATE, agent(3), {"tier": 3}, "resolve it instead"),
        ("responded", Action.SELLER_RESPONSE, SELLER, {"seller_efforts": SellerEfforts.RESPONDED}, "already"),
        ("flagged", Action.FLAG_SELLER, agent(1), {"seller_flagged": True}, "already been flagged"),
        ("released", Action.REQUEST_SELLER_CONTACT, CUSTOMER, {"seller_contact_released": True}, "already"),
        ("efforts", Action.REQUEST_SELLER_CONTACT, CUSTOMER, {}, "only once Jamla24's own efforts"),
        ("other seller", Action.SELLER_RESPONSE, OTHER_SELLER, {}, "Only the seller this dispute is about"),
    ]
    return causes


@pytest.mark.parametrize(
    ("cause", "action", "actor", "changes", "says"), _refusal_causes(), ids=lambda v: str(v)[:30]
)
def test_every_refusal_is_a_sentence_that_says_what_would_allow_it(
    cause: str, action: Action, actor: Actor, changes: dict[str, object], says: str
) -> None:
    reason = refusal(action, actor, dispute(**changes))
    assert reason is not None, f"{action} should be refused ({cause})"
    assert says in reason, reason
    assert reason[0].isupper() and reason.endswith(".") and "  " not in reason, reason
    # Actions are named by what they do, a verb phrase that reads after "may", never by their code names.
    assert " this dispute you must" not in reason and "_" not in reason, reason


def test_only_resolving_needs_an_agent_of_the_disputes_tier() -> None:
    """The lifecycle: resolve needs the dispute's tier; findings and questions the resolution team; the
    rest any agent. Disputes that ran under the older rule keep it as they replay."""
    at_tier_3 = dispute(tier=3)
    assert refusal(Action.RESOLVE, agent(2), at_tier_3) is not None
    for action in (Action.SUBMIT_FINDINGS, Action.REQUEST_INFORMATION):
        assert refusal(action, agent(2), at_tier_3) is None
        assert refusal(action, agent(1), at_tier_3) is not None
        assert refusal(action, agent(2), at_tier_3, lifecycle_tiers=False) is not None
    for action in (Action.ESCALATE, Action.FLAG_SELLER):
        assert refusal(action, agent(1), dispute(tier=2)) is None
