"""A clock fires at its due time, however long the workflow task that set it took.

A timer counts from when the task that set it completed; ``workflow.now()`` is when that task started. A
dispute's opening task persists its first event (a local activity), so on a busy worker its timers would
fire late by that task's run time. The long wait now ends ``LEAD`` before the due time and a task that
does nothing else sets the rest.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.workflows.driver import HOUR, Disputes, kinds, timer_events
from workflows.clocks import LEAD, summary
from workflows.dispute import DisputeWorkflow
from workflows.models import DeadlineKind
from workflows.sla_policy import SlaPolicy

BURST = 15


async def test_clocks_of_disputes_opened_together_fire_on_time(disputes: Disputes) -> None:
    handles = await asyncio.gather(*(disputes.start() for _ in range(BURST)))
    await disputes.sleep(24 * HOUR + LEAD)

    late: list[timedelta] = []
    for handle in handles:
        state = await disputes.until(handle, lambda s: "seller_reminded" in kinds(s))
        due = state.deadline(DeadlineKind.SELLER_REMINDER).due_at
        reminder = summary(DeadlineKind.SELLER_REMINDER, SlaPolicy())
        timers = [t for t in await timer_events(handle) if t.summary == reminder]
        # A long timer to just before the due time, then the rest from a task that did nothing else.
        assert len(timers) == 2, timers
        long, short = timers
        assert long.fired_at is not None and long.fired_at < due
        assert short.duration <= LEAD and short.fired_at is not None
        late.append(short.fired_at - due)
        assert state.history[-1].at - due < timedelta(seconds=1)
    print(f"{BURST} disputes opened together: reminder late by at most {max(late).total_seconds():.3f} s")
    assert max(late) < timedelta(seconds=1)


async def test_a_clock_due_within_the_lead_is_one_timer(disputes: Disputes) -> None:
    """Nothing to gain when the due time is a few seconds away: one timer, as before."""
    handle = await disputes.start(contact_ago=24 * HOUR - LEAD / 2)
    await disputes.sleep(LEAD)
    await disputes.until(handle, lambda s: s.tier == 2)
    escalation = summary(DeadlineKind.RESOLUTION_TEAM, SlaPolicy())
    timers = [t for t in await timer_events(handle) if t.summary == escalation]
    assert len(timers) == 1 and timers[0].duration <= LEAD / 2
    assert (await handle.query(DisputeWorkflow.state)).tier == 2
