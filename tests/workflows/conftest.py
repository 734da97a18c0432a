"""Time-skipping fixtures: each test gets its own test server (time is global to one), real activities
on the session's PostgreSQL, and a worker on its own task queue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from activities.delivery import Deliveries
from infra.binaries import find_binary
from infra.delivery_settings import DeliverySettings
from infra.temporal import DATA_CONVERTER
from tests.workflows.driver import Disputes
from worker import build_worker
from workflows import search_attributes as sa


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"), data_converter=DATA_CONVERTER
    )
    try:
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={
                    key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in sa.ALL
                },
            )
        )
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
