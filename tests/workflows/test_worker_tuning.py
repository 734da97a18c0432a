"""The worker is built as the ``WORKER_*`` settings say, with the sandbox runner the replayer shares."""

from __future__ import annotations

import importlib
from datetime import timedelta
from types import ModuleType

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner

from activities.delivery import Deliveries
from infra.contextless_runner import ContextlessRunner
from infra.delivery_settings import DeliverySettings
from worker import PASSED_THROUGH, WORKFLOW_RUNNER, WORKFLOWS, build_replayer, build_worker


async def test_the_worker_takes_its_tuning_from_the_worker_settings(
    env: WorkflowEnvironment,
    pg_pool: asyncpg.Pool,
    delivery_settings: DeliverySettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKER_STICKY_TIMEOUT", "90")
    monkeypatch.setenv("WORKER_MAX_CACHED_WORKFLOWS", "50")
    monkeypatch.setenv("WORKER_MAX_CONCURRENT_ACTIVITIES", "3")
    monkeypatch.setenv("WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", "7")
    worker = build_worker(env.client, pg_pool, "tuning", Deliveries.from_settings(pg_pool, delivery_settings))

    config = worker.config()
    assert config.get("sticky_queue_schedule_to_start_timeout") == timedelta(seconds=90)
    assert config.get("max_cached_workflows") == 50
    assert config.get("max_concurrent_activities") == 3
    assert config.get("max_concurrent_workflow_tasks") == 7
    for runner in (config.get("workflow_runner"), build_replayer().config().get("workflow_runner")):
        assert isinstance(runner, ContextlessRunner) and runner.inner is WORKFLOW_RUNNER


async def test_worker_sandbox_false_runs_workflows_without_the_sandbox(
    env: WorkflowEnvironment,
    pg_pool: asyncpg.Pool,
    delivery_settings: DeliverySettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKER_SANDBOX", "false")
    worker = build_worker(env.client, pg_pool, "plain", Deliveries.from_settings(pg_pool, delivery_settings))

    assert isinstance(worker.config().get("workflow_runner"), UnsandboxedWorkflowRunner)
    assert isinstance(
        build_replayer(sandbox=False).config().get("workflow_runner"), UnsandboxedWorkflowRunner
    )


def test_every_module_a_workflow_imports_is_passed_through_the_sandbox() -> None:
    # Each run imports its workflow's module afresh in a sandbox of its own, and with it every module
    # that one imports and the sandbox does not pass through: the models' schemas rebuilt for every
    # new dispute were most of the worker's CPU. What passed-through modules import comes from the worker.
    definitions = {workflow.__module__ for workflow in WORKFLOWS}
    imported: set[str] = set()
    for name in definitions:
        for value in vars(importlib.import_module(name)).values():
            module = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", "")
            if isinstance(module, str) and module.startswith("workflows.") and module not in definitions:
                imported.add(module)

    assert imported, "found no module the workflows import"
    assert imported - set(PASSED_THROUGH) == set()
