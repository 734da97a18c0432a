"""End-to-end processing: how fast the workers turn accepted disputes into opened, acknowledged ones.

Not a test. Needs nothing running (it starts its own stack, as ``make run`` does, in a temporary folder):

    python -m bench.processing -n 2000 --workers 1

It opens N disputes through ``POST /disputes`` as fast as the API takes them (the intake rate), then
waits until every one is processed: its ``opened`` event recorded and the customer's acknowledgement
e-mail delivered. It prints the intake rate, the processing rate (N over the time from the first intake
to the last acknowledgement), their ratio, and registration → opened recorded p50/p99. As the baseline
on the same server in the same run, it then runs N bare workflows of one no-op activity each (the SDK's
"simple workflow") on a worker in this process, and prints their rate. Last, the CPU each process used
per dispute and per bare workflow: what a rate costs the cores, and steadier than a rate on a shared
machine. And what the workers' own metrics say of where a dispute's workflow task and local activities
waited (``bench.worker_metrics``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.worker import Worker

from bench.stack import Stack, cpu_by_process, dispute_body, local_stack, open_disputes
from bench.stats import percentile, run_concurrently
from bench.worker_metrics import print_waits, scrape

RUN = uuid.uuid4().hex[:8]


_PROGRESS = """
SELECT count(*) FILTER (WHERE e.seq IS NOT NULL) AS opened,
       count(*) FILTER (WHERE n.status = 'sent') AS acknowledged,
       max(n.sent_at) AS last_sent
FROM disputes d
LEFT JOIN dispute_events e ON e.dispute_id = d.dispute_id AND e.seq = 1
LEFT JOIN notifications n ON n.dispute_id = d.dispute_id AND n.seq = 1 AND n.kind = 'acknowledgement'
WHERE d.external_ref LIKE $1
"""
_OPENED_AFTER = """
SELECT extract(epoch FROM e.recorded_at - d.registered_at) AS seconds
FROM disputes d JOIN dispute_events e ON e.dispute_id = d.dispute_id AND e.seq = 1
WHERE d.external_ref LIKE $1
"""


async def wait_processed(stack: Stack, n: int, within: float) -> float:
    """Until every dispute is opened and acknowledged; the time (epoch) of the last acknowledgement."""
    deadline = time.monotonic() + within
    while True:
        row = await stack.pool.fetchrow(_PROGRESS, f"bench-{RUN}-%")
        assert row is not None
        if row["opened"] == n and row["acknowledged"] == n:
            return float(row["last_sent"].timestamp())
        if time.monotonic() > deadline:
            done = f"{row['opened']} opened, {row['acknowledged']} acknowledged"
            raise SystemExit(f"after {within:.0f} s: {done} of {n}")
        await asyncio.sleep(0.5)


@activity.defn
async def bare_step() -> None:
    """The bare workflow's one activity: nothing."""


@workflow.defn(sandboxed=False)
class BareWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.execute_activity(bare_step, start_to_close_timeout=timedelta(seconds=30))


async def bare_rate(stack: Stack, n: int, concurrency: int) -> float:
    """Workflows/s for ``n`` one-activity workflows, started at ``concurrency``, on one worker here."""
    queue = f"bench-bare-{RUN}"
    async with Worker(stack.client, task_queue=queue, workflows=[BareWorkflow], activities=[bare_step]):

        async def one(i: int) -> None:
            await stack.client.execute_workflow(
                BareWorkflow.run, id=f"bench-bare-{RUN}-{i}", task_queue=queue
            )

        began = time.perf_counter()
        await run_concurrently(n, concurrency, one)
        return n / (time.perf_counter() - began)


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.processing", description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="disputes (default 2000)")
    parser.add_argument("--concurrency", type=int, default=32, help="intake requests in flight (default 32)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="a setting")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for processing")
    args = parser.parse_args()

    async with local_stack(workers=args.workers, env=dict(e.split("=", 1) for e in args.env)) as stack:
        metrics_before = await scrape(stack.worker_metrics)
        began, cpu_before = time.time(), cpu_by_process(stack)
        intake_seconds = await open_disputes(
            stack, lambda i: dispute_body(i, f"bench-{RUN}-{i}"), args.n, concurrency=args.concurrency
        )
        last_sent = await wait_processed(stack, args.n, args.timeout)
        cpu_after, cpu_window = cpu_by_process(stack), time.time() - began
        metrics_after = await scrape(stack.worker_metrics)
        opened_after = [r["seconds"] for r in await stack.pool.fetch(_OPENED_AFTER, f"bench-{RUN}-%")]
        bare = await bare_rate(stack, args.n, args.concurrency)
        cpu_bare = cpu_by_process(stack)

    intake = args.n / intake_seconds
    processing = args.n / (last_sent - began)
    print(f"{args.n} disputes, {args.workers} worker process(es), intake concurrency {args.concurrency}")
    print(f"  intake (API)                  {intake:7.1f} disputes/s")
    print(f"  processed end to end          {processing:7.1f} disputes/s  (intake -> opened -> acknowledged)")
    print(f"  processed / intake            {processing / intake:7.2f}")
    print(
        f"  registration -> opened        p50 {percentile(opened_after, 50):6.2f} s"
        f"   p99 {percentile(opened_after, 99):6.2f} s   max {max(opened_after):6.2f} s"
    )
    print(f"  bare one-activity workflows   {bare:7.1f} /s  (same server, a worker in this process)")
    print(f"  processed / bare              {processing / bare:7.2f}")
    print_cpu(args.n, cpu_window, cpu_before, cpu_after, cpu_bare)
    print_waits(metrics_before, metrics_after)


def print_cpu(
    n: int, seconds: float, before: dict[str, float], after: dict[str, float], bare: dict[str, float]
) -> None:
    """CPU per dispute by process, from the first intake until every dispute was seen processed
    (``seconds``; the intake's HTTP clients are this process), and the cores busy meanwhile; then the
    server's and this process's per bare workflow. Steadier on a shared machine than the rates, and what
    a rate costs the cores."""
    used = {name: after[name] - before[name] for name in after}
    per = ", ".join(f"{name} {used[name] / n * 1000:.1f}" for name in used)
    print(f"  CPU per dispute, ms           {per}")
    print(f"  cores busy while processing   {sum(used.values()) / seconds:7.2f}  (of {os.cpu_count()})")
    server, here = ((bare[name] - after[name]) / n * 1000 for name in ("temporal", "benchmark"))
    print(f"  CPU per bare workflow, ms     temporal {server:.1f}, benchmark {here:.1f} (its worker, client)")


if __name__ == "__main__":
    asyncio.run(main())
