"""A dispute nobody acts on climbs to tier 3 on real timers, in the workflow and in the read model."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from temporalio.client import Client, WorkflowHandle

from devstack.processes import Child
from infra.settings import TASK_QUEUE, SlaSettings
from tests.factories import dispute_input
from workflows.dispute import DisputeWorkflow
from workflows.models import Channel, DisputeState, Status

TIMEOUT = 30.0  # seconds; tier 3 is due 6 s after first contact


async def poll_state(handle: WorkflowHandle[DisputeWorkflow, DisputeState], worker: Child) -> DisputeState:
    assert worker.returncode is None, f"the worker died:\n{worker.log_tail()}"
    return await handle.query(DisputeWorkflow.state)


async def test_an_untouched_dispute_reaches_tier_3_by_real_timers(
    temporal_client: Client,
    worker: Child,
    database_url: str,
    sla_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in sla_env.items():
        monkeypatch.setenv(name, value)
    dispute = dispute_input(prefix="e2e-", channel=Channel.CHAT, policy=SlaSettings().policy())
    dispute_id = dispute.dispute_id
    handle = await temporal_client.start_workflow(
        DisputeWorkflow.run, dispute, id=f"dispute-{dispute_id}", task_queue=TASK_QUEUE
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    try:
        tiers_seen: list[int] = []
        while (state := await poll_state(handle, worker)).tier < 3:
            if state.tier not in tiers_seen:
                tiers_seen.append(state.tier)
            assert loop.time() < deadline, f"still at tier {state.tier} after {TIMEOUT} s"
            await asyncio.sleep(0.2)
        assert tiers_seen == [1, 2], "the dispute should climb one tier at a time"
        assert state.status == Status.OPEN

        # The read model catches up once the workflow has persisted its events.
        conn = await asyncpg.connect(database_url)
        try:
            while True:
                state = await poll_state(handle, worker)
                row = await conn.fetchrow(
                    "SELECT tier, revision FROM disputes WHERE dispute_id = $1", dispute_id
                )
                if row is not None and row["revision"] == state.history[-1].seq:
                    break
                assert loop.time() < deadline, f"read model behind: {row} vs revision {state.history[-1].seq}"
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
        assert (row["tier"], state.tier) == (3, 3)
    finally:
        await handle.terminate("end of the test")
