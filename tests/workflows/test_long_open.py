"""A dispute left open for months keeps a bounded history: it continues as new, and nothing else changes."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from tests.workflows.driver import AGENT3, DAY, Disputes, Handle, kinds
from worker import build_replayer
from workflows import search_attributes as sa
from workflows.actions import ResolveAction
from workflows.continuation import HISTORY_LIMIT
from workflows.dispute import DisputeWorkflow
from workflows.models import Outcome, Status


async def runs_of(disputes: Disputes, handle: Handle) -> list[WorkflowHistory]:
    """Every run's history, first to current, following each run's continue-as-new."""
    histories, run_id = [], handle.first_execution_run_id or handle.run_id
    while run_id:
        history = await disputes.env.client.get_workflow_handle(handle.id, run_id=run_id).fetch_history()
        histories.append(history)
        last = history.events[-1]
        continued = last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        attributes = last.workflow_execution_continued_as_new_event_attributes
        run_id = attributes.new_execution_run_id if continued else ""
    return histories


async def test_open_for_400_days_continues_as_new_and_stays_the_same_dispute(disputes: Disputes) -> None:
    handle = await disputes.start()
    await disputes.sleep(400 * DAY)
    state = await disputes.until(handle, lambda s: s.breach_reminders == 395, within=60)

    # Queried by its id alone, it is the same dispute, with its whole story.
    assert state.status == Status.OPEN and state.tier == 3 and state.sla_breached
    assert kinds(state).count("sla_breach_reminder") == 395 and kinds(state).count("opened") == 1
    described = await handle.describe()
    attributes = described.typed_search_attributes
    assert attributes.get(sa.DISPUTE_STATUS) == "open" and attributes.get(sa.SLA_BREACHED) is True
    assert attributes.get(sa.SELLER_ID) == state.seller_id
    assert attributes.get(sa.FIRST_CONTACT_AT) == state.first_contact_at
    # Each run's history stays within the bound, however long the dispute stays open.
    histories = await runs_of(disputes, handle)
    assert len(histories) >= 5
    assert all(len(h.events) < HISTORY_LIMIT + 100 for h in histories)
    assert await disputes.persisted(handle) == state

    # It still acts as the dispute it always was, and every run replays.
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT3, outcome=Outcome.REFUND, summary="Refunded.")
    )
    final = await handle.result()
    assert final.status == Status.RESOLVED and kinds(final)[-1] == "resolved"
    replayer = build_replayer()
    for history in await runs_of(disputes, handle):
        await replayer.replay_workflow(history)
