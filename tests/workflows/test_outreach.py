"""Only a seller that was asked is struck: one no channel reached is unreachable, and the team takes over."""

from __future__ import annotations

import uuid

from tests.delivery.servers import SmtpSink
from tests.workflows.driver import AGENT1, CUSTOMER, EPSILON, HOUR, Disputes, at, kinds
from workflows.actions import RecordSellerContactAttemptAction, RequestSellerContactAction
from workflows.dispute import DisputeWorkflow
from workflows.models import ContactChannel, ContactOutcome, DeadlineKind, DeadlineState, SellerEfforts


async def test_a_seller_no_channel_reached_is_not_struck_and_the_team_is_told(
    disputes: Disputes, mail_server: SmtpSink
) -> None:
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    handle = await disputes.start(seller_id=seller_id, reachable=False)  # every notice is skipped
    await disputes.sleep(48 * HOUR + EPSILON)
    state = await disputes.until(handle, lambda s: s.seller_efforts == SellerEfforts.UNREACHABLE)

    assert "seller_efforts_failed" not in kinds(state) and "seller_reached" not in kinds(state)
    unreachable = next(e for e in state.history if e.kind == "seller_unreachable")
    assert unreachable.notified == ["customer:seller_contact_available", "team:seller_unreachable"]
    await disputes.persisted(handle)
    assert await disputes.strikes(seller_id) == []
    assert await disputes.seller_status(seller_id) in (None, "active")
    # The customer's right to the seller's details follows the policy as before.
    state = await handle.execute_update(
        DisputeWorkflow.request_seller_contact, RequestSellerContactAction(actor=CUSTOMER)
    )
    assert state.seller_contact_released

    # An agent phones the seller and reaches it: it is asked from now, its windows start over.
    call = RecordSellerContactAttemptAction(
        actor=AGENT1, channel=ContactChannel.PHONE, outcome=ContactOutcome.REACHED, note="Called at 10:05."
    )
    state = await handle.execute_update(DisputeWorkflow.record_seller_contact_attempt, call)
    assert state.seller_efforts == SellerEfforts.PENDING and state.seller_reached_at is not None
    attempt = state.history[-1]
    assert attempt.kind == "seller_contact_attempted" and attempt.actor == AGENT1
    assert attempt.data == {"channel": "phone", "outcome": "reached", "note": "Called at 10:05."}
    assert state.deadline(DeadlineKind.SELLER_FAILURE).due_at == attempt.at + 48 * HOUR
    assert state.deadline(DeadlineKind.SELLER_FAILURE).state == DeadlineState.PENDING

    # Asked, and silent through its windows: now it is struck, as any seller that was asked.
    await disputes.sleep(48 * HOUR + EPSILON)
    state = await disputes.until(handle, lambda s: s.seller_efforts == SellerEfforts.FAILED)
    await disputes.persisted(handle)
    assert await disputes.strikes(seller_id) == ["unresponsive"]


async def test_a_seller_the_notice_reached_is_struck_as_before(
    disputes: Disputes, mail_server: SmtpSink
) -> None:
    seller_id = await disputes.reachable_seller()
    handle = await disputes.start(seller_id=seller_id)
    state = await disputes.until(handle, lambda s: s.seller_reached_at is not None)
    reached = next(e for e in state.history if e.kind == "seller_reached")
    assert reached.data == {"channels": ["email"]}
    # Reached at once: its clocks keep the times they were given at registration.
    assert state.deadline(DeadlineKind.SELLER_FAILURE).due_at == state.registered_at + 48 * HOUR

    await disputes.sleep(48 * HOUR + EPSILON)
    state = await disputes.until(handle, lambda s: "seller_account_changed" in kinds(s))
    assert at(state, "seller_efforts_failed") == [48 * HOUR]
    await disputes.persisted(handle)
    assert await disputes.strikes(seller_id) == ["unresponsive"]


async def test_an_attempt_that_did_not_reach_the_seller_changes_nothing_but_the_history(
    disputes: Disputes, mail_server: SmtpSink
) -> None:
    handle = await disputes.start(reachable=False)
    call = RecordSellerContactAttemptAction(
        actor=AGENT1, channel=ContactChannel.PHONE, outcome=ContactOutcome.NOT_REACHED
    )
    state = await handle.execute_update(DisputeWorkflow.record_seller_contact_attempt, call)
    assert state.seller_reached_at is None and state.seller_efforts == SellerEfforts.PENDING
    assert state.history[-1].data == {"channel": "phone", "outcome": "not_reached"}
