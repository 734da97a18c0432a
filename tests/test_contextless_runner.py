"""The worker's sandboxed runner encodes payloads without entering the sandbox to ask which command each
belongs to, and only for a data converter that encodes alike whatever the answer."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Self

import pytest
from temporalio.client import WorkflowHistory
from temporalio.converter import SerializationContext, WithSerializationContext
from temporalio.worker import Replayer, WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from infra.codec import EncryptionCodec
from infra.contextless_runner import ContextlessRunner, takes_no_context
from tests.payload_keys import TEST_DATA_CONVERTER, TEST_KEYS
from worker import WORKFLOW_RUNNER, WORKFLOWS, build_replayer, workflow_runner

HISTORY = Path(__file__).parent / "histories" / "v11-investigated_and_resolved.json"


class KeyedByWorkflow(EncryptionCodec, WithSerializationContext):
    """A codec that would encrypt each workflow's payloads under a key of its own: it needs the context."""

    def with_context(self, context: SerializationContext) -> Self:
        return type(self)(TEST_KEYS)


def test_the_services_converter_takes_no_context_and_the_worker_skips_asking() -> None:
    assert takes_no_context(TEST_DATA_CONVERTER)
    assert isinstance(workflow_runner(True, TEST_DATA_CONVERTER), ContextlessRunner)


def test_a_converter_that_takes_context_keeps_the_sandbox_answering() -> None:
    keyed = dataclasses.replace(TEST_DATA_CONVERTER, payload_codec=KeyedByWorkflow(TEST_KEYS))
    assert not takes_no_context(keyed)
    assert workflow_runner(True, keyed) is WORKFLOW_RUNNER
    stored = dataclasses.replace(TEST_DATA_CONVERTER, external_storage=object())  # type: ignore[arg-type]
    assert not takes_no_context(stored)


async def test_a_dispute_replays_without_entering_the_sandbox_for_its_payloads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[Any] = []
    create = SandboxedWorkflowRunner.create_instance

    def counted(self: SandboxedWorkflowRunner, det: WorkflowInstanceDetails) -> WorkflowInstance:
        instance = create(self, det)
        answer = instance.get_serialization_context

        def asking(command_info: Any) -> SerializationContext | None:
            asked.append(command_info)
            return answer(command_info)

        monkeypatch.setattr(instance, "get_serialization_context", asking)
        return instance

    monkeypatch.setattr(SandboxedWorkflowRunner, "create_instance", counted)
    history = WorkflowHistory.from_json("dispute", HISTORY.read_text())

    await build_replayer(TEST_DATA_CONVERTER).replay_workflow(history)
    assert asked == []

    # The sandbox alone is asked for every payload of every task.
    await Replayer(
        workflows=WORKFLOWS, data_converter=TEST_DATA_CONVERTER, workflow_runner=WORKFLOW_RUNNER
    ).replay_workflow(history)
    assert len(asked) > 50
