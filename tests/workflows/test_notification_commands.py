"""A message added to an event changes no workflow command: running disputes replay unchanged.

Since ``deliver-by-event`` (and, for events that already had one, ``persist-in-one-step``) a dispute
schedules one delivery per event, whatever the event's notifications are; before, one activity per
notification, so the same change broke every running dispute's replay (the control case below).
"""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.workflow import NondeterminismError

from tests.test_replay import HISTORIES
from worker import build_replayer
from workflows.events import SILENT_EVENTS, EventKind, NotificationKind, RecipientKind
from workflows.journal import Journal
from workflows.models import HistoryEntry, NotificationRequest


@pytest.fixture
def one_more_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every event that tells anyone also tells operators (as a new template would, once added)."""
    record = Journal.record

    def with_one_more(
        self: Journal, kind: EventKind, *args: Any, notify: Any = None, **kwargs: Any
    ) -> HistoryEntry:
        if kind in SILENT_EVENTS:  # events that tell no one schedule no delivery: the one exception
            return record(self, kind, *args, notify=notify, **kwargs)
        extra = NotificationRequest(
            dispute_id=self._state.dispute_id,
            seq=0,
            kind=NotificationKind.SLA_BREACH,
            recipient_kind=RecipientKind.OPERATORS,
            recipient_ref="operators",
        )
        return record(self, kind, *args, notify=[*(notify or []), extra], **kwargs)

    monkeypatch.setattr(Journal, "record", with_one_more)


async def replay(name: str) -> None:
    await build_replayer().replay_workflow(WorkflowHistory.from_json(f"dispute-{name}", HISTORIES[name]))


# Generation 5 and later: recorded with one delivery activity per event.
@pytest.mark.parametrize("name", [n for n in HISTORIES if int(n[1 : n.index("-")]) >= 5])
@pytest.mark.usefixtures("one_more_message")
async def test_a_message_added_to_events_replays_unchanged(name: str) -> None:
    await replay(name)


@pytest.mark.usefixtures("one_more_message")
async def test_before_one_delivery_per_event_the_same_change_broke_replay() -> None:
    with pytest.raises(NondeterminismError):
        await replay("v3-investigated_and_resolved")
