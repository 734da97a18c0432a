"""The stack a benchmark runs against: ``make run``'s processes, on free ports and a data folder of its own.

Every benchmark starts one (``python -m devstack``, the same command ``make run`` runs) so that its
figures and the bare baseline it compares them to come from the same servers in the same run, and stops
it at the end. It also reads what the benchmarks measure from outside: process memory and CPU.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from bench.stats import run_concurrently
from devstack.postgres import start_embedded
from devstack.processes import Child, free_port
from devstack.stack import payload_key_settings
from infra.postgres import create_pool
from infra.settings import TASK_QUEUE, Settings
from infra.temporal import configured_data_converter, connect

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 120.0  # seconds; a restart on many open disputes takes a while
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Stack:
    data: Path
    api: str
    client: Client
    pool: asyncpg.Pool
    keys: dict[str, str]
    log: Path
    pids: dict[str, int] = field(default_factory=dict)  # name ("temporal", "worker-1", "api", ...) -> pid
    worker_metrics: list[str] = field(default_factory=list)  # each worker process's /metrics

    def workers(self) -> list[int]:
        return [pid for name, pid in self.pids.items() if name.startswith("worker")]


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (the Temporal CLI runs the server as its child)."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total / 1024


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU time used so far by ``pid``; with ``children``, also by its descendants, those
    running and those it has waited for (PostgreSQL's backends, the Temporal CLI's server)."""
    pids = [pid, *_children(pid)] if children else [pid]
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # ended since it was listed
            continue
        total += int(fields[11]) + int(fields[12])
        if children:
            total += int(fields[13]) + int(fields[14])
    return total / CLOCK_TICKS


def postgres_pid(stack: Stack) -> int:
    """The stack's PostgreSQL server (its postmaster, parent of every backend)."""
    [pid_file] = (stack.data / "postgres").rglob("postmaster.pid")
    return int(pid_file.read_text().split()[0])


def cpu_by_process(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each of the stack's processes (the workers summed), and this one's."""
    found = {"workers": sum(cpu_seconds(pid) for pid in stack.workers())}
    for name in ("temporal", "api", "mailbox"):
        if name in stack.pids:
            found[name] = cpu_seconds(stack.pids[name], children=True)
    found["postgres"] = cpu_seconds(postgres_pid(stack), children=True)
    found["benchmark"] = time.process_time()
    return found


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            found += [int(c) for c in children.read_text().split()]
    return found + [grandchild for child in found for grandchild in _children(child)]


def database_size_mb(stack: Stack) -> float:
    return sum(f.stat().st_size for f in (stack.data / "postgres").rglob("*") if f.is_file()) / 2**20


def temporal_db_mb(stack: Stack) -> float:
    return sum(f.stat().st_size for f in stack.data.glob("temporal.db*")) / 2**20


@asynccontextmanager
async def local_stack(workers: int = 1, env: dict[str, str] | None = None) -> AsyncIterator[Stack]:
    """A running stack with ``workers`` worker processes in a temporary folder; ``env`` adds settings."""
    with tempfile.TemporaryDirectory(prefix="disputes-bench-") as folder:
        async with stack_at(Path(folder), workers, env) as stack:
            yield stack


@asynccontextmanager
async def stack_at(
    folder: Path, workers: int = 1, env: dict[str, str] | None = None, log_name: str = "devstack.log"
) -> AsyncIterator[Stack]:
    """The stack keeping its data in ``folder``/data: started again on the same folder, it picks up
    every dispute, as ``make run`` does."""
    data, log = folder / "data", folder / log_name
    names = ("API_PORT", "TEMPORAL_PORT", "TEMPORAL_UI_PORT", "MAILBOX_PORT", "WORKER_METRICS_PORT")
    ports = {name: free_port() for name in names}
    child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    child_env |= {name: str(port) for name, port in ports.items()} | (env or {})
    child_env |= {"DEVSTACK_DATA_DIR": str(data), "WORKERS": str(workers), "PYTHONUNBUFFERED": "1"}
    argv = [sys.executable, "-m", "devstack"]
    async with Child("devstack", argv, env=child_env, cwd=ROOT, log_file=log) as devstack:
        api = f"http://127.0.0.1:{ports['API_PORT']}"
        await _wait_until_up(devstack, api)
        keys = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (data / "local-keys.env").read_text().splitlines()
        )
        started = re.findall(r"devstack: (\S+) started \(pid (\d+)\)", log.read_text())
        pids = {name: int(pid) for name, pid in started}
        client = await connect(
            Settings(temporal_address=f"127.0.0.1:{ports['TEMPORAL_PORT']}"),
            converter=configured_data_converter(payload_key_settings(data)),  # the stack's own keys
        )
        await wait_for_pollers(client, workers)
        pool = await create_pool(start_embedded(data / "postgres", cleanup=None), max_size=4)
        try:
            first = ports["WORKER_METRICS_PORT"]  # the workers' are consecutive (devstack.settings)
            metrics = [f"http://127.0.0.1:{first + i}/metrics" for i in range(workers)]
            yield Stack(data, api, client, pool, keys, log, pids, worker_metrics=metrics)
        finally:
            await pool.close()
            devstack.process.send_signal(signal.SIGINT)
            await asyncio.wait_for(devstack.wait(), 120)


async def wait_for_pollers(client: Client, workers: int, task_queue: str = TASK_QUEUE) -> None:
    """Until ``workers`` processes poll the task queue: a benchmark's clock must not start before."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT
    while len((await client.workflow_service.describe_task_queue(request)).pollers) < workers:
        if loop.time() > deadline:
            raise RuntimeError(f"fewer than {workers} workers polling {task_queue}")
        await asyncio.sleep(0.2)


async def _wait_until_up(devstack: Child, api: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_TIMEOUT
    async with httpx.AsyncClient() as http:
        while True:
            if devstack.returncode is not None:
                raise RuntimeError(f"the stack exited while starting:\n{devstack.log_tail()}")
            if loop.time() > deadline:
                raise RuntimeError(f"the stack was not up within {READY_TIMEOUT} s:\n{devstack.log_tail()}")
            try:
                if (await http.get(f"{api}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)


def dispute_body(i: int, external_ref: str, **overrides: object) -> dict[str, object]:
    """An intake request for the ``i``-th benchmark dispute: a customer with an e-mail address (so its
    acknowledgement is really sent), one of 50 sellers, the default category."""
    return {
        "customer": {"id": f"C-{i}", "name": "Bench Customer", "email": f"bench-{i}@example.ma"},
        "order_id": f"O-{external_ref}",
        "seller_id": f"S-BENCH-{i % 50}",
        "channel": "chat",
        "category": "not_delivered",
        "description": "Benchmark dispute.",
        "external_ref": external_ref,
    } | overrides


async def open_disputes(
    stack: Stack, bodies: Callable[[int], dict[str, object]], n: int, start: int = 0, concurrency: int = 32
) -> float:
    """POST ``bodies(i)`` for ``i`` in ``start .. start + n``, ``concurrency`` at a time; seconds taken."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"X-API-Key": stack.keys["INTAKE_KEY"]}
    async with httpx.AsyncClient(base_url=stack.api, limits=limits, timeout=60) as http:

        async def one(i: int) -> None:
            response = await http.post("/disputes", json=bodies(i), headers=headers)
            if response.status_code != 201:
                raise SystemExit(f"POST /disputes answered {response.status_code}: {response.text}")

        began = time.perf_counter()
        await run_concurrently(n, concurrency, one, start=start)
        return time.perf_counter() - began
