"""A dispute's reference is data only: a dispute started with one runs the very same commands.

Each recorded dispute history of the newest generation in clear is replayed with a reference added to its
start input, as the API now starts disputes: any command the reference added or changed would fail the
replay.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from temporalio.client import WorkflowHistory

from tests.test_replay import HISTORIES
from worker import build_replayer


def _started(history_json: str) -> dict[str, Any]:
    started: dict[str, Any] = json.loads(history_json)["events"][0]["workflowExecutionStartedEventAttributes"]
    return started


def _in_clear(history_json: str) -> bool:
    """Recorded before payload encryption: the start input is JSON this test can edit."""
    metadata = _started(history_json)["input"]["payloads"][0]["metadata"]
    return base64.b64decode(metadata["encoding"]) == b"json/plain"


CLEAR = {name: text for name, text in HISTORIES.items() if _in_clear(text)}
NEWEST = max(int(name.split("-", 1)[0].removeprefix("v")) for name in CLEAR)
CURRENT = [
    name
    for name, text in CLEAR.items()
    if name.startswith(f"v{NEWEST}-") and _started(text)["workflowType"]["name"] == "DisputeWorkflow"
]


def with_reference(history_json: str, reference: str) -> str:
    history = json.loads(history_json)
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]
    payload = started["input"]["payloads"][0]
    dispute = json.loads(base64.b64decode(payload["data"]))
    assert dispute.get("reference") is None  # recorded without a reference (the driver starts none)
    payload["data"] = base64.b64encode(json.dumps(dispute | {"reference": reference}).encode()).decode()
    return json.dumps(history)


def test_there_are_current_histories() -> None:
    assert CURRENT


@pytest.mark.parametrize("name", CURRENT)
async def test_a_dispute_with_a_reference_replays_its_history_unchanged(name: str) -> None:
    history = WorkflowHistory.from_json(f"dispute-{name}", with_reference(HISTORIES[name], "J24-7KX4M2QJ"))
    await build_replayer().replay_workflow(history)
