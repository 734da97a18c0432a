"""Every recorded history replays on the current workflow code: a change that would break a running
dispute or account change (a non-deterministic change without ``workflow.patched``) fails here.

With the service's data converter: histories written before payloads were encrypted (``v1``-``v7``) are
read as they are, those from ``v8`` on are encrypted under the tests' key (``tests/payload_keys.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from tests.payload_keys import TEST_DATA_CONVERTER
from worker import build_replayer

HISTORIES = {p.stem: p.read_text() for p in sorted((Path(__file__).parent / "histories").glob("*.json"))}


def test_histories_are_recorded() -> None:
    assert len(HISTORIES) >= 5, "run `python -m tests.record_histories` to record histories"


@pytest.mark.parametrize("name", HISTORIES)
async def test_history_replays(name: str) -> None:
    history = WorkflowHistory.from_json(f"dispute-{name}", HISTORIES[name])
    await build_replayer(TEST_DATA_CONVERTER).replay_workflow(history)
