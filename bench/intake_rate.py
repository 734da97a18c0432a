"""Intake throughput: disputes opened through the API versus a bare Temporal client, on one running stack.

Not a test. Needs nothing running (it starts its own stack, as ``make run`` does, in a temporary folder):

    python -m bench.intake_rate -n 1000 --concurrency 32
    python -m bench.intake_rate -n 300 --concurrency 1     # the API's overhead per request, through httpx
    python -m bench.intake_rate -n 300 --concurrency 1 --pause-workers   # the same, workers stopped

It opens N disputes through ``POST /disputes`` and N with ``Client.start_workflow`` (the same input,
id policies, search attributes and summary the API uses), at the same concurrency, interleaved as
API, bare, bare, API halves so that neither side gets the quieter half of the run. It prints both
rates, their ratio, both latencies' percentiles and the difference of their medians. httpx, its client,
adds about 1.5 ms of its own to each request: ``bench.intake_parts`` also times a lean one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from temporalio.client import Client

from bench.stack import Stack, local_stack
from infra.settings import TASK_QUEUE
from workflows.dispute import DisputeWorkflow
from workflows.dispute_start import start_options
from workflows.models import Actor, Channel, Customer, DisputeInput, Role
from workflows.sla_policy import SlaPolicy

RUN = uuid.uuid4().hex[:8]
SELLER = "S-BENCH"


def intake_body(i: int) -> dict[str, object]:
    return {
        "customer": {"id": f"C-{i}", "name": "Bench Customer", "phone": "05 39 42 01 42"},
        "order_id": f"O-{RUN}-{i}",
        "seller_id": SELLER,
        "channel": "chat",
        "category": "not_delivered",
        "description": "Benchmark dispute.",
        "external_ref": f"bench-{RUN}-{i}",
    }


def bare_input(i: int) -> DisputeInput:
    now = datetime.now(UTC)
    return DisputeInput(
        dispute_id=f"bench{RUN}{i:08d}",
        customer=Customer(id=f"C-{i}", name="Bench Customer", phone="+212539420142"),
        order_id=f"O-{RUN}-{i}",
        seller_id=SELLER,
        channel=Channel.CHAT,
        category="not_delivered",
        description="Benchmark dispute.",
        first_contact_at=now,
        registered_at=now,
        external_ref=f"bench-bare-{RUN}-{i}",
        opened_by=Actor(role=Role.INTAKE, id="bench"),
        intake_fingerprint=uuid.uuid4().hex,
        policy=SlaPolicy(),
    )


@dataclass
class Tally:
    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


async def run_batch(
    start: int, n: int, concurrency: int, one: Callable[[int], Awaitable[None]], tally: Tally
) -> None:
    """``n`` calls of ``one`` at ``concurrency`` in flight; their time and latencies go to ``tally``."""
    numbers = iter(range(start, start + n))

    async def lane() -> None:
        for i in numbers:
            began = time.perf_counter()
            await one(i)
            tally.latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    tally.seconds += time.perf_counter() - began
    tally.count += n


async def main(args: argparse.Namespace) -> int:
    async with local_stack(workers=args.workers) as stack:
        if not args.pause_workers:
            return await compare(stack, args)
        with paused(stack.workers()):
            return await compare(stack, args)


@contextmanager
def paused(pids: list[int]) -> Iterator[None]:
    """The worker processes stopped (SIGSTOP) meanwhile: the disputes started wait for them, and their
    processing takes no CPU from the requests measured."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


async def compare(stack: Stack, args: argparse.Namespace) -> int:
    client = stack.client
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=stack.api, limits=limits, timeout=30) as http:
        headers = {"X-API-Key": stack.keys["INTAKE_KEY"]}

        async def through_api(i: int) -> None:
            response = await http.post("/disputes", json=intake_body(i), headers=headers)
            if response.status_code != 201:
                raise SystemExit(f"POST /disputes answered {response.status_code}: {response.text}")

        async def through_client(i: int) -> None:
            await start_bare(client, bare_input(i), TASK_QUEUE)

        warmup = Tally()
        await run_batch(10_000_000, args.concurrency, args.concurrency, through_api, warmup)
        await run_batch(10_000_000, args.concurrency, args.concurrency, through_client, warmup)

        api, bare = Tally(), Tally()
        half = args.n // 2
        plan = [(through_api, api, 0), (through_client, bare, 0)]
        plan += [(through_client, bare, half), (through_api, api, half)]
        for one, tally, offset in plan:
            await run_batch(offset, half if offset == 0 else args.n - half, args.concurrency, one, tally)

    print(f"disputes per path: {args.n}, concurrency {args.concurrency}")
    for name, tally in (("bare client start_workflow", bare), ("API POST /disputes", api)):
        print(
            f"{name:<27} {tally.rate:7.1f} /s   latency p50 {tally.percentile(50):6.1f} ms"
            f"   p99 {tally.percentile(99):6.1f} ms   mean {statistics.mean(tally.latencies) * 1000:6.1f} ms"
        )
    print(f"ratio API / bare: {api.rate / bare.rate:.2f}")
    print(f"API p50 - bare p50: {api.percentile(50) - bare.percentile(50):+.1f} ms")
    return 0


async def start_bare(client: Client, dispute: DisputeInput, task_queue: str) -> None:
    """The start ``POST /disputes`` makes (``start_options``), without the API around it."""
    await client.start_workflow(DisputeWorkflow.run, dispute, task_queue=task_queue, **start_options(dispute))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_rate", description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="disputes per path (default 1000)")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--pause-workers",
        action="store_true",
        help="stop the workers while measuring: the API's own cost, without the processing of what it starts",
    )
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
