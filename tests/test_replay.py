"""Every recorded history replays on the current workflow code: a change that would break a running
dispute or account change (a non-deterministic change without ``workflow.patched``) fails here.

With the service's data converter: histories written before payloads were encrypted (``v1``-``v7``) are
read as they are, those from ``v9`` on are encrypted under the tests' key (``tests/payload_keys.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from infra.payload_keys import PayloadKeyError, new_key, parse_keys
from infra.temporal import data_converter
from tests.payload_keys import TEST_DATA_CONVERTER, TEST_KEYS
from worker import build_replayer

HISTORIES = {p.stem: p.read_text() for p in sorted((Path(__file__).parent / "histories").glob("*.json"))}


def test_histories_are_recorded() -> None:
    assert len(HISTORIES) >= 5, "run `python -m tests.record_histories` to record histories"


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "unsandboxed"])
@pytest.mark.parametrize("name", HISTORIES)
async def test_history_replays(name: str, sandbox: bool) -> None:
    """In the sandbox and without it (``WORKER_SANDBOX=false``): the same commands either way."""
    history = WorkflowHistory.from_json(f"dispute-{name}", HISTORIES[name])
    await build_replayer(TEST_DATA_CONVERTER, sandbox=sandbox).replay_workflow(history)


ENCRYPTED = "v9-investigated_and_resolved"


def test_recent_histories_are_encrypted() -> None:
    assert '"YmluYXJ5L2VuY3J5cHRlZA=="' in HISTORIES[ENCRYPTED]  # encoding: binary/encrypted
    assert "Salma" not in HISTORIES[ENCRYPTED] and "U2FsbWE" not in HISTORIES[ENCRYPTED]  # the name, base64


async def test_a_history_replays_after_a_new_key_is_added_first() -> None:
    rotated = data_converter([*parse_keys(new_key("next"), "test"), *TEST_KEYS])
    history = WorkflowHistory.from_json(f"dispute-{ENCRYPTED}", HISTORIES[ENCRYPTED])
    await build_replayer(rotated).replay_workflow(history)


async def test_without_its_key_an_encrypted_history_does_not_replay() -> None:
    other = data_converter(parse_keys(new_key("other"), "test"))
    history = WorkflowHistory.from_json(f"dispute-{ENCRYPTED}", HISTORIES[ENCRYPTED])
    with pytest.raises(RuntimeError, match=PayloadKeyError.__name__):  # the task fails: the dispute waits
        await build_replayer(other).replay_workflow(history)
