"""A workflow runner whose payloads are encoded without asking the sandbox which command each belongs to.

With a payload codec, the SDK encodes and decodes every payload of a workflow task with the serialization
context of the command it belongs to, and a sandboxed workflow answers that question from inside its
sandbox: one pass through the sandbox's import machinery per payload, twice (the context, then the
external-storage context). That was a third of the CPU of replaying an investigated dispute in the
sandbox, 59.4 against 39.4 ms (``bench.replay_cpu``).

A data converter that takes no context (``with_context`` returns it unchanged: ours) encodes every
payload the same whatever the context, so this runner answers "no context" (the ``WorkflowInstance``
contract's ``None``) and the workflow's own storage context, without entering the sandbox. Everything
else goes to the wrapped runner's instance.
"""

from __future__ import annotations

from typing import Any

import temporalio.converter
import temporalio.workflow
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    StorageDriverStoreContext,
    StorageDriverWorkflowInfo,
    WorkflowSerializationContext,
)
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner


def takes_no_context(converter: DataConverter) -> bool:
    """Whether ``converter`` encodes alike in every serialization context: no part of it takes one, and
    no external storage, which would store each payload by its command."""
    contexts = (
        WorkflowSerializationContext(namespace="default", workflow_id="w"),
        ActivitySerializationContext(
            namespace="default",
            workflow_id="w",
            workflow_type="W",
            activity_type="a",
            activity_id="1",
            activity_task_queue="q",
            is_local=False,
        ),
    )
    unchanged = all(converter.with_context(context) is converter for context in contexts)
    return unchanged and converter.external_storage is None


class ContextlessRunner(WorkflowRunner):
    """``inner``'s instances, asked no serialization context. Only for a converter that takes none."""

    def __init__(self, inner: WorkflowRunner) -> None:
        super().__init__()
        self.inner = inner

    def prepare_workflow(self, defn: Any) -> None:
        self.inner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Contextless(self.inner.create_instance(det), det.info)

    def set_worker_level_failure_exception_types(self, types: Any) -> None:
        self.inner.set_worker_level_failure_exception_types(types)


class _Contextless(WorkflowInstance):
    def __init__(self, inner: WorkflowInstance, info: temporalio.workflow.Info) -> None:
        self._inner = inner
        self._store = StorageDriverStoreContext(
            target=StorageDriverWorkflowInfo(
                id=info.workflow_id, run_id=info.run_id, type=info.workflow_type, namespace=info.namespace
            )
        )

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self._inner.activate(act)

    def get_serialization_context(
        self, command_info: Any
    ) -> temporalio.converter.SerializationContext | None:
        return None

    def get_external_store_context(self, command_info: Any) -> StorageDriverStoreContext:
        return self._store

    def get_info(self) -> temporalio.workflow.Info:
        return self._inner.get_info()

    def get_thread_id(self) -> int | None:
        return self._inner.get_thread_id()
