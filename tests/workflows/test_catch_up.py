"""A dispute registered long after its first contact catches up at once, within bounds, holding no one up."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import dispute_input
from tests.workflows.driver import DAY, EPSILON, HOUR, Disputes, Handle, at, data_of, kinds
from workflows.dispute import DisputeWorkflow
from workflows.models import DeadlineKind, SellerEfforts

# The customer's overdue clocks, each once and in due order; the seller's have not started to run out.
CAUGHT_UP = [
    "opened",
    "escalated",
    "findings_missed",
    "escalated",
    "sla_breach_warning",
    "sla_breached",
    "sla_breach_reminder",
]


async def operator_reminders_queued(disputes: Disputes, dispute_id: str) -> int:
    count: int = await disputes.pool.fetchval(
        "SELECT count(*) FROM notifications WHERE dispute_id = $1 AND kind = 'sla_breach_reminder'",
        dispute_id,
    )
    return count


async def start_registered_late(disputes: Disputes, first_contact_at: datetime) -> Handle:
    now = await disputes.env.get_current_time()
    dispute = dispute_input(now=now, contact_ago=now - first_contact_at)
    return await disputes.env.client.start_workflow(
        DisputeWorkflow.run, dispute, id=f"dispute-{dispute.dispute_id}", task_queue=disputes.task_queue
    )


async def test_first_contact_29_days_ago_fires_each_clock_once_and_one_reminder(disputes: Disputes) -> None:
    late = await disputes.start(contact_ago=29 * DAY)
    ordinary = await disputes.start()  # opened at the same moment, on the same worker

    state = await disputes.until(late, lambda s: {"sla_breach_reminder", "seller_reached"} <= set(kinds(s)))
    # The seller reached once the complaint notice, queued with the opening, is delivered.
    assert kinds(state) == [*CAUGHT_UP, "seller_reached"]
    caught_up = state.history[: len(CAUGHT_UP)]
    [instant] = {e.at for e in caught_up}  # all at once, in the first workflow task
    assert instant - state.registered_at < EPSILON
    # 24 reminders were due (days 6 to 29): they are one, numbered as the latest, saying how many it covers.
    assert data_of(state, "sla_breach_reminder") == [{"reminder": 24, "missed": 23}]
    await disputes.persisted(late)
    assert await operator_reminders_queued(disputes, state.dispute_id) == 1

    # The seller was contacted at registration: its windows count from there, so no strike yet.
    assert state.seller_efforts == SellerEfforts.PENDING
    assert state.deadline(DeadlineKind.SELLER_REMINDER).due_at == state.registered_at + DAY
    assert state.deadline(DeadlineKind.SELLER_FAILURE).due_at == state.registered_at + 2 * DAY
    assert await disputes.strikes(state.seller_id) == []

    await disputes.sleep(DAY + EPSILON)
    # The ordinary dispute escalated on time: the catch-up held nothing up.
    assert at(await disputes.until(ordinary, lambda s: s.tier == 2), "escalated") == [24 * HOUR]
    state = await disputes.until(late, lambda s: "seller_reminded" in kinds(s))
    assert state.seller_efforts == SellerEfforts.PENDING and await disputes.strikes(state.seller_id) == []
    # The next reminder follows on the usual cadence: day 30 after first contact, a day after registering.
    state = await disputes.until(late, lambda s: s.breach_reminders == 25)
    assert [e.data for e in state.history if e.kind == "sla_breach_reminder"][-1] == {"reminder": 25}

    await disputes.sleep(DAY)
    state = await disputes.until(late, lambda s: s.seller_efforts == SellerEfforts.FAILED)
    failed = next(e for e in state.history if e.kind == "seller_efforts_failed")
    assert failed.at - state.registered_at >= 2 * DAY  # two whole windows after the seller was asked
    assert await disputes.strikes(state.seller_id) == ["unresponsive"]


async def test_first_contact_in_1970_does_not_hold_the_worker(disputes: Disputes) -> None:
    """Not through the API (which refuses it), but a workflow started directly must not freeze the worker."""
    ancient = await start_registered_late(disputes, datetime(1970, 1, 1, tzinfo=UTC))
    ordinary = await disputes.start()

    state = await disputes.until(ancient, lambda s: "sla_breach_reminder" in kinds(s), within=30)
    assert kinds(state) == CAUGHT_UP
    [reminder] = data_of(state, "sla_breach_reminder")
    assert reminder["reminder"] > 20_000 and reminder["missed"] == reminder["reminder"] - 1

    await disputes.sleep(DAY + EPSILON)
    assert at(await disputes.until(ordinary, lambda s: s.tier == 2), "escalated") == [24 * HOUR]
