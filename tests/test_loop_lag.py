"""The worker's event-loop lag: how late the loop woke a task that asked to wake every interval."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from devstack.processes import free_port
from infra import loop_lag
from infra.temporal import prometheus_runtime

INTERVAL = timedelta(milliseconds=20)
WITHIN = 5.0  # seconds: enough for a few wakes on a busy machine


async def test_a_blocked_loop_is_recorded_as_late_by_as_long() -> None:
    woke: asyncio.Queue[timedelta] = asyncio.Queue()
    watcher = asyncio.create_task(loop_lag.watch(woke.put_nowait, INTERVAL))
    try:
        idle = [await asyncio.wait_for(woke.get(), WITHIN) for _ in range(3)]
        time.sleep(0.3)  # noqa: ASYNC251 - what a busy worker does to its loop: nothing else runs meanwhile
        blocked = await asyncio.wait_for(woke.get(), WITHIN)
    finally:
        watcher.cancel()
    assert min(idle) < timedelta(milliseconds=100)  # idle: woken about on time
    assert blocked >= timedelta(milliseconds=250)  # blocked: woken as late as the loop was held


async def test_the_worker_runtime_exports_the_lag_in_its_own_buckets() -> None:
    bind = f"127.0.0.1:{free_port()}"
    runtime = prometheus_runtime(bind)
    watcher, lag = loop_lag.start(runtime.metric_meter), None
    try:
        async with httpx.AsyncClient() as http, asyncio.timeout(WITHIN):
            while lag is None or _sample(lag, "_count") < 2:  # two wakes at the default interval
                await asyncio.sleep(0.05)
                families = text_string_to_metric_families((await http.get(f"http://{bind}/metrics")).text)
                lag = next((f for f in families if f.name == loop_lag.METRIC), None)
    finally:
        watcher.cancel()
    assert lag is not None and lag.type == "histogram"
    buckets = [s.labels["le"] for s in lag.samples if s.name == f"{loop_lag.METRIC}_bucket"]
    assert buckets == [*(str(b) for b in loop_lag.BUCKETS_MS), "+Inf"]


def _sample(family: Metric, suffix: str) -> float:
    return sum(s.value for s in family.samples if s.name == f"{loop_lag.METRIC}{suffix}")
