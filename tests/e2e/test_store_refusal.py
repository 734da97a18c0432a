"""A store that refuses a dispute's events for good does not silence it: its clocks go on, operators can find
it (``NeedsAttention``), and once the cause is repaired its events are recorded after all."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.client import Client

from api import dispute_reads
from api.intake import open_dispute
from devstack.processes import Child
from infra.settings import TASK_QUEUE
from tests.factories import dispute_input
from workflows.actions import FlagSellerAction
from workflows.dispute import DisputeWorkflow
from workflows.models import Actor, Role
from workflows.sla_policy import SlaPolicy

# Tier 2 after 2 s; nothing else within the test's reach.
POLICY = SlaPolicy(
    resolution_team_after=timedelta(seconds=2),
    customer_experience_after=timedelta(hours=1),
    findings_due_after=timedelta(hours=1),
    resolution_due_after=timedelta(hours=2),
    seller_response_window=timedelta(hours=1),
)
WITHIN = 20.0  # seconds: generous, for a busy machine
AGENT = Actor(role=Role.AGENT, id="agent-refusal", tier=2)


def trigger_name(seller_id: str) -> str:
    return f"refuse_{seller_id.replace('-', '_').lower()}"


@pytest.fixture
async def refusing_seller(pg_pool: asyncpg.Pool) -> AsyncIterator[str]:
    """A seller whose disputes PostgreSQL refuses to record, as a constraint it cannot meet would."""
    seller_id = f"S-refused-{uuid.uuid4().hex[:8]}"
    name = trigger_name(seller_id)
    await pg_pool.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END $$"
    )
    await pg_pool.execute(
        f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON disputes FOR EACH ROW "
        f"WHEN (NEW.seller_id = '{seller_id}') EXECUTE FUNCTION {name}()"
    )
    try:
        yield seller_id
    finally:
        await pg_pool.execute(f"DROP TRIGGER IF EXISTS {name} ON disputes")
        await pg_pool.execute(f"DROP FUNCTION IF EXISTS {name}()")


async def eventually_listed(client: Client, query: str, workflow_id: str) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WITHIN
    while loop.time() < deadline:
        if workflow_id in [w.id async for w in client.list_workflows(query)]:
            return True
        await asyncio.sleep(0.3)
    return False


async def test_refused_events_leave_the_dispute_running_findable_and_repairable(
    temporal_client: Client, worker: Child, pg_pool: asyncpg.Pool, refusing_seller: str
) -> None:
    now = datetime.now(UTC)
    dispute = dispute_input(now=now, seller_id=refusing_seller, policy=POLICY, prefix="refused-")
    await open_dispute(temporal_client, dispute, TASK_QUEUE)
    handle = dispute_reads.handle_for(temporal_client, dispute.dispute_id)

    # Its clocks go on: it escalates on time although none of its events could be recorded.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WITHIN
    while (state := await handle.query(DisputeWorkflow.state)).tier < 2 or len(state.unrecorded_events) < 2:
        assert loop.time() < deadline, f"stuck at {[e.kind for e in state.history]} {state.unrecorded_events}"
        await asyncio.sleep(0.2)
    assert state.unrecorded_events == [1, 2]  # opened, escalated
    # An action with side effects beyond the store's: the seller's strike is recorded, the events are not.
    flag = FlagSellerAction(actor=AGENT, reason="Refuses to answer.")
    await handle.execute_update(DisputeWorkflow.flag_seller, flag)
    deadline = loop.time() + WITHIN
    while len((state := await handle.query(DisputeWorkflow.state)).unrecorded_events) < 4:
        assert loop.time() < deadline, f"stuck at {[e.kind for e in state.history]} {state.unrecorded_events}"
        await asyncio.sleep(0.2)
    assert state.unrecorded_events == [1, 2, 3, 4]  # ..., seller_flagged, seller_account_changed
    rows = "SELECT count(*) FROM disputes WHERE dispute_id = $1"
    assert await pg_pool.fetchval(rows, dispute.dispute_id) == 0

    # Operators find it by its search attribute.
    query = f"NeedsAttention = true AND SellerId = '{refusing_seller}'"
    assert await eventually_listed(temporal_client, query, handle.id)

    # The cause repaired, the operators' signal records the refused events, and the flag clears.
    await pg_pool.execute(f"DROP TRIGGER {trigger_name(refusing_seller)} ON disputes")
    await handle.signal(DisputeWorkflow.retry_unrecorded)
    deadline = loop.time() + WITHIN
    while (state := await handle.query(DisputeWorkflow.state)).unrecorded_events:
        assert loop.time() < deadline, f"still unrecorded: {state.unrecorded_events}"
        await asyncio.sleep(0.2)
    recorded = await pg_pool.fetch(
        "SELECT seq, kind FROM dispute_events WHERE dispute_id = $1 ORDER BY seq", dispute.dispute_id
    )
    # Each once: repairing an event does not strike the seller, nor change its account, a second time.
    expected = [(1, "opened"), (2, "escalated"), (3, "seller_flagged"), (4, "seller_account_changed")]
    assert [(r["seq"], r["kind"]) for r in recorded] == expected
    assert [e.kind for e in state.history] == [kind for _, kind in expected]
    assert await pg_pool.fetchval("SELECT tier FROM disputes WHERE dispute_id = $1", dispute.dispute_id) == 2
    assert await eventually_listed(
        temporal_client, f"NeedsAttention = false AND SellerId = '{refusing_seller}'", handle.id
    )
    await handle.terminate("test over")
