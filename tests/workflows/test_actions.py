"""Actions as updates: what each does, who may take it, and what a refusal leaves behind (nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from tests.workflows.driver import (
    AGENT1,
    AGENT2,
    AGENT3,
    CUSTOMER,
    HOUR,
    OPENING,
    OPERATOR,
    Disputes,
    Handle,
    accepted_updates,
    kinds,
    opened,
    seller,
)
from workflows.actions import (
    EscalateAction,
    FlagSellerAction,
    ProvideInformationAction,
    RequestInformationAction,
    ResolveAction,
    SellerResponseAction,
    SubmitFindingsAction,
    WithdrawAction,
)
from workflows.dispute import DisputeWorkflow
from workflows.models import Actor, DeadlineState, Outcome, Role, Status
from workflows.options import ACTION_REFUSED
from workflows.rules import Action, refusal


async def refused(handle: Handle, update: Any, action: Any) -> str:
    """The reason an update was refused; asserts it changed neither the dispute nor its Temporal history."""
    before_state = await handle.query(DisputeWorkflow.state)
    before_accepted = await accepted_updates(handle)
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, action)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == ACTION_REFUSED
    after_state = await handle.query(DisputeWorkflow.state)
    assert after_state.history == before_state.history
    assert after_state.model_dump(exclude={"history"}) == before_state.model_dump(exclude={"history"})
    assert await accepted_updates(handle) == before_accepted
    return cause.message


async def test_information_requested_awaits_the_customer_until_answered(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.sleep(25 * HOUR)
    await disputes.until(handle, lambda s: s.tier == 2)
    state = await handle.execute_update(
        DisputeWorkflow.request_information,
        RequestInformationAction(actor=AGENT2, questions=["A photo of the parcel label, please."]),
    )
    assert state.status == Status.AWAITING_CUSTOMER
    reason = await refused(handle, DisputeWorkflow.escalate, EscalateAction(actor=AGENT2, reason="stuck"))
    assert "awaits the customer" in reason

    state = await handle.execute_update(
        DisputeWorkflow.provide_information,
        ProvideInformationAction(actor=CUSTOMER, answer="Sent by e-mail."),
    )
    assert state.status == Status.OPEN
    assert kinds(state)[-2:] == ["information_requested", "information_provided"]
    assert state.history[-1].notified == ["team:information_provided"]


async def test_withdrawal_closes_the_dispute_and_cancels_every_clock(disputes: Disputes) -> None:
    handle = await disputes.start(reachable=False)
    await disputes.sleep(3 * HOUR)
    await handle.execute_update(
        DisputeWorkflow.withdraw, WithdrawAction(actor=CUSTOMER, reason="Parcel arrived after all.")
    )
    final = await handle.result()
    assert final.status == Status.WITHDRAWN and final.closed_at is not None
    assert {d.state for d in final.deadlines} == {DeadlineState.CANCELLED}
    assert kinds(final) == ["opened", "withdrawn"]


async def test_resolve_signal_lets_an_operator_close_from_temporal_ui(disputes: Disputes) -> None:
    handle = await disputes.start()
    await handle.signal(
        "resolve", ResolveAction(actor=OPERATOR, outcome=Outcome.STORE_CREDIT, summary="Credit.")
    )
    final = await handle.result()
    assert final.status == Status.RESOLVED and final.resolution is not None
    assert final.resolution.by == OPERATOR


async def test_a_refused_resolve_signal_changes_nothing(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.until(handle, opened)
    await handle.signal("resolve", ResolveAction(actor=CUSTOMER, outcome=Outcome.REFUND, summary="Me."))
    state = await handle.query(DisputeWorkflow.state)
    assert state.status == Status.OPEN and kinds(state) == OPENING


async def test_actions_are_refused_when_not_allowed(disputes: Disputes) -> None:
    handle = await disputes.start(seller_id="seller-own")
    await disputes.sleep(25 * HOUR)  # at tier 2
    await disputes.until(handle, lambda s: s.tier == 2)

    # Wrong role.
    reason = await refused(
        handle, DisputeWorkflow.resolve, ResolveAction(actor=CUSTOMER, outcome=Outcome.REFUND, summary="x")
    )
    assert "agent or an operator" in reason
    reason = await refused(handle, DisputeWorkflow.withdraw, WithdrawAction(actor=AGENT2, reason="x"))
    assert "Only the customer" in reason
    reason = await refused(
        handle, DisputeWorkflow.seller_response, SellerResponseAction(actor=OPERATOR, message="x")
    )
    assert "seller" in reason
    # Wrong tier: tier 1 cannot act on a dispute at tier 2, nor request information at all.
    reason = await refused(
        handle, DisputeWorkflow.resolve, ResolveAction(actor=AGENT1, outcome=Outcome.REFUND, summary="x")
    )
    assert "agent of tier 2, resolution team, or above" in reason and "you act at tier 1" in reason
    await refused(
        handle,
        DisputeWorkflow.submit_findings,
        SubmitFindingsAction(actor=AGENT1, findings="x"),
    )
    # Another seller.
    reason = await refused(
        handle,
        DisputeWorkflow.seller_response,
        SellerResponseAction(actor=seller("seller-other"), message="x"),
    )
    assert "Only the seller this dispute is about" in reason
    # Information can only be provided when asked for.
    reason = await refused(
        handle, DisputeWorkflow.provide_information, ProvideInformationAction(actor=CUSTOMER, answer="x")
    )
    assert "has asked the customer nothing" in reason

    # An operator acts at any tier; after that the dispute is closed to everyone.
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=OPERATOR, outcome=Outcome.REJECTED, summary="No case.")
    )
    closed = await handle.query(DisputeWorkflow.state)
    closing: list[tuple[Any, Any]] = [
        (DisputeWorkflow.resolve, ResolveAction(actor=AGENT3, outcome=Outcome.REFUND, summary="x")),
        (DisputeWorkflow.escalate, EscalateAction(actor=AGENT3, reason="x")),
        (DisputeWorkflow.flag_seller, FlagSellerAction(actor=OPERATOR, reason="x")),
        (DisputeWorkflow.withdraw, WithdrawAction(actor=CUSTOMER, reason="x")),
        (DisputeWorkflow.seller_response, SellerResponseAction(actor=seller("seller-own"), message="x")),
    ]
    for update, action in closing:
        # The validator refuses while the workflow finishes; once it has, the server refuses. Either way
        # the rules give the reason the API answers with, and nothing changes.
        with pytest.raises((WorkflowUpdateFailedError, RPCError)):
            await handle.execute_update(update, action)
        assert "already resolved" in (refusal(Action(update.__name__), action.actor, closed) or "")
    final = await handle.result()
    assert final.history == closed.history


async def test_escalation_stops_at_tier_three(disputes: Disputes) -> None:
    handle = await disputes.start()
    for agent in (AGENT1, AGENT2):
        await handle.execute_update(
            DisputeWorkflow.escalate, EscalateAction(actor=agent, reason="Needs more.")
        )
    reason = await refused(handle, DisputeWorkflow.escalate, EscalateAction(actor=AGENT3, reason="More."))
    assert "last level" in reason


async def test_a_duplicate_request_takes_effect_once(disputes: Disputes) -> None:
    handle = await disputes.start()
    action = EscalateAction(actor=AGENT1, reason="Fragile item, senior agent needed.")
    first = await handle.execute_update(DisputeWorkflow.escalate, action, id="req-42")
    second = await handle.execute_update(DisputeWorkflow.escalate, action, id="req-42")
    assert first.tier == second.tier == 2
    state = await handle.query(DisputeWorkflow.state)
    assert kinds(state).count("escalated") == 1 and state.tier == 2
    assert await accepted_updates(handle) == 1


async def test_operator_may_take_any_agent_action_but_not_the_customers(disputes: Disputes) -> None:
    handle = await disputes.start()
    state = await handle.execute_update(
        DisputeWorkflow.request_information,
        RequestInformationAction(actor=OPERATOR, questions=["Order photo?"]),
    )
    assert state.status == Status.AWAITING_CUSTOMER
    intake = Actor(role=Role.INTAKE, id="chat-gateway")
    state = await handle.execute_update(
        DisputeWorkflow.provide_information, ProvideInformationAction(actor=intake, answer="Attached.")
    )
    assert state.status == Status.OPEN
    await refused(handle, DisputeWorkflow.withdraw, WithdrawAction(actor=OPERATOR, reason="x"))
