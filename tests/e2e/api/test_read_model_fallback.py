"""With no worker running, ``GET /disputes/{id}`` still answers, from the read model, and says so."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from api import dispute_reads
from api.app import create_app
from api.dispute_reads import handle_for
from api.views import render
from devstack.processes import Child
from tests.delivery.servers import SmtpSink
from tests.e2e.api.conftest import Keys, api_settings
from tests.e2e.api.helpers import act, auth, eventually, get, open_dispute
from tests.e2e.conftest import NAMESPACE, ROOT, worker_env
from workflows.sla_policy import SlaPolicy


@dataclass
class Stack:
    http: httpx.AsyncClient
    worker: Child


async def _polling(client: Client, queue: str, worker: Child) -> bool:
    assert worker.returncode is None, worker.log_tail()
    request = DescribeTaskQueueRequest(
        namespace=NAMESPACE,
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    return bool((await client.workflow_service.describe_task_queue(request)).pollers)


@pytest.fixture
async def own_stack(
    temporal_dev_server: str,
    temporal_client: Client,
    database_url: str,
    mail_server: SmtpSink,
    tmp_path: Path,
) -> AsyncIterator[Stack]:
    """An API and a worker of their own, on a task queue nobody else polls, so the test may stop it."""
    queue = f"disputes-{uuid.uuid4().hex[:8]}"
    env = worker_env(temporal_dev_server, database_url, mail_server, TASK_QUEUE=queue)
    worker = Child(
        "worker", [sys.executable, "worker.py"], env=env, cwd=ROOT, log_file=tmp_path / "worker.log"
    )
    app = create_app(api_settings(temporal_dev_server, database_url, queue), policy=SlaPolicy())
    transport = httpx.ASGITransport(app=app)
    async with (
        worker,
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=30) as http,
    ):
        await eventually(lambda: _polling(temporal_client, queue, worker), within=30)
        yield Stack(http, worker)


async def test_a_dispute_reads_from_the_read_model_while_no_worker_runs(
    own_stack: Stack, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    http = own_stack.http
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    escalated = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Complex case."})
    assert escalated.status_code == 200, escalated.text
    live = escalated.json()

    async def caught_up() -> bool:
        revision = await pg_pool.fetchval("SELECT revision FROM disputes WHERE dispute_id = $1", dispute_id)
        return bool(revision == live["revision"])

    await eventually(caught_up)
    assert await own_stack.worker.stop() == 0

    view = await get(http, keys.operator, dispute_id)
    assert (view["source"], view["stale"], view["revision"]) == ("read_model", True, live["revision"])
    assert view["as_of"]
    for same in ("status", "tier", "deadlines", "history", "customer", "seller_efforts"):
        assert view[same] == live[same], same
    assert view["customer"]["phone"] == "+212539420142"

    # A seller still sees only what a seller may; lists come from the read model anyway.
    seller_view = await get(http, keys.seller, dispute_id)
    assert (seller_view["source"], seller_view["stale"]) == ("read_model", True)
    assert "customer" not in seller_view and seller_view["description"] == live["description"]
    listed = await http.get("/disputes", params={"seller_id": keys.seller_id}, headers=auth(keys.operator))
    assert dispute_id in {item["dispute_id"] for item in listed.json()["items"]}


async def test_a_dispute_nobody_has_picked_up_yet_is_503_not_404(own_stack: Stack, keys: Keys) -> None:
    assert await own_stack.worker.stop() == 0
    dispute_id = (await open_dispute(own_stack.http, keys))["dispute_id"]
    response = await asyncio.wait_for(
        own_stack.http.get(f"/disputes/{dispute_id}", headers=auth(keys.operator)), 10
    )
    assert response.status_code == 503
    assert "no worker" in response.json()["detail"]
    # Its seller learns the same; another seller learns nothing.
    mine = await own_stack.http.get(f"/disputes/{dispute_id}", headers=auth(keys.seller))
    assert mine.status_code == 503
    theirs = await own_stack.http.get(f"/disputes/{dispute_id}", headers=auth(keys.other_seller))
    assert theirs.status_code == 403


async def test_a_closed_dispute_is_answered_whole_without_a_worker(
    own_stack: Stack, keys: Keys, temporal_client: Client
) -> None:
    http = own_stack.http
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    findings = {"findings": "The parcel was lost."}
    assert (await act(http, keys.agent2, dispute_id, "findings", findings)).status_code == 200
    body = {"outcome": "refund", "summary": "Refunded in full."}
    assert (await act(http, keys.agent2, dispute_id, "resolve", body)).status_code == 200
    # What the workflow itself answered last: its result, once it has ended.
    final = await asyncio.wait_for(handle_for(temporal_client, dispute_id).result(), 30)
    assert await own_stack.worker.stop() == 0

    view = await asyncio.wait_for(get(http, keys.operator, dispute_id), 1.5)  # no wait for a worker

    assert (view["source"], view["stale"]) == ("read_model", False)
    contact = await dispute_reads.contact(temporal_client, dispute_id)
    expected = render(final, contact=contact).model_dump(mode="json")
    # The notifications' outcomes come from the outbox, and what intake found of the seller from intake's
    # record, not from the workflow's state.
    ours = ("source", "as_of", "notifications", "seller_status_at_intake")
    answer = {k: v for k, v in view.items() if k not in ours}
    assert answer == {k: v for k, v in expected.items() if k not in ours}
    assert view["seller_status_at_intake"] == "active"
    assert [n["kind"] for n in view["notifications"]] == [
        "acknowledgement",
        "complaint_notice",
        "findings",
        "resolved",
    ]
    assert view["findings"] == "The parcel was lost." and view["resolution"]["outcome"] == "refund"
