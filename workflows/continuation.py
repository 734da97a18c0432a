"""Keeping a long-open dispute's history short: when to continue as new, and what the next run carries."""

from __future__ import annotations

from typing import NoReturn

from temporalio import workflow

from workflows.models import Continuation, DisputeInput, DisputeState, PendingEvent

# A dispute continues as new once its history is this long: ~40 days of breach reminders, far below
# Temporal's warning (10 240 events) and limit (51 200), so a replay after a cache eviction stays cheap.
HISTORY_LIMIT = 1_000


def history_is_long() -> bool:
    info = workflow.info()
    return info.get_current_history_length() >= HISTORY_LIMIT or info.is_continue_as_new_suggested()


def continue_as_new(
    input: DisputeInput, state: DisputeState, applied: set[str], unrecorded: list[PendingEvent]
) -> NoReturn:
    """The next run starts from this one's state (clocks, answers, applied update ids, unrecorded
    events), under the same id and search attributes."""
    continuation = Continuation(state=state, applied_updates=sorted(applied), unrecorded=unrecorded)
    workflow.logger.info(
        "dispute %s: continuing as new after %d history events",
        state.dispute_id,
        workflow.info().get_current_history_length(),
    )
    workflow.continue_as_new(
        input.model_copy(update={"continued": continuation}),
        search_attributes=workflow.info().typed_search_attributes,
    )
