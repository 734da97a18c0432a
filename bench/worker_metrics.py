"""What the workers' own Prometheus metrics say of a run: where a workflow task and a local activity wait.

The SDK measures, in each worker process, how long a workflow task waited on the server's queue, how long
the worker held it, and, for a local activity, the time from the workflow scheduling it to its end
against the time it ran; the worker adds how late its event loop ran what was due (``infra.loop_lag``).
A benchmark reads every worker's ``/metrics`` before and after what it measures, sums them across the
workers, and prints the means of the difference (exact, from each histogram's ``_sum`` and ``_count``;
the buckets are too coarse for percentiles).
"""

from __future__ import annotations

from collections import defaultdict

import httpx
from prometheus_client.parser import text_string_to_metric_families

from activities.store import RECORD_EVENT_ACTIVITY as RECORD_EVENT
from infra import loop_lag
from workflows.delivery import DELIVER_EVENT_FIRST_ACTIVITY as FIRST_DELIVERY

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]  # (name, labels) -> value

_LOCAL_DONE = "temporal_local_activity_succeed_endtoend_latency"
_LOCAL_RAN = "temporal_local_activity_execution_latency"
# (what it is, metric, labels it must have): each a histogram in milliseconds.
WAITS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("workflow task, waiting for a worker", "temporal_workflow_task_schedule_to_start_latency", {}),
    ("workflow task, held by the worker", "temporal_workflow_task_execution_latency", {}),
    ("record_event, scheduled to done", _LOCAL_DONE, {"activity_type": RECORD_EVENT}),
    ("record_event, running", _LOCAL_RAN, {"activity_type": RECORD_EVENT}),
    ("first delivery, scheduled to done", _LOCAL_DONE, {"activity_type": FIRST_DELIVERY}),
    ("first delivery, running", _LOCAL_RAN, {"activity_type": FIRST_DELIVERY}),
    ("the event loop, late by", loop_lag.METRIC, {}),  # sampled every loop_lag.INTERVAL
)


async def scrape(urls: list[str]) -> Samples:
    """Every sample of every worker's metrics, summed across the workers."""
    total: Samples = defaultdict(float)
    async with httpx.AsyncClient(timeout=10) as http:
        for url in urls:
            for family in text_string_to_metric_families((await http.get(url)).text):
                for sample in family.samples:
                    total[(sample.name, frozenset(sample.labels.items()))] += sample.value
    return total


def mean_ms(before: Samples, after: Samples, metric: str, labels: dict[str, str]) -> tuple[float, int]:
    """The mean of ``metric`` (a histogram, ms) over what happened between two scrapes, and the count."""

    def moved(suffix: str) -> float:
        wanted = set(labels.items())
        return sum(
            value - before.get(key, 0.0)
            for key, value in after.items()
            if key[0] == f"{metric}_{suffix}" and wanted <= key[1]
        )

    count = moved("count")
    return (moved("sum") / count if count else 0.0), int(count)


def print_waits(before: Samples, after: Samples) -> None:
    print("  inside the workers (their own metrics), mean:")
    for label, metric, labels in WAITS:
        mean, count = mean_ms(before, after, metric, labels)
        print(f"    {label:38} {mean:8.1f} ms  ({count})")
