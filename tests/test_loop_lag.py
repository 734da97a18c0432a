"""The worker's event-loop lag: how late the loop woke a task that asked to wake every interval."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from devstack.processes import free_port
from infra import loop_lag
from infra.temporal import prometheus_runtime

INTERVAL = timedelta(milliseconds=20)


async def test_a_blocked_loop_is_recorded_as_late_by_as_long() -> None:
    lags: list[timedelta] = []
    watcher = asyncio.create_task(loop_lag.watch(lags.append, INTERVAL))
    try:
        await asyncio.sleep(0.1)  # a few wakes on an idle loop
        idle = len(lags)
        time.sleep(0.3)  # noqa: ASYNC251 - what a busy worker does to its loop: nothing else runs meanwhile
        await asyncio.sleep(0.1)
    finally:
        watcher.cancel()
    assert idle >= 2
    assert min(lags[:idle]) < timedelta(milliseconds=100)  # idle: woken about on time
    assert max(lags) >= timedelta(milliseconds=250)  # blocked: woken as late as the loop was held


async def test_the_worker_runtime_exports_the_lag_in_its_own_buckets() -> None:
    bind = f"127.0.0.1:{free_port()}"
    runtime = prometheus_runtime(bind)
    watcher = loop_lag.start(runtime.metric_meter)
    try:
        await asyncio.sleep(0.25)  # two wakes at the default interval
    finally:
        watcher.cancel()
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://{bind}/metrics")).text
    assert "# TYPE worker_event_loop_lag histogram" in text
    buckets = [line for line in text.splitlines() if line.startswith("worker_event_loop_lag_bucket")]
    assert [line.split('le="')[1].split('"')[0] for line in buckets] == [
        *(str(b) for b in loop_lag.BUCKETS_MS),
        "+Inf",
    ]
    count = next(line for line in text.splitlines() if line.startswith("worker_event_loop_lag_count"))
    assert float(count.rsplit(" ", 1)[1]) >= 2
