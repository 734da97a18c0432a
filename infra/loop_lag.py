"""How late the worker's event loop runs what is due: the sign of a worker process with more to do than
its one interpreter can.

All that a worker does outside a workflow activation runs on its one event loop: payloads decoded and
encoded, a new dispute's sandbox made, every activity (the database's statements, the deliveries). When
the loop is busy, each waits its turn, and the SDK's latencies grow with nothing saying why: a local
activity that runs in about a millisecond alone (``bench.record_cost``) ran for tens of milliseconds,
and waited hundreds more to start, in a busy worker (``bench.processing``). A task that wakes every
``INTERVAL`` and records how late it woke measures that wait. A worker whose lag stays high needs
another worker process beside it, on a core of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio.common import MetricMeter

METRIC = "worker_event_loop_lag"
BUCKETS_MS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)  # Prometheus' buckets, as the runtime exports it
INTERVAL = timedelta(milliseconds=500)


async def watch(record: Callable[[timedelta], None], interval: timedelta = INTERVAL) -> None:
    """Every ``interval``, record how late the loop woke this task; until cancelled."""
    loop, seconds = asyncio.get_running_loop(), interval.total_seconds()
    while True:
        due = loop.time() + seconds
        await asyncio.sleep(seconds)
        record(timedelta(seconds=max(0.0, loop.time() - due)))


def start(meter: MetricMeter) -> asyncio.Task[None]:
    """Watch the running loop, into ``meter``'s ``worker_event_loop_lag`` histogram (ms)."""
    lag = meter.create_histogram_timedelta(METRIC, "how late the worker's event loop ran what was due", "ms")
    return asyncio.create_task(watch(lag.record), name="event-loop-lag")
