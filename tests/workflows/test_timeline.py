"""The policy's timeline on durable timers, with time skipped."""

from __future__ import annotations

from tests.delivery.servers import SmtpSink
from tests.workflows.driver import (
    AGENT1,
    AGENT2,
    AGENT3,
    DAY,
    EPSILON,
    HOUR,
    Disputes,
    at,
    data_of,
    kinds,
    timer_events,
)
from workflows.actions import EscalateAction, ResolveAction, SubmitFindingsAction
from workflows.clocks import summary
from workflows.dispute import DisputeWorkflow
from workflows.models import DeadlineKind, DeadlineState, Outcome, Status
from workflows.sla_policy import SlaPolicy


async def test_resolved_at_first_contact_never_escalates(disputes: Disputes, mail_server: SmtpSink) -> None:
    handle = await disputes.start(reachable=False)
    state = await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT1, outcome=Outcome.REFUND, summary="Refunded.")
    )
    assert state.status == Status.RESOLVED and state.tier == 1

    final = await handle.result()  # the workflow ends: no timer is left to fire
    assert kinds(final) == ["opened", "resolved"]
    assert final.tier == 1 and not final.sla_breached
    assert final.deadline(DeadlineKind.RESOLUTION_TEAM).state == DeadlineState.MET
    assert final.deadline(DeadlineKind.SELLER_REMINDER).state == DeadlineState.CANCELLED
    persisted = await disputes.pool.fetchrow(
        "SELECT status, tier, outcome, revision FROM disputes WHERE dispute_id = $1", final.dispute_id
    )
    assert persisted is not None and dict(persisted) == {
        "status": "resolved",
        "tier": 1,
        "outcome": "refund",
        "revision": 2,
    }


async def test_resolved_at_30h_by_the_resolution_team(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.sleep(30 * HOUR)
    state = await disputes.until(handle, lambda s: s.tier == 2)
    assert at(state, "escalated") == [24 * HOUR]

    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT2, outcome=Outcome.REPLACEMENT, summary="Replaced.")
    )
    final = await handle.result()
    assert final.status == Status.RESOLVED and final.tier == 2
    assert final.resolution is not None and final.resolution.by == AGENT2
    assert final.deadline(DeadlineKind.RESOLUTION_TEAM).state == DeadlineState.MISSED
    assert final.deadline(DeadlineKind.CUSTOMER_EXPERIENCE).state == DeadlineState.MET
    assert kinds(final).count("escalated") == 1


