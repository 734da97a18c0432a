"""The state machine: which action each party may take, and when.

One function answers every "may this happen?" question, so the workflow's validators, its signal
handler and any future caller agree. A refusal is a sentence a person can act on.
"""

from __future__ import annotations

from enum import StrEnum

from temporalio.exceptions import ApplicationError

from workflows.models import (
    Actor,
    DeadlineKind,
    DisputeState,
    Role,
    SellerAccountStatus,
    SellerEfforts,
    Status,
)

REFUSED = "ActionRefused"


class Action(StrEnum):
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    REQUEST_INFORMATION = "request_information"
    PROVIDE_INFORMATION = "provide_information"
    SUBMIT_FINDINGS = "submit_findings"
    SELLER_RESPONSE = "seller_response"
    FLAG_SELLER = "flag_seller"
    REQUEST_SELLER_CONTACT = "request_seller_contact"
    WITHDRAW = "withdraw"


# Who acts, and the lowest agent tier allowed (None: not an agent action). Operators take every agent action.
_CUSTOMER_ACTIONS = {Action.PROVIDE_INFORMATION, Action.REQUEST_SELLER_CONTACT, Action.WITHDRAW}
_MIN_AGENT_TIER = {
    Action.RESOLVE: 1,
    Action.ESCALATE: 1,
    Action.REQUEST_INFORMATION: 2,
    Action.SUBMIT_FINDINGS: 2,
    Action.FLAG_SELLER: 1,
}
_ALLOWED_STATUS = {
    Action.RESOLVE: {Status.OPEN, Status.AWAITING_CUSTOMER},
    Action.ESCALATE: {Status.OPEN},
    Action.REQUEST_INFORMATION: {Status.OPEN},
    Action.PROVIDE_INFORMATION: {Status.AWAITING_CUSTOMER},
    Action.SUBMIT_FINDINGS: {Status.OPEN, Status.AWAITING_CUSTOMER},
    Action.SELLER_RESPONSE: {Status.OPEN, Status.AWAITING_CUSTOMER},
    Action.FLAG_SELLER: {Status.OPEN},
    Action.REQUEST_SELLER_CONTACT: {Status.OPEN, Status.AWAITING_CUSTOMER},
    Action.WITHDRAW: {Status.OPEN, Status.AWAITING_CUSTOMER},
}


def refusal(action: Action, actor: Actor, state: DisputeState) -> str | None:
    """Why ``actor`` may not take ``action`` now, or None when it may."""
    name = action.value.replace("_", " ")
    if state.closed:
        return f"Dispute {state.dispute_id} is already {state.status.value}; it can no longer change."
    who = _who_refusal(action, actor, state)
    if who:
        return who
    if state.status not in _ALLOWED_STATUS[action]:
        if state.status == Status.AWAITING_CUSTOMER:
            return f"Cannot {name} while the dispute awaits the customer's information."
        return f"Cannot {name}: the dispute is not awaiting information from the customer."
    return _state_refusal(action, state)


def _who_refusal(action: Action, actor: Actor, state: DisputeState) -> str | None:
    name = action.value.replace("_", " ")
    if action in _CUSTOMER_ACTIONS:
        if actor.role in (Role.CUSTOMER, Role.INTAKE):
            return None
        return f"Only the customer (through an intake client) may {name}; you act as {actor.role.value}."
    if action == Action.SELLER_RESPONSE:
        if actor.role != Role.SELLER:
            return f"Only the dispute's seller may respond to it; you act as {actor.role.value}."
        if actor.seller_id != state.seller_id:
            return "Only the seller this dispute is about may respond to it."
        return None
    if actor.role == Role.OPERATOR:
        return None
    if actor.role != Role.AGENT or actor.tier is None:
        return f"Only an agent or an operator may {name}; you act as {actor.role.value}."
    needed = max(_MIN_AGENT_TIER[action], state.tier)
    if actor.tier < needed:
        return (
            f"To {name} this dispute you must be an agent of tier {needed} or above "
            f"(it is at tier {state.tier}); you act at tier {actor.tier}."
        )
    return None


def _state_refusal(action: Action, state: DisputeState) -> str | None:
    if action == Action.ESCALATE and state.tier >= 3:
        return "The dispute is already at tier 3, customer experience, the last level; resolve it instead."
    if action == Action.SELLER_RESPONSE and state.seller_efforts == SellerEfforts.RESPONDED:
        return "The seller has already responded to this dispute."
    if action == Action.FLAG_SELLER and state.seller_flagged:
        return "The seller has already been flagged for refusing to cooperate on this dispute."
    if action == Action.REQUEST_SELLER_CONTACT:
        if state.seller_contact_released:
            return "The seller's contact details have already been released for this dispute."
        if state.seller_efforts != SellerEfforts.FAILED:
            due = state.deadline(DeadlineKind.SELLER_FAILURE).due_at
            return (
                "The seller's contact details can be released only once Jamla24's own efforts to reach "
                f"the seller have failed; they are still under way until {due.isoformat()}."
            )
    return None


def check(action: Action, actor: Actor, state: DisputeState) -> None:
    """Raise the refusal as a non-retryable error whose message is the reason (the API answers 409)."""
    reason = refusal(action, actor, state)
    if reason is not None:
        raise ApplicationError(reason, type=REFUSED, non_retryable=True)


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
