"""Jamla24 contacts the seller on the customer's behalf; an unresponsive or refusing seller gets strikes."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.workflows.driver import (
    AGENT1,
    CUSTOMER,
    EPSILON,
    HOUR,
    OPENING,
    Disputes,
    at,
    kinds,
    opened,
    seller,
)
from workflows.actions import FlagSellerAction, RequestSellerContactAction, SellerResponseAction
from workflows.dispute import DisputeWorkflow
from workflows.models import DeadlineKind, DeadlineState, SellerEfforts


async def test_seller_responding_at_10h_earns_no_strike(disputes: Disputes) -> None:
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    handle = await disputes.start(seller_id=seller_id)
    await disputes.sleep(10 * HOUR)
    state = await handle.execute_update(
        DisputeWorkflow.seller_response,
        SellerResponseAction(actor=seller(seller_id), message="Shipping a replacement today."),
    )
    assert state.seller_efforts == SellerEfforts.RESPONDED
    assert state.deadline(DeadlineKind.SELLER_REMINDER).state == DeadlineState.MET
    await disputes.sleep(50 * HOUR)
    state = await disputes.until(handle, lambda s: s.tier == 3)
    assert "seller_reminded" not in kinds(state) and "seller_efforts_failed" not in kinds(state)
    await disputes.persisted(handle)
    assert await disputes.strikes(seller_id) == []


async def test_silent_seller_is_reminded_at_24h_and_struck_at_48h(disputes: Disputes) -> None:
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    handle = await disputes.start(seller_id=seller_id)
    await disputes.sleep(48 * HOUR + EPSILON)
    state = await disputes.until(handle, lambda s: "seller_account_changed" in kinds(s))
    assert at(state, "seller_reminded") == [24 * HOUR]
    assert at(state, "seller_efforts_failed") == [48 * HOUR]
    assert state.seller_efforts == SellerEfforts.FAILED
    failed = next(e for e in state.history if e.kind == "seller_efforts_failed")
    assert failed.notified == [
        "seller:seller_strike",
        "customer:seller_contact_available",
        "team:seller_unresponsive",
    ]
    await disputes.persisted(handle)
    assert await disputes.strikes(seller_id) == ["unresponsive"]
    assert await disputes.seller_status(seller_id) == "warned"


async def test_third_strike_in_the_window_terminates_the_account(disputes: Disputes) -> None:
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    handles = [await disputes.start(seller_id=seller_id) for _ in range(2)]
    await disputes.sleep(49 * HOUR)
    for handle in handles:
        await disputes.until(handle, lambda s: "seller_account_changed" in kinds(s))
    assert await disputes.seller_status(seller_id) == "restricted"

    third = await disputes.start(seller_id=seller_id)
    await third.execute_update(
        DisputeWorkflow.flag_seller, FlagSellerAction(actor=AGENT1, reason="Refuses to answer our calls.")
    )
    state = await disputes.until(third, lambda s: "seller_account_changed" in kinds(s))
    change = next(e for e in state.history if e.kind == "seller_account_changed")
    assert change.data == {"from": "restricted", "to": "terminated", "strikes_in_window": 3}
    assert change.notified == ["seller:seller_account_changed"]
    await asyncio.gather(*(disputes.persisted(h) for h in [*handles, third]))
    assert sorted(await disputes.strikes(seller_id)) == ["refused", "unresponsive", "unresponsive"]
    assert await disputes.seller_status(seller_id) == "terminated"


async def test_seller_contact_is_released_only_after_our_efforts_failed(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.until(handle, opened)
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(
            DisputeWorkflow.request_seller_contact, RequestSellerContactAction(actor=CUSTOMER)
        )
    assert isinstance(raised.value.cause, ApplicationError)
    assert "efforts to reach the seller have failed" in raised.value.cause.message
    assert kinds(await handle.query(DisputeWorkflow.state)) == OPENING

    await disputes.sleep(48 * HOUR + EPSILON)
    await disputes.until(handle, lambda s: s.seller_efforts == SellerEfforts.FAILED)
    state = await handle.execute_update(
        DisputeWorkflow.request_seller_contact, RequestSellerContactAction(actor=CUSTOMER)
    )
    assert state.seller_contact_released
    state = await disputes.persisted(handle)
    released = await disputes.pool.fetchval(
        "SELECT count(*) FROM seller_contact_releases WHERE dispute_id = $1", state.dispute_id
    )
    notices = await disputes.pool.fetch(
        "SELECT recipient_kind, data FROM notifications"
        " WHERE dispute_id = $1 AND kind = 'seller_contact_released'",
        state.dispute_id,
    )
    assert released == 1
    assert [(n["recipient_kind"], n["data"]["seller_id"]) for n in notices] == [("customer", state.seller_id)]


async def test_the_customer_keeps_the_right_to_the_sellers_details_when_the_seller_answers_late(
    disputes: Disputes,
) -> None:
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    handle = await disputes.start(seller_id=seller_id)
    await disputes.sleep(48 * HOUR + EPSILON)
    await disputes.until(handle, lambda s: s.seller_efforts == SellerEfforts.FAILED)
    # The customer was told they may ask for the seller's details; then the seller answers after all.
    late = SellerResponseAction(actor=seller(seller_id), message="Sorry, we were closed.")
    state = await handle.execute_update(DisputeWorkflow.seller_response, late)
    assert state.seller_efforts == SellerEfforts.RESPONDED

    state = await handle.execute_update(
        DisputeWorkflow.request_seller_contact, RequestSellerContactAction(actor=CUSTOMER)
    )
    assert state.seller_contact_released and "seller_contact_released" in kinds(state)
