"""End-to-end fixtures: the real Temporal dev server and the real worker process, on real PostgreSQL.

The SLA is compressed to seconds so that the policy's timers fire during a test.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from devstack.processes import STOP_GRACE, Child, free_port
from devstack.temporal_dev import TemporalDevServer
from infra.delivery_settings import DeliverySettings
from infra.settings import TASK_QUEUE, Settings
from infra.temporal import connect
from tests.delivery.servers import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "default"
WORKER_START_TIMEOUT = 30.0  # seconds

# Seconds. Tier 2 at 3 s, tier 3 at 6 s; the seller is reminded at 2 s and fails at 4 s;
# the breach (30 s) stays beyond a test's reach.
SLA_ENV = {
    "SLA_RESOLUTION_TEAM_AFTER": "3",
    "SLA_CUSTOMER_EXPERIENCE_AFTER": "6",
    "SLA_FINDINGS_DUE_AFTER": "6",
    "SLA_RESOLUTION_DUE_AFTER": "30",
    "SLA_SELLER_RESPONSE_WINDOW": "2",
    "SLA_BREACH_REMINDER_EVERY": "30",
}


@pytest.fixture(scope="session")
def sla_env() -> dict[str, str]:
    return dict(SLA_ENV)


@pytest.fixture(scope="session")
async def temporal_dev(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TemporalDevServer]:
    """A headless dev server on a free port, its state in a temporary file (``db_file``)."""
    folder = tmp_path_factory.mktemp("temporal")
    server = TemporalDevServer(
        folder / "temporal.db", port=free_port(), ui_port=None, log_file=folder / "temporal.log"
    )
    async with server:
        yield server


@pytest.fixture(scope="session")
def temporal_dev_server(temporal_dev: TemporalDevServer) -> str:
    """The dev server's address."""
    return temporal_dev.address


@pytest.fixture(scope="session")
async def temporal_client(temporal_dev_server: str) -> Client:
    return await connect(Settings(temporal_address=temporal_dev_server, temporal_namespace=NAMESPACE))


def worker_env(temporal_address: str, database_url: str, smtp: SmtpSink, **more: str) -> dict[str, str]:
    """``python worker.py``'s environment: e-mail to ``smtp``, no webhooks, no metrics port, then ``more``."""
    return os.environ | {
        "TEMPORAL_ADDRESS": temporal_address,
        "TEMPORAL_NAMESPACE": NAMESPACE,
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_TLS": "none",
        "SELLER_WEBHOOK_URL": "",
        "ALERTS_WEBHOOK_URL": "",
        "METRICS_BIND": "",  # no fixed port: sessions may run side by side (tests/e2e/test_worker_metrics.py)
        **more,
    }


async def wait_until_polling(client: Client, worker: Child, task_queue: str = TASK_QUEUE) -> None:
    """Timers count from first contact: a test must not start its clock before a worker polls."""
    request = DescribeTaskQueueRequest(
        namespace=NAMESPACE,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WORKER_START_TIMEOUT
    while not (await client.workflow_service.describe_task_queue(request)).pollers:
        assert worker.returncode is None, f"the worker exited while starting:\n{worker.log_tail()}"
        assert loop.time() < deadline, f"the worker is not polling:\n{worker.log_tail()}"
        await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
async def worker(
    temporal_dev_server: str,
    temporal_client: Client,
    database_url: str,
    sla_env: dict[str, str],
    mail_server: SmtpSink,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Child]:
    """``python worker.py`` as the service runs it; stopped with SIGTERM, it must exit with 0."""
    env = worker_env(temporal_dev_server, database_url, mail_server, **sla_env)
    log_file = tmp_path_factory.mktemp("worker") / "worker.log"
    child = Child("worker", [sys.executable, "worker.py"], env=env, cwd=ROOT, log_file=log_file)
    async with child:
        await wait_until_polling(temporal_client, child)
        yield child
        # It finishes the sends under way first, as long as its timeouts allow.
        code = await child.stop(DeliverySettings().longest_attempt.total_seconds() + STOP_GRACE)
        assert code == 0, f"the worker exited with code {code}:\n{child.log_tail()}"
