"""``python worker.py`` serves Prometheus metrics on METRICS_BIND: the SDK's worker metrics, the
dispute counters the workflow emits, and its event loop's lag."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from devstack.processes import Child, free_port
from tests.delivery.servers import SmtpSink
from tests.e2e.conftest import NAMESPACE, ROOT, WORKER_START_TIMEOUT
from tests.factories import dispute_input
from workflows.dispute import DisputeWorkflow
from workflows.models import Channel

TIMEOUT = 20.0  # seconds
# Some of the SDK's own worker metrics: the first two appear once a workflow task and a local activity (an
# event persisted, its notifications' first attempt) ran.
SDK = (
    "temporal_workflow_task_execution_latency_count",
    "temporal_local_activity_execution_latency_count",
    "temporal_workflow_task_schedule_to_start_latency_count",
)
LOOP_LAG = "worker_event_loop_lag_count"


@dataclass
class MeteredWorker:
    child: Child
    task_queue: str
    metrics_url: str


async def _until(check: Callable[[], Awaitable[bool]], what: str, worker: Child, within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert worker.returncode is None, f"the worker exited:\n{worker.log_tail()}"
        assert loop.time() < deadline, f"{what} not within {within} s:\n{worker.log_tail()}"
        await asyncio.sleep(0.1)


@pytest.fixture
async def metered_worker(
    temporal_dev_server: str,
    temporal_client: Client,
    database_url: str,
    mail_server: SmtpSink,
    tmp_path: Path,
) -> AsyncIterator[MeteredWorker]:
    """The real worker on a task queue of its own, serving metrics on a free port."""
    queue = f"metrics-{uuid.uuid4().hex[:8]}"
    bind = f"127.0.0.1:{free_port()}"
    env = os.environ | {
        "TEMPORAL_ADDRESS": temporal_dev_server,
        "TEMPORAL_NAMESPACE": NAMESPACE,
        "DATABASE_URL": database_url,
        "TASK_QUEUE": queue,
        "METRICS_BIND": bind,
        "PYTHONUNBUFFERED": "1",
        "SELLER_WEBHOOK_URL": "",
        "ALERTS_WEBHOOK_URL": "",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail_server.port),
        "SMTP_TLS": "none",
    }
    child = Child(
        "worker", [sys.executable, "worker.py"], env=env, cwd=ROOT, log_file=tmp_path / "worker.log"
    )
    request = DescribeTaskQueueRequest(
        namespace=NAMESPACE,
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )

    async def polling() -> bool:
        return bool((await temporal_client.workflow_service.describe_task_queue(request)).pollers)

    async with child:
        await _until(polling, "polling", child, WORKER_START_TIMEOUT)
        yield MeteredWorker(child, queue, f"http://{bind}/metrics")
        code = await child.stop()
        assert code == 0, f"the worker exited with code {code}:\n{child.log_tail()}"


def _value(text: str, line_start: str) -> float:
    """The sum of the samples whose line starts with ``line_start`` (0 if none)."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start))


async def test_the_worker_serves_sdk_and_dispute_metrics(
    metered_worker: MeteredWorker, temporal_client: Client
) -> None:
    dispute = dispute_input(prefix="metrics-", channel=Channel.EMAIL)
    dispute_id = dispute.dispute_id
    handle = await temporal_client.start_workflow(
        DisputeWorkflow.run, dispute, id=f"dispute-{dispute_id}", task_queue=metered_worker.task_queue
    )
    text = ""
    try:
        async with httpx.AsyncClient(timeout=5) as http:

            async def all_reported() -> bool:
                """The opening counted, and the workflow task and the first local activity done."""
                nonlocal text
                text = (await http.get(metered_worker.metrics_url)).text
                return _value(text, 'disputes_opened{channel="email"') >= 1 and all(
                    name in text for name in (*SDK, LOOP_LAG)
                )

            what = f"disputes_opened, {SDK} and {LOOP_LAG}"
            await _until(all_reported, what, metered_worker.child, TIMEOUT)
    finally:
        await handle.terminate("end of the test")

    # The counter is this worker's own: one dispute opened on its queue, by e-mail.
    assert _value(text, 'disputes_opened{channel="email"') == 1
    assert "# TYPE disputes_opened counter" in text
    # The SDK's own worker metrics are there too, labelled with the task queue.
    assert 'temporal_worker_task_slots_available{namespace="default",' in text
    assert f'task_queue="{metered_worker.task_queue}"' in text
    # The worker's own event loop, watched since it started polling.
    assert "# TYPE worker_event_loop_lag histogram" in text
    assert _value(text, LOOP_LAG) >= 1
