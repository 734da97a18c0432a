"""Where an intake request's time goes at one in flight, on one running stack with its workers stopped.

Not a test. Needs nothing running (it starts its own stack, as ``make run`` does, in a temporary folder):

    python -m bench.intake_parts -n 300

In turn, N times each: ``POST /disputes`` as two clients see it, httpx (what the other benchmarks and
the tests use) and the standard library's ``http.client``, a lean one; the same requests as the API
itself timed them (its access log line, matched by dispute id); ``GET /healthz`` with each client (an
HTTP round trip to an app that does nothing); intake's one PostgreSQL statement alone
(``api.intake_store.record``, links on); a bare ``start_workflow`` with the API's options. It prints
their p50s and what they leave: the HTTP hop and the client (client minus API), the API's own work (API
minus the statement and the start), and each client's p50 minus the bare start's. Two ``GET /healthz``
tell what the client library itself costs: httpx takes about 2 ms more a request than ``http.client``,
which is not the API's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from http.client import HTTPConnection
from urllib.parse import urlsplit

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


def lean_client(stack: Stack) -> Callable[[str, str, dict[str, object] | None], tuple[int, bytes]]:
    """A request with ``http.client`` on one kept-alive connection: ``(status, body)``. It blocks the event
    loop while it waits, which holds nothing up at one in flight."""
    address = urlsplit(stack.api)
    connection = HTTPConnection(address.hostname or "127.0.0.1", address.port)
    key = stack.keys["INTAKE_KEY"]

    def request(method: str, path: str, body: dict[str, object] | None = None) -> tuple[int, bytes]:
        headers = {"X-API-Key": key, "Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, json.dumps(body).encode() if body is not None else None, headers)
        response = connection.getresponse()
        return response.status, response.read()

    return request


async def measure(stack: Stack, n: int) -> dict[str, list[float]]:
    links = CustomerLinkSettings(customer_link_secret=SecretStr("b" * 40))
    times: dict[str, list[float]] = {"healthz": [], "healthz lean": [], "statement": [], "bare start": []}
    answered: dict[str, list[tuple[str, float]]] = {"httpx": [], "lean": []}
    lean = lean_client(stack)
    async with httpx.AsyncClient(base_url=stack.api, timeout=30) as http:
        headers = {"X-API-Key": stack.keys["INTAKE_KEY"]}

        async def post(i: int) -> str:
            response = await http.post("/disputes", json=intake_body(i), headers=headers)
            return opened(response.status_code, response.content)

        def post_lean(i: int) -> str:
            return opened(*lean("POST", "/disputes", intake_body(i)))

        for i in range(-20, n):  # the first 20 warm up every path
            began = time.perf_counter()
            dispute_id = await post(1_000_000 + i)
            httpx_ms = (time.perf_counter() - began) * 1000
            began = time.perf_counter()
            lean_id = post_lean(3_000_000 + i)
            lean_ms = (time.perf_counter() - began) * 1000
            healthz = await timed(http.get("/healthz"))
            began = time.perf_counter()
            lean("GET", "/healthz", None)
            healthz_lean = (time.perf_counter() - began) * 1000
            dispute = bare_input(2_000_000 + i)
            statement = await timed(intake_store.record(stack.pool, f"parts{RUN}{i}", SELLER, links))
            bare = await timed(start_bare(stack.client, dispute, TASK_QUEUE))
            if i >= 0:
                answered["httpx"].append((dispute_id, httpx_ms))
                answered["lean"].append((lean_id, lean_ms))
                for name, value in (
                    ("healthz", healthz),
                    ("healthz lean", healthz_lean),
                    ("statement", statement),
                    ("bare start", bare),
                ):
                    times[name].append(value)
    await asyncio.sleep(1)  # the API's last log lines
    logged = api_durations(stack)
    for name, pairs in answered.items():
        times[name] = [client for dispute_id, client in pairs if dispute_id in logged]
        times[f"{name} api"] = [logged[dispute_id] for dispute_id, _ in pairs if dispute_id in logged]
        times[f"{name} hop"] = [client - logged[d] for d, client in pairs if d in logged]
    return times


def opened(status: int, body: bytes) -> str:
    """The id of the dispute a ``POST /disputes`` answer opened; stops the benchmark on any other answer."""
    if status != 201:
        raise SystemExit(f"POST /disputes answered {status}: {body.decode(errors='replace')}")
    return str(json.loads(body)["dispute_id"])


async def main(args: argparse.Namespace) -> int:
    async with local_stack() as stack:
        with paused(stack.workers()):
            times = await measure(stack, args.n)
    p50 = {name: percentile(values, 50) for name, values in times.items()}

    def row(label: str, ms: float, sign: str = "") -> None:
        print(f"  {label:<46}{ms:{sign}6.2f} ms")

    print(f"{len(times['httpx api'])} requests at one in flight with each client, workers stopped; p50s:")
    for client, name in (("httpx", "httpx"), ("lean", "http.client")):
        row(f"POST /disputes, as {name} sees it", p50[client])
        row("  as the API timed it", p50[f"{client} api"])
        row("  HTTP hop and client (paired difference)", p50[f"{client} hop"])
    row("GET /healthz, a round trip, httpx", p50["healthz"])
    row("GET /healthz, a round trip, http.client", p50["healthz lean"])
    row("intake's statement alone", p50["statement"])
    row("bare start_workflow", p50["bare start"])
    own = percentile(times["httpx api"] + times["lean api"], 50) - p50["statement"] - p50["bare start"]
    row("the API's own work (API - statement - start)", own)
    for client, name in (("httpx", "httpx"), ("lean", "http.client")):
        row(f"{name} p50 - bare start p50", p50[client] - p50["bare start"], "+")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_parts", description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=300, help="requests of each kind (default 300)")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
