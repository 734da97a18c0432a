"""Time-skipping fixtures: each test gets its own test server (time is global to one), real activities
on the session's PostgreSQL, and a worker on its own task queue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.delivery import Deliveries
from infra.delivery_settings import DeliverySettings
from tests.workflows.driver import Disputes, time_skipping_env
from worker import build_worker


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    env = await time_skipping_env()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def disputes(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, delivery_settings: DeliverySettings
) -> AsyncIterator[Disputes]:
    task_queue = f"disputes-{uuid.uuid4().hex[:8]}"
    deliveries = Deliveries.from_settings(pg_pool, delivery_settings)
    async with build_worker(env.client, pg_pool, task_queue, deliveries):
        yield Disputes(env, pg_pool, task_queue)
