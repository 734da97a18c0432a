"""Where an intake request's time goes at one in flight, on one running stack with its workers stopped.

Not a test. Needs nothing running (it starts its own stack, as ``make run`` does, in a temporary folder):

    python -m bench.intake_parts -n 300

In turn, N times each: ``POST /disputes`` as a client sees it; the same request as the API itself timed
it (its access log line, matched by dispute id); ``GET /healthz`` (an HTTP round trip to an app that does
nothing); intake's one PostgreSQL statement alone (``api.intake_store.record``, links on); a bare
``start_workflow`` with the API's options. It prints their p50s and what they leave: the HTTP hop and the
client (client minus API), and the API's own work (API minus the statement and the start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable

import httpx
from pydantic import SecretStr

from api import intake_store
from bench.intake_rate import SELLER, bare_input, intake_body, paused, start_bare
from bench.stack import Stack, local_stack
from bench.stats import percentile
from infra.customer_links import CustomerLinkSettings
from infra.settings import TASK_QUEUE

RUN = uuid.uuid4().hex[:8]


async def timed(call: Awaitable[object]) -> float:
    began = time.perf_counter()
    await call
    return (time.perf_counter() - began) * 1000


def api_durations(stack: Stack) -> dict[str, float]:
    """``POST /disputes`` as the API timed each (its access log), by the dispute id it answered."""
    found = {}
    for line in stack.log.read_text().splitlines():
        fields = line[line.find("{") :]
        if '"http_route": "/disputes"' not in fields:
            continue
        entry = json.loads(fields)
        if entry.get("http_method") == "POST" and "dispute_id" in entry:
            found[entry["dispute_id"]] = float(entry["duration_ms"])
    return found


async def measure(stack: Stack, n: int) -> dict[str, list[float]]:
    links = CustomerLinkSettings(customer_link_secret=SecretStr("b" * 40))
    times: dict[str, list[float]] = {"client": [], "healthz": [], "statement": [], "bare start": []}
    answered: list[tuple[str, float]] = []
    async with httpx.AsyncClient(base_url=stack.api, timeout=30) as http:
        headers = {"X-API-Key": stack.keys["INTAKE_KEY"]}

        async def post(i: int) -> str:
            response = await http.post("/disputes", json=intake_body(i), headers=headers)
            if response.status_code != 201:
                raise SystemExit(f"POST /disputes answered {response.status_code}: {response.text}")
            return str(response.json()["dispute_id"])

        for i in range(-20, n):  # the first 20 warm up every path
            began = time.perf_counter()
            dispute_id = await post(1_000_000 + i)
            client = (time.perf_counter() - began) * 1000
            healthz = await timed(http.get("/healthz"))
            dispute = bare_input(2_000_000 + i)
            statement = await timed(intake_store.record(stack.pool, f"parts{RUN}{i}", SELLER, links))
            bare = await timed(start_bare(stack.client, dispute, TASK_QUEUE))
            if i >= 0:
                answered.append((dispute_id, client))
                for name, value in (("healthz", healthz), ("statement", statement), ("bare start", bare)):
                    times[name].append(value)
    await asyncio.sleep(1)  # the API's last log lines
    logged = api_durations(stack)
    times["client"] = [client for dispute_id, client in answered if dispute_id in logged]
    times["api"] = [logged[dispute_id] for dispute_id, _ in answered if dispute_id in logged]
    times["hop"] = [client - logged[d] for d, client in answered if d in logged]
    return times


async def main(args: argparse.Namespace) -> int:
    async with local_stack() as stack:
        with paused(stack.workers()):
            times = await measure(stack, args.n)
    p50 = {name: percentile(values, 50) for name, values in times.items()}
    print(f"{len(times['api'])} requests at one in flight, workers stopped; p50s:")
    print(f"  POST /disputes, as the client sees it    {p50['client']:6.2f} ms")
    print(f"  POST /disputes, as the API timed it      {p50['api']:6.2f} ms")
    print(f"  HTTP hop and client (paired difference)  {p50['hop']:6.2f} ms")
    print(f"  GET /healthz, a round trip               {p50['healthz']:6.2f} ms")
    print(f"  intake's statement alone                 {p50['statement']:6.2f} ms")
    print(f"  bare start_workflow                      {p50['bare start']:6.2f} ms")
    own = p50["api"] - p50["statement"] - p50["bare start"]
    print(f"  the API's own work (API - statement - start) {own:6.2f} ms")
    print(f"  client p50 - bare start p50              {p50['client'] - p50['bare start']:+6.2f} ms")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_parts", description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=300, help="requests of each kind (default 300)")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