async def test_never_resolved_escalates_breaches_and_reminds(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.sleep(24 * HOUR + EPSILON)
    assert (await disputes.until(handle, lambda s: s.tier == 2)).tier == 2
    await disputes.sleep(24 * HOUR)
    assert (await disputes.until(handle, lambda s: s.tier == 3)).tier == 3
    await disputes.sleep(5 * DAY - 48 * HOUR)  # breach at 5 days
    state = await disputes.until(handle, lambda s: s.sla_breached)
    assert state.status == Status.OPEN  # a breach alerts; it does not close anything
    await disputes.sleep(2 * DAY)
    state = await disputes.until(handle, lambda s: s.breach_reminders == 2)

    assert [d["to_tier"] for d in data_of(state, "escalated")] == [2, 3]
    assert at(state, "escalated") == [24 * HOUR, 48 * HOUR]
    assert at(state, "sla_breach_warning") == [4 * DAY]  # 80 % of the 5 days
    assert at(state, "sla_breached") == [5 * DAY]
    assert at(state, "sla_breach_reminder") == [6 * DAY, 7 * DAY]
    breach = next(e for e in state.history if e.kind == "sla_breached")
    assert breach.notified == ["operators:sla_breach"]
    assert state.deadline(DeadlineKind.RESOLUTION).state == DeadlineState.MISSED

    state = await disputes.persisted(handle)
    row = await disputes.pool.fetchrow(
        "SELECT tier, sla_breached, breach_reminders FROM disputes WHERE dispute_id = $1", state.dispute_id
    )
    assert row is not None and dict(row) == {"tier": 3, "sla_breached": True, "breach_reminders": 2}
    alerts = await disputes.pool.fetchval(
        "SELECT count(*) FROM notifications WHERE dispute_id = $1 AND recipient_kind = 'operators'",
        state.dispute_id,
    )
    assert alerts == 4  # the warning, the breach, two reminders


async def test_an_early_escalation_meets_the_24h_clock_and_cancels_its_timer(disputes: Disputes) -> None:
    # First contact 3 h before registration: the 24 h clock is the first to run out, so its timer is set.
    handle = await disputes.start(contact_ago=3 * HOUR)
    await disputes.sleep(2 * HOUR)
    state = await handle.execute_update(
        DisputeWorkflow.escalate, EscalateAction(actor=AGENT1, reason="Customer is a repeat victim.")
    )
    assert state.tier == 2
    clock = state.deadline(DeadlineKind.RESOLUTION_TEAM)
    assert clock.state == DeadlineState.MET and clock.settled_at == state.history[-1].at
    assert state.deadline(DeadlineKind.CUSTOMER_EXPERIENCE).state == DeadlineState.PENDING

    await disputes.sleep(30 * HOUR - 2 * HOUR)
    state = await handle.query(DisputeWorkflow.state)
    assert state.tier == 2 and at(state, "escalated") == [5 * HOUR]
    assert data_of(state, "escalated")[0]["automatic"] is False
    assert state.deadline(DeadlineKind.RESOLUTION_TEAM).state == DeadlineState.MET
    # The 24 h timer was cancelled when the escalation overtook it, not left to fire for nothing.
    timers = await timer_events(handle)
    started = [t for t in timers if t.summary == summary(DeadlineKind.RESOLUTION_TEAM, SlaPolicy())]
    assert started and all(t.cancelled and not t.fired for t in started)


async def test_an_escalation_to_tier_3_meets_both_escalation_clocks(disputes: Disputes) -> None:
    handle = await disputes.start()
    for _ in range(2):
        state = await handle.execute_update(
            DisputeWorkflow.escalate, EscalateAction(actor=AGENT1, reason="Urgent.")
        )
    assert state.tier == 3
    assert state.deadline(DeadlineKind.RESOLUTION_TEAM).state == DeadlineState.MET
    assert state.deadline(DeadlineKind.CUSTOMER_EXPERIENCE).state == DeadlineState.MET
    assert state.deadline(DeadlineKind.FINDINGS).state == DeadlineState.PENDING  # findings are still due


async def test_a_dispute_resolved_without_findings_did_not_need_them(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.sleep(10 * HOUR)
    state = await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT1, outcome=Outcome.REFUND, summary="Refunded.")
    )
    assert state.deadline(DeadlineKind.FINDINGS).state == DeadlineState.NOT_NEEDED
    assert state.deadline(DeadlineKind.RESOLUTION).state == DeadlineState.MET


async def test_findings_at_40h_are_on_time(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.sleep(40 * HOUR)
    await disputes.until(handle, lambda s: s.tier == 2)
    state = await handle.execute_update(
        DisputeWorkflow.submit_findings,
        SubmitFindingsAction(actor=AGENT2, findings="Parcel lost by carrier."),
    )
    assert state.deadline(DeadlineKind.FINDINGS).state == DeadlineState.MET
    assert state.history[-1].data["on_time"] is True
    await disputes.sleep(10 * HOUR)
    state = await disputes.until(handle, lambda s: s.tier == 3 and "seller_reached" in kinds(s))
    assert "findings_missed" not in kinds(state)
    assert state.deadline(DeadlineKind.FINDINGS).state == DeadlineState.MET
    assert state.findings == "Parcel lost by carrier."


async def test_findings_never_delivered_are_missed_at_48h(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.sleep(49 * HOUR)
    state = await disputes.until(handle, lambda s: s.tier == 3)
    assert at(state, "findings_missed") == [48 * HOUR]
    assert state.deadline(DeadlineKind.FINDINGS).state == DeadlineState.MISSED
    # At 48 h the findings are judged before the transfer to customer experience.
    order = kinds(state)
    assert order.index("findings_missed") < order.index("escalated", order.index("escalated") + 1)
    # Findings delivered late are delivered, but the deadline stays missed.
    state = await handle.execute_update(
        DisputeWorkflow.submit_findings, SubmitFindingsAction(actor=AGENT3, findings="Lost by carrier.")
    )
    assert state.history[-1].data["on_time"] is False
    assert state.deadline(DeadlineKind.FINDINGS).state == DeadlineState.MISSED


async def test_first_contact_three_days_ago_fires_both_escalations_at_once_in_order(
    disputes: Disputes,
) -> None:
    handle = await disputes.start(contact_ago=3 * DAY)
    state = await disputes.until(handle, lambda s: s.tier == 3)
    opened = state.history[0].at
    escalations = [e for e in state.history if e.kind == "escalated"]
    assert [e.data["to_tier"] for e in escalations] == [2, 3]
    assert all(e.at == opened for e in escalations)  # at once: no time passed
    # Overdue clocks fire in due order (24 h, then 48 h); the seller's count from registration, so none yet.
    assert kinds(state) == ["opened", "escalated", "findings_missed", "escalated", "seller_reached"]
    assert not state.sla_breached
