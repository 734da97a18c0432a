"""Open disputes at scale: memory, storage and read latency as open disputes pile up, then a restart.

Not a test. Needs nothing running (it starts its own stack, as ``make run`` does, in a temporary folder):

    python -m bench.open_disputes --steps 1000 5000 10000 20000 --workers 1

It opens disputes through the API under the real policy (24 h, 48 h, 5 days: no timer fires during the
run) up to each step, waits until every one is opened, and prints at each step: the workers' and the
Temporal server's resident memory, PostgreSQL's and Temporal's storage, ``GET /disputes/{id}`` of random
open disputes and a filtered list (p50/p99), and ``GET /reports/sla``. It then stops the stack, starts
it again on the same data, and prints the time until it is ready and the workers' CPU in the first
minute (with the last 10 s of it, to see that it went back to idle).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

from bench.stack import (
    Stack,
    cpu_seconds,
    database_size_mb,
    dispute_body,
    open_disputes,
    rss_mb,
    stack_at,
    temporal_db_mb,
)
from bench.stats import percentile

RUN = uuid.uuid4().hex[:8]
SELLERS = 200


def body(i: int) -> dict[str, object]:
    channel = ("chat", "email", "phone")[i % 3]
    return dispute_body(i, f"scale-{RUN}-{i}", seller_id=f"S-BENCH-{i % SELLERS}", channel=channel)


async def until_processed(stack: Stack, n: int) -> None:
    """Until every dispute is opened and its acknowledgement delivered: the workers are idle again, so the
    reads that follow measure reads, not a backlog."""
    query = """
    SELECT count(*) FROM disputes d
    JOIN notifications n ON n.dispute_id = d.dispute_id AND n.seq = 1 AND n.kind = 'acknowledgement'
    WHERE d.external_ref LIKE $1 AND n.status <> 'pending'
    """
    while True:
        if int(await stack.pool.fetchval(query, f"scale-{RUN}-%")) >= n:
            return
        await asyncio.sleep(1)


async def latencies(http: httpx.AsyncClient, paths: list[str], key: str) -> list[float]:
    """Milliseconds for each GET, one at a time (what one person waits)."""
    found = []
    for path in paths:
        began = time.perf_counter()
        response = await http.get(path, headers={"X-API-Key": key})
        found.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.text[:200]}")
    return found


def line(label: str, ms: list[float]) -> str:
    return f"{label} p50 {percentile(ms, 50):6.1f} ms p99 {percentile(ms, 99):6.1f} ms"


async def measure(stack: Stack, http: httpx.AsyncClient, n: int) -> None:
    ids = [r["dispute_id"] for r in await stack.pool.fetch(
        "SELECT dispute_id FROM disputes WHERE external_ref LIKE $1", f"scale-{RUN}-%"
    )]  # fmt: skip
    key = stack.keys["OPERATOR_KEY"]
    one = await latencies(http, [f"/disputes/{random.choice(ids)}" for _ in range(300)], key)
    sellers = [f"S-BENCH-{random.randrange(SELLERS)}" for _ in range(100)]
    lists = await latencies(http, [f"/disputes?status=open&seller_id={s}" for s in sellers], key)
    today = datetime.now(UTC).date()
    period = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    report = await latencies(http, [f"/reports/sla?{period}"] * 10, key)
    workers = sum(rss_mb(pid) for pid in stack.workers())
    print(
        f"{n:>6} open | workers {workers:6.0f} MB, Temporal server {rss_mb(stack.pids['temporal']):6.0f} MB"
        f" | PostgreSQL {database_size_mb(stack):6.0f} MB, temporal.db {temporal_db_mb(stack):6.0f} MB"
        f" | {line('GET one', one)} | {line('list', lists)} | {line('report', report)}",
        flush=True,
    )


async def restart(folder: Path, workers: int, env: dict[str, str]) -> None:
    began = time.perf_counter()
    async with stack_at(folder, workers, env, log_name="restart.log") as stack:
        ready = time.perf_counter() - began
        pids = stack.workers()
        start = sum(cpu_seconds(pid) for pid in pids)
        await asyncio.sleep(50)
        before_last = sum(cpu_seconds(pid) for pid in pids)
        await asyncio.sleep(10)
        end = sum(cpu_seconds(pid) for pid in pids)
    print(
        f"restart: ready in {ready:5.1f} s; the workers' CPU in the first minute {end - start:5.1f} s "
        f"({(end - start) / 60 * 100:4.1f} % of a core), in its last 10 s {end - before_last:4.1f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.open_disputes", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--steps", type=int, nargs="+", default=[1000, 5000, 10000, 20000])
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="a setting")
    args = parser.parse_args()
    env = dict(e.split("=", 1) for e in args.env)

    with TemporaryDirectory(prefix="disputes-bench-") as temporary:
        folder = Path(temporary)
        async with stack_at(folder, args.workers, env) as stack:
            limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
            async with httpx.AsyncClient(base_url=stack.api, limits=limits, timeout=60) as http:
                opened = 0
                for step in sorted(args.steps):
                    await open_disputes(stack, body, step - opened, start=opened)
                    await until_processed(stack, step)
                    opened = step
                    await measure(stack, http, step)
        await restart(folder, args.workers, env)


if __name__ == "__main__":
    asyncio.run(main())
