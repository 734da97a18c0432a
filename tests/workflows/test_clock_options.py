"""Clock options on the real workflow: business hours, and pausing while awaiting the customer."""

from __future__ import annotations

from tests.workflows.driver import AGENT2, CUSTOMER, DAY, HOUR, Disputes, at, kinds
from workflows.actions import ProvideInformationAction, RequestInformationAction
from workflows.business_hours import BusinessCalendar, add_business_time
from workflows.dispute import DisputeWorkflow
from workflows.models import DeadlineKind, DeadlineState
from workflows.sla_policy import SlaPolicy


async def test_paused_clocks_move_by_the_pause_and_the_others_do_not(disputes: Disputes) -> None:
    handle = await disputes.start(policy=SlaPolicy(pause_while_awaiting_customer=True))
    await disputes.sleep(30 * HOUR)
    await disputes.until(handle, lambda s: s.tier == 2)
    state = await handle.execute_update(
        DisputeWorkflow.request_information, RequestInformationAction(actor=AGENT2, questions=["Photo?"])
    )
    assert state.deadline(DeadlineKind.FINDINGS).state == DeadlineState.PAUSED
    assert state.deadline(DeadlineKind.CUSTOMER_EXPERIENCE).state == DeadlineState.PENDING

    await disputes.sleep(2 * DAY)  # the customer answers after a weekend's worth of waiting
    state = await disputes.until(handle, lambda s: s.tier == 3)  # the 48 h transfer is not paused
    assert "findings_missed" not in kinds(state)  # the findings clock is
    state = await handle.execute_update(
        DisputeWorkflow.provide_information, ProvideInformationAction(actor=CUSTOMER, answer="Attached.")
    )
    paused = state.paused_for
    assert abs(paused - 2 * DAY) < HOUR
    findings = state.deadline(DeadlineKind.FINDINGS)
    assert findings.state == DeadlineState.PENDING
    assert findings.due_at == state.first_contact_at + 48 * HOUR + paused
    assert state.deadline(DeadlineKind.RESOLUTION).due_at == state.first_contact_at + 5 * DAY + paused

    await disputes.sleep(findings.due_at - state.first_contact_at - 30 * HOUR - 2 * DAY + HOUR)
    state = await disputes.until(handle, lambda s: "findings_missed" in kinds(s))
    assert at(state, "findings_missed") == [48 * HOUR + round(paused / HOUR) * HOUR]


async def test_business_hours_hold_escalation_until_open_hours_have_passed(disputes: Disputes) -> None:
    calendar = BusinessCalendar()
    handle = await disputes.start(policy=SlaPolicy(business_hours=calendar))
    state = await handle.query(DisputeWorkflow.state)
    due = state.deadline(DeadlineKind.RESOLUTION_TEAM).due_at
    assert due == add_business_time(state.first_contact_at, 24 * HOUR, calendar)
    assert due - state.first_contact_at > 24 * HOUR  # two 12-hour working days, at least

    await disputes.sleep(24 * HOUR + HOUR)
    assert (await handle.query(DisputeWorkflow.state)).tier == 1  # calendar time alone is not enough
    await disputes.sleep(due - state.first_contact_at - 25 * HOUR + HOUR)
    state = await disputes.until(handle, lambda s: s.tier == 2)
    escalated = next(e for e in state.history if e.kind == "escalated")
    assert abs(escalated.at - due) < HOUR
