"""The worker is built as the ``WORKER_*`` settings say, with the sandbox runner the replayer shares."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner

from activities.delivery import Deliveries
from infra.contextless_runner import ContextlessRunner
from infra.delivery_settings import DeliverySettings
from worker import WORKFLOW_RUNNER, build_replayer, build_worker


async def test_the_worker_takes_its_tuning_from_the_worker_settings(
    env: WorkflowEnvironment,
    pg_pool: asyncpg.Pool,
    delivery_settings: DeliverySettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKER_STICKY_TIMEOUT", "90")
    monkeypatch.setenv("WORKER_MAX_CACHED_WORKFLOWS", "50")
    monkeypatch.setenv("WORKER_MAX_CONCURRENT_ACTIVITIES", "3")
    worker = build_worker(env.client, pg_pool, "tuning", Deliveries.from_settings(pg_pool, delivery_settings))

    config = worker.config()
    assert config.get("sticky_queue_schedule_to_start_timeout") == timedelta(seconds=90)
    assert config.get("max_cached_workflows") == 50
    assert config.get("max_concurrent_activities") == 3
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
