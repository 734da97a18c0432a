"""The daily erasure on a real dev server and worker: ``python worker.py`` creates the schedule at start,
starting again leaves one schedule, and a triggered run erases what the retention let expire."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.client import Client, ScheduleActionStartWorkflow

from devstack.processes import Child
from infra.retention import ensure_erasure_schedule
from infra.settings import TASK_QUEUE
from tests.activities.erasure_factories import personal, rows_text, store_dispute
from workflows.retention import ERASURE_SCHEDULE_ID, ERASURE_WORKFLOW


async def _schedule_ids(client: Client) -> list[str]:
    return [entry.id async for entry in await client.list_schedules()]


async def test_the_worker_creates_one_schedule_whose_run_erases_what_expired(
    temporal_client: Client, worker: Child, pg_pool: asyncpg.Pool
) -> None:
    # The worker made it as it started; two more starts find it and leave it one.
    handle = temporal_client.get_schedule_handle(ERASURE_SCHEDULE_ID)
    described = await handle.describe()
    await ensure_erasure_schedule(temporal_client, TASK_QUEUE)
    await ensure_erasure_schedule(temporal_client, TASK_QUEUE)
    ids = await _schedule_ids(temporal_client)
    assert ids.count(ERASURE_SCHEDULE_ID) == 1
    action = (await handle.describe()).schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.task_queue) == (ERASURE_WORKFLOW, TASK_QUEUE)
    assert (
        await handle.describe()
    ).schedule.spec.cron_expressions == described.schedule.spec.cron_expressions

    now = datetime.now(UTC)
    texts = personal("scheduled")
    expired = await store_dispute(pg_pool, now - timedelta(days=900), now - timedelta(days=800), texts)

    await handle.trigger()

    for _ in range(300):
        erased_at = await pg_pool.fetchval("SELECT erased_at FROM disputes WHERE dispute_id = $1", expired)
        if erased_at is not None:
            break
        await asyncio.sleep(0.1)
    assert erased_at is not None, "the triggered run did not erase the expired dispute"
    held = await rows_text(pg_pool, expired)
    assert [name for name, text in texts.items() if text in held] == []
    assert (await handle.describe()).info.num_actions >= 1
