"""Deadline burst: N disputes whose 24 h escalation falls due in the same second.

Not a test. Needs nothing running (it starts its own stack, as ``make run`` does, in a temporary folder):

    python -m bench.deadline_burst -n 1000 --workers 1

It opens N disputes through the API, all with the same first contact, 24 h before a moment a little
ahead, waits for their openings to be processed, and then for the moment: every dispute's escalation to
the resolution team falls due in that same second. It prints how late the ``escalated`` events were
recorded in PostgreSQL (p50, p99, max: the time to clear the burst), the workflow-task timeouts and
replays it caused, and, as the baseline on the same server in the same run, the lateness of N bare
workflows each waiting on one timer due in the same second (a worker in this process). For both, the
CPU each process used per dispute (or timer) until the last was handled, and the cores busy meanwhile;
and the workers' memory then (a burst larger than ``WORKER_MAX_CACHED_WORKFLOWS`` replays disputes the
cache let go; a larger cache holds them, at this price). Last, where the tasks waited inside the workers,
from their own metrics (``bench.worker_metrics``), from the due moment until every escalation was recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Worker

from bench.stack import Stack, cpu_by_process, dispute_body, local_stack, open_disputes, rss_mb
from bench.stats import percentile, run_concurrently
from bench.worker_metrics import print_waits, scrape

RUN = uuid.uuid4().hex[:8]

_RECORDED = """
SELECT extract(epoch FROM e.recorded_at) AS recorded
FROM disputes d JOIN dispute_events e ON e.dispute_id = d.dispute_id AND e.kind = 'escalated'
WHERE d.external_ref LIKE $1 AND (e.data ->> 'to_tier') = '2'
"""
_ACKNOWLEDGED = """
SELECT count(*) FROM disputes d
JOIN notifications n ON n.dispute_id = d.dispute_id AND n.seq = 1 AND n.kind = 'acknowledgement'
WHERE d.external_ref LIKE $1 AND n.status <> 'pending'
"""


async def until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


async def acknowledged(stack: Stack, n: int, deadline: float) -> int:
    """How many openings were processed (acknowledgement delivered) once all are, or by ``deadline``."""
    while True:
        count = int(await stack.pool.fetchval(_ACKNOWLEDGED, f"burst-{RUN}-%"))
        if count >= n or time.time() > deadline:
            return count
        await asyncio.sleep(0.25)


async def recorded(stack: Stack, n: int, deadline: float) -> list[float]:
    """When each escalation was recorded (epoch seconds), once all are, or by ``deadline``."""
    while True:
        rows = [float(r["recorded"]) for r in await stack.pool.fetch(_RECORDED, f"burst-{RUN}-%")]
        if len(rows) >= n or time.time() > deadline:
            return rows
        await asyncio.sleep(0.25)


async def task_trouble(stack: Stack) -> tuple[int, int]:
    """Workflow-task timeouts and failures in the burst disputes' histories."""
    timeouts = failures = 0
    query = "SELECT dispute_id FROM disputes WHERE external_ref LIKE $1"
    for row in await stack.pool.fetch(query, f"burst-{RUN}-%"):
        handle = stack.client.get_workflow_handle(f"dispute-{row['dispute_id']}")
        async for event in handle.fetch_history_events():
            timeouts += event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT
            failures += event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    return timeouts, failures


@workflow.defn(sandboxed=False)
class BareTimer:
    @workflow.run
    async def run(self, due: datetime) -> float:
        await workflow.sleep(due - workflow.now())
        return (workflow.now() - due).total_seconds()  # as late as the worker ran this task


async def bare_burst(stack: Stack, n: int, lead: float) -> tuple[list[float], dict[str, float], float]:
    """How late each of ``n`` bare workflows handled its one timer, all due in the same second; and the
    CPU each process used from the due moment until every timer was handled, and that time."""
    queue = f"bench-timers-{RUN}"
    due = datetime.now(UTC) + timedelta(seconds=lead)
    async with Worker(stack.client, task_queue=queue, workflows=[BareTimer]):
        handles = []

        async def one(i: int) -> None:
            handles.append(
                await stack.client.start_workflow(BareTimer.run, due, id=f"timer-{RUN}-{i}", task_queue=queue)
            )

        await run_concurrently(n, 32, one)
        await until(due.timestamp())
        before = cpu_by_process(stack)
        lateness = [await handle.result() for handle in handles]
        after = cpu_by_process(stack)
        return lateness, {name: after[name] - before[name] for name in after}, time.time() - due.timestamp()


def report(label: str, lateness: list[float], n: int) -> None:
    print(
        f"  {label:<34} {len(lateness):>5}/{n} recorded: late p50 {percentile(lateness, 50):6.2f} s"
        f"   p99 {percentile(lateness, 99):6.2f} s   max (time to clear) {max(lateness, default=0):6.2f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.deadline_burst", description=__doc__.splitlines()[0]
    )
    parser.add_argument("-n", type=int, default=1000, help="disputes due together (default 1000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="a setting")
    parser.add_argument("--lead", type=float, help="seconds from now to the due moment (default: from n)")
    args = parser.parse_args()
    lead = args.lead or 45 + args.n / 10  # time to open and process the disputes before the moment

    async with local_stack(workers=args.workers, env=dict(e.split("=", 1) for e in args.env)) as stack:
        due = time.time() + lead
        first_contact = datetime.fromtimestamp(due, UTC) - timedelta(hours=24)
        contact = first_contact.isoformat()

        def body(i: int) -> dict[str, object]:
            return dispute_body(i, f"burst-{RUN}-{i}", first_contact_at=contact)

        await open_disputes(stack, body, args.n)
        opened = await acknowledged(stack, args.n, due - 1)
        if opened != args.n:
            print(f"  (only {opened} of {args.n} openings processed before the moment: use a longer --lead)")
        metrics_before = await scrape(stack.worker_metrics)
        await until(due)
        before = cpu_by_process(stack)
        escalated = await recorded(stack, args.n, due + 600)
        after, cleared = cpu_by_process(stack), time.time() - due
        metrics_after = await scrape(stack.worker_metrics)
        clearing = {name: after[name] - before[name] for name in after}
        memory = sum(rss_mb(pid) for pid in stack.workers())  # every dispute has just had its turn
        timeouts, failures = await task_trouble(stack)
        bare, bare_cpu, bare_cleared = await bare_burst(stack, args.n, lead=30 + args.n / 50)

    print(f"{args.n} disputes due in the same second, {args.workers} worker process(es)")
    report("disputes: escalation recorded", [r - due for r in escalated], args.n)
    print(f"  workflow-task timeouts {timeouts} ({timeouts / args.n:.2f} per dispute), failures {failures}")
    print(f"  worker RSS once all recorded: {memory:.0f} MB")
    report("bare workflows: timer handled", bare, args.n)
    cpu("dispute, due to all recorded", clearing, args.n, cleared)
    cpu("bare timer, due to all handled", bare_cpu, args.n, bare_cleared)
    print_waits(metrics_before, metrics_after)


def cpu(label: str, used: dict[str, float], n: int, seconds: float) -> None:
    """CPU per dispute (or timer) by process over a window, and the cores busy in it: whether the
    burst waited on the cores or on something else."""
    per = ", ".join(f"{name} {seconds_used / n * 1000:.1f}" for name, seconds_used in used.items())
    print(f"  CPU per {label}, ms: {per}; cores busy {sum(used.values()) / seconds:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
