"""The state machine: which action each party may take, and when.

Each action's rule is one row of ``RULES`` (who takes it, in which statuses, its own condition), and
one function reads it to answer every "may this happen?" question, so the workflow's validators, its
signal handler and any future caller agree. A refusal is a sentence a person can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from temporalio.exceptions import ApplicationError

from workflows.models import (
    TIER_TEAMS,
    Actor,
    DeadlineKind,
    DisputeState,
    Role,
    SellerAccountStatus,
    SellerEfforts,
    Status,
)
from workflows.options import ACTION_REFUSED


class Action(StrEnum):
    """Every action on a dispute; each is an update of ``DisputeWorkflow`` of the same name."""

    RESOLVE = "resolve"
    ESCALATE = "escalate"
    REQUEST_INFORMATION = "request_information"
    PROVIDE_INFORMATION = "provide_information"
    SUBMIT_FINDINGS = "submit_findings"
    SELLER_RESPONSE = "seller_response"
    FLAG_SELLER = "flag_seller"
    REQUEST_SELLER_CONTACT = "request_seller_contact"
    WITHDRAW = "withdraw"
    RECORD_SELLER_CONTACT_ATTEMPT = "record_seller_contact_attempt"


class Party(StrEnum):
    """Who takes an action: the customer (through an intake client), the dispute's own seller, or agents
    (operators take every agent action, at any tier)."""

    CUSTOMER = "customer"
    SELLER = "seller"
    AGENT = "agent"


@dataclass(frozen=True)
class ActionRule:
    """When an action is allowed: who takes it, in which statuses, and what else the dispute must say.

    ``does`` names the action in a sentence ("may <does>"). ``condition`` is the action's own test of the
    dispute, checked last: its refusal, or None. An agent action needs an agent of ``min_agent_tier`` or
    above, and, ``at_dispute_tier``, of the dispute's own tier or above.
    """

    party: Party
    statuses: frozenset[Status]
    does: str
    min_agent_tier: int | None = None
    at_dispute_tier: bool = False
    condition: Callable[[DisputeState], str | None] | None = None

    def __post_init__(self) -> None:
        if (self.party == Party.AGENT) != (self.min_agent_tier is not None):
            raise ValueError("an agent action, and only an agent action, has a minimum agent tier")


def _below_last_tier(state: DisputeState) -> str | None:
    if state.tier >= 3:
        return "The dispute is already at tier 3, customer experience, the last level; resolve it instead."
    return None


def _seller_not_responded(state: DisputeState) -> str | None:
    if state.seller_efforts == SellerEfforts.RESPONDED:
        return "The seller has already responded to this dispute."
    return None


def _seller_not_flagged(state: DisputeState) -> str | None:
    if state.seller_flagged:
        return "The seller has already been flagged for refusing to cooperate on this dispute."
    return None


def _contact_releasable(state: DisputeState) -> str | None:
    if state.seller_contact_released:
        return "The seller's contact details have already been released for this dispute."
    # Once Jamla24's efforts failed the right stays, even if the seller answers later.
    if not state.seller_contact_allowed and state.seller_efforts != SellerEfforts.FAILED:
        due = state.deadline(DeadlineKind.SELLER_FAILURE).due_at
        return (
            "The seller's contact details can be released only once Jamla24's own efforts to reach "
            f"the seller have failed; they are still under way until {due.isoformat()}."
        )
    return None


_OPEN = frozenset({Status.OPEN})
_AWAITING_CUSTOMER = frozenset({Status.AWAITING_CUSTOMER})
_NOT_CLOSED = _OPEN | _AWAITING_CUSTOMER

# The catalogue: each action's rule in one row (tests/test_action_catalogue.py checks that every action has
# its row, its update and its route).
RULES: Mapping[Action, ActionRule] = MappingProxyType(
    {
        Action.RESOLVE: ActionRule(
            Party.AGENT, _NOT_CLOSED, "resolve this dispute", min_agent_tier=1, at_dispute_tier=True
        ),
        Action.ESCALATE: ActionRule(
            Party.AGENT, _OPEN, "escalate this dispute", min_agent_tier=1, condition=_below_last_tier
        ),
        Action.REQUEST_INFORMATION: ActionRule(
            Party.AGENT, _OPEN, "request information from the customer", min_agent_tier=2
        ),
        Action.PROVIDE_INFORMATION: ActionRule(
            Party.CUSTOMER, _AWAITING_CUSTOMER, "answer the resolution team's questions"
        ),
        Action.SUBMIT_FINDINGS: ActionRule(
            Party.AGENT, _NOT_CLOSED, "deliver findings to the customer", min_agent_tier=2
        ),
        Action.SELLER_RESPONSE: ActionRule(
            Party.SELLER, _NOT_CLOSED, "respond to this dispute", condition=_seller_not_responded
        ),
        Action.FLAG_SELLER: ActionRule(
            Party.AGENT, _OPEN, "flag the seller", min_agent_tier=1, condition=_seller_not_flagged
        ),
        Action.REQUEST_SELLER_CONTACT: ActionRule(
            Party.CUSTOMER, _NOT_CLOSED, "obtain the seller's contact details", condition=_contact_releasable
        ),
        Action.WITHDRAW: ActionRule(Party.CUSTOMER, _NOT_CLOSED, "withdraw this dispute"),
        Action.RECORD_SELLER_CONTACT_ATTEMPT: ActionRule(
            Party.AGENT, _NOT_CLOSED, "record an attempt to reach the seller", min_agent_tier=1
        ),
    }
)


def refusal(action: Action, actor: Actor, state: DisputeState, *, lifecycle_tiers: bool = True) -> str | None:
    """Why ``actor`` may not take ``action`` now, or None when it may.

    Each reason says what would make the action allowed, when anything can. ``lifecycle_tiers=False``
    applies the older, stricter tier rule (every agent action at the dispute's tier or above), for
    disputes that ran under it.
    """
    rule = RULES[action]
    if state.closed:
        return f"Dispute {state.dispute_id} is already {state.status.value}; it can no longer change."
    who = _who_refusal(rule, actor, state, lifecycle_tiers)
    if who:
        return who
    if state.status not in rule.statuses:
        if state.status == Status.AWAITING_CUSTOMER:
            return (
                "The dispute awaits the customer's answer to the resolution team's questions; "
                f"you may {rule.does} once the customer has answered."
            )
        return (
            "The resolution team has asked the customer nothing; "
            f"the customer may {rule.does} once it requests information."
        )
    return rule.condition(state) if rule.condition else None


def _who_refusal(rule: ActionRule, actor: Actor, state: DisputeState, lifecycle_tiers: bool) -> str | None:
    if rule.party == Party.CUSTOMER:
        if actor.role in (Role.CUSTOMER, Role.INTAKE):
            return None
        return f"Only the customer, through an intake client, may {rule.does}; you act as {actor.role.value}."
    if rule.party == Party.SELLER:
        if actor.role != Role.SELLER:
            return f"Only the dispute's seller may {rule.does}; you act as {actor.role.value}."
        if actor.seller_id != state.seller_id:
            return f"Only the seller this dispute is about may {rule.does}."
        return None
    if actor.role == Role.OPERATOR:
        return None
    if actor.role != Role.AGENT or actor.tier is None:
        return f"Only an agent or an operator may {rule.does}; you act as {actor.role.value}."
    assert rule.min_agent_tier is not None  # every agent action has one (ActionRule.__post_init__)
    at_tier = rule.at_dispute_tier or not lifecycle_tiers
    needed = max(rule.min_agent_tier, state.tier) if at_tier else rule.min_agent_tier
    if actor.tier >= needed:
        return None
    team = TIER_TEAMS[needed].replace("_", " ")
    why = f" (the dispute is at tier {state.tier})" if at_tier and state.tier == needed else ""
    return (
        f"Only an agent of tier {needed}, {team}, or above, or an operator, may {rule.does}{why}; "
        f"you act at tier {actor.tier}."
    )


def check(action: Action, actor: Actor, state: DisputeState, *, lifecycle_tiers: bool = True) -> None:
    """Raise the refusal as a non-retryable error whose message is the reason (the API answers 409)."""
    reason = refusal(action, actor, state, lifecycle_tiers=lifecycle_tiers)
    if reason is not None:
        raise ApplicationError(reason, type=ACTION_REFUSED, non_retryable=True)


def reinstatement_refusal(
    seller_id: str, status: SellerAccountStatus, *, lift_termination: bool
) -> str | None:
    """Why an operator may not reinstate the seller's account now, or None when they may.

    A restricted or warned account goes back to active. A terminated one only when the operator says
    so explicitly (``lift_termination``): ending a termination is a decision, not a routine lift.
    """
    if status == SellerAccountStatus.ACTIVE:
        return f"Seller {seller_id}'s account is already active: there is no restriction to lift."
    if status == SellerAccountStatus.TERMINATED and not lift_termination:
        return (
            f"Seller {seller_id}'s account is terminated. To reinstate a terminated account, send the "
            'request again with "lift_termination": true; the reason is recorded and the seller told.'
        )
    return None
