"""The SLA report on 100 000 disputes: how long PostgreSQL takes to compute it.

Not a test. It makes a scratch database (on the server ``DATABASE_URL`` names, or an embedded
PostgreSQL in a temporary folder when it is unset), migrates it, fills it with N synthetic disputes
over a year (their read-model rows and events, as the worker writes them) and times the report
(``api.reports.sla_report``, the query and the models, and the CSV) for the whole year and for one
month, cold and warm. The scratch database is dropped at the end (``--keep`` keeps it).

    python -m bench.sla_report                 # 100 000 disputes, 2 000 sellers
    python -m bench.sla_report -n 20000 --explain
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from api.reports import SQL, WITHIN, sla_report, to_csv
from devstack.postgres import start_embedded, stop_embedded
from infra.migrate import migrate
from infra.postgres import create_pool, with_database
from workflows.deadlines import RESOLUTION_CLOCKS, compute_deadlines
from workflows.models import Deadline, DeadlineKind, DeadlineState
from workflows.sla_policy import SlaPolicy

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
POLICY = SlaPolicy()
# What happens to a dispute, and how often: (fate, weight).
FATES = (
    ("first_contact", 55),  # resolved at tier 1 within 24 h
    ("tier2", 20),  # escalated at 24 h, findings delivered, resolved by 48 h
    ("tier3", 10),  # findings missed, escalated again at 48 h, resolved within 5 days
    ("breached", 4),  # resolved after 5 days
    ("withdrawn", 6),
    ("open", 5),  # still open (at tier 1, 2 or 3)
)
_DISPUTE_COLUMNS = (
    "dispute_id", "revision", "status", "tier", "seller_id", "channel", "category", "customer_id",
    "order_id", "language", "first_contact_at", "registered_at", "sla_breached", "seller_efforts",
    "findings_at", "outcome", "closed_at", "deadlines",
)  # fmt: skip
_EVENT_COLUMNS = ("dispute_id", "seq", "at", "kind", "actor", "data")
SYSTEM = json.dumps({"role": "system", "id": "sla-timer"})
AGENT = json.dumps({"role": "agent", "id": "agent-bench", "tier": 2})


def _settler(
    deadlines: dict[DeadlineKind, Deadline],
) -> Callable[[DeadlineKind, DeadlineState, datetime], None]:
    def settle(kind: DeadlineKind, state: DeadlineState, at: datetime) -> None:
        deadlines[kind].state, deadlines[kind].settled_at = state, at

    return settle


def synthetic(n: int, sellers: int, seed: int) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """N disputes over a year: each a read-model row and its events."""
    rng = random.Random(seed)
    names, weights = zip(*FATES, strict=True)
    span = timedelta(days=365).total_seconds()
    for i in range(n):
        registered = YEAR_START + timedelta(seconds=rng.uniform(0, span))
        first_contact = registered - timedelta(minutes=rng.uniform(0, 120))
        fate = rng.choices(names, weights)[0]
        deadlines = {d.kind: d for d in compute_deadlines(POLICY, first_contact)}
        events: list[tuple[str, datetime, str, dict[str, Any]]] = [
            ("opened", registered, AGENT, {"channel": "chat", "category": "not_delivered"})
        ]
        tier, status, breached, outcome, findings_at = 1, "open", False, None, None
        hours = {
            "first_contact": rng.uniform(0.2, 23.9),
            "tier2": rng.uniform(24.1, 47.9),
            "tier3": rng.uniform(48.1, 119.9),
            "breached": rng.uniform(120.1, 200),
            "withdrawn": rng.uniform(1, 100),
            "open": rng.choice((2.0, 30.0, 60.0)),
        }[fate]
        closed = first_contact + timedelta(hours=hours)
        settle = _settler(deadlines)
        for kind in (DeadlineKind.SELLER_REMINDER, DeadlineKind.SELLER_FAILURE):
            settle(kind, DeadlineState.MET, first_contact + timedelta(hours=2))
        if hours > 24 and fate != "withdrawn":
            tier = 2
            at = deadlines[DeadlineKind.RESOLUTION_TEAM].due_at
            settle(DeadlineKind.RESOLUTION_TEAM, DeadlineState.MISSED, at)
            events.append(("escalated", at, SYSTEM, {"from_tier": 1, "to_tier": 2, "automatic": True}))
        if fate == "tier2":
            findings_at = first_contact + timedelta(hours=hours - 0.1)
            settle(DeadlineKind.FINDINGS, DeadlineState.MET, findings_at)
            events.append(("findings_submitted", findings_at, AGENT, {"findings": "Lost by the carrier."}))
        if hours > 48 and fate != "withdrawn":
            tier = 3
            at = deadlines[DeadlineKind.FINDINGS].due_at
            settle(DeadlineKind.FINDINGS, DeadlineState.MISSED, at)
            events.append(("findings_missed", at, SYSTEM, {}))
            settle(DeadlineKind.CUSTOMER_EXPERIENCE, DeadlineState.MISSED, at)
            events.append(("escalated", at, SYSTEM, {"from_tier": 2, "to_tier": 3, "automatic": True}))
        if hours > 96 and fate != "withdrawn":
            at = deadlines[DeadlineKind.BREACH_WARNING].due_at
            settle(DeadlineKind.BREACH_WARNING, DeadlineState.MISSED, at)
            events.append(("sla_breach_warning", at, SYSTEM, {}))
        if fate == "breached":
            breached = True
            at = deadlines[DeadlineKind.RESOLUTION].due_at
            settle(DeadlineKind.RESOLUTION, DeadlineState.MISSED, at)
            events.append(("sla_breached", at, SYSTEM, {}))
        if fate in ("first_contact", "tier2", "tier3", "breached"):
            status, outcome = "resolved", rng.choice(("refund", "replacement", "repair", "rejected"))
            for kind in RESOLUTION_CLOCKS:
                if deadlines[kind].state == DeadlineState.PENDING:
                    settle(kind, DeadlineState.MET, closed)
            events.append(("resolved", closed, AGENT, {"outcome": outcome, "summary": "Done.", "tier": tier}))
        elif fate == "withdrawn":
            status = "withdrawn"
            for kind in RESOLUTION_CLOCKS:
                if deadlines[kind].state == DeadlineState.PENDING:
                    settle(kind, DeadlineState.CANCELLED, closed)
            events.append(("withdrawn", closed, AGENT, {"reason": "Sorted it out."}))
        dispute_id = f"bench{i:08d}"
        row = (
            dispute_id,
            len(events),
            status,
            tier,
            f"S-{rng.randrange(sellers):05d}",
            rng.choice(("phone", "chat", "email")),
            "not_delivered",
            f"C-{i}",
            f"O-{i}",
            "fr",
            first_contact,
            registered,
            breached,
            "responded",
            findings_at,
            outcome,
            closed if status != "open" else None,
            json.dumps([d.model_dump(mode="json") for d in deadlines.values()]),
        )
        event_rows = [
            (dispute_id, seq, at, kind, actor, json.dumps(data))
            for seq, (kind, at, actor, data) in enumerate(events, start=1)
        ]
        yield row, event_rows


@asynccontextmanager
async def scratch_database(keep: bool) -> AsyncIterator[str]:
    """A new, empty database: on DATABASE_URL's server, or on an embedded one made for the run."""
    with tempfile.TemporaryDirectory(prefix="sla-bench-pg-") as folder:
        server = os.environ.get("DATABASE_URL")
        embedded = Path(folder) / "data"
        if not server:
            server = await asyncio.to_thread(start_embedded, embedded, cleanup="delete")
        name = f"sla_bench_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            try:
                yield with_database(server, name)
            finally:
                if keep:
                    print(f"kept the scratch database {name}")
                else:
                    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()
            if not os.environ.get("DATABASE_URL"):
                await asyncio.to_thread(stop_embedded, embedded)


async def fill(url: str, n: int, sellers: int, seed: int) -> tuple[int, float]:
    """Insert the disputes and their events with COPY; return the number of events and the seconds."""
    began = time.perf_counter()
    disputes: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    for row, event_rows in synthetic(n, sellers, seed):
        disputes.append(row)
        events += event_rows
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("disputes", records=disputes, columns=_DISPUTE_COLUMNS)
        await conn.copy_records_to_table("dispute_events", records=events, columns=_EVENT_COLUMNS)
        await conn.execute("VACUUM ANALYZE disputes")
        await conn.execute("VACUUM ANALYZE dispute_events")
    finally:
        await conn.close()
    return len(events), time.perf_counter() - began


async def time_report(
    pool: asyncpg.Pool, label: str, start: datetime, end: datetime, runs: int, explain: bool
) -> None:
    timings: list[float] = []
    csv_ms = 0.0
    report = None
    for _ in range(runs):
        began = time.perf_counter()
        report = await sla_report(pool, start, end, datetime.now(UTC))
        timings.append((time.perf_counter() - began) * 1000)
    assert report is not None
    began = time.perf_counter()
    text = to_csv(report)
    csv_ms = (time.perf_counter() - began) * 1000
    warm = timings[1:] or timings
    print(
        f"{label:<10} {report.overall.opened:>7} disputes, {len(report.by_seller):>5} sellers:"
        f"  first run {timings[0]:7.1f} ms   warm median {statistics.median(warm):7.1f} ms"
        f"  (min {min(warm):.1f}, max {max(warm):.1f}, {len(warm)} runs)   CSV {csv_ms:.1f} ms,"
        f" {len(text.splitlines())} rows"
    )
    if explain:
        async with pool.acquire() as conn:
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {SQL}", start, end, *WITHIN.values())
        print("\n".join(f"    {row[0]}" for row in plan))


async def main(args: argparse.Namespace) -> int:
    async with scratch_database(args.keep) as url:
        await migrate(url)
        count, seconds = await fill(url, args.n, args.sellers, args.seed)
        print(f"inserted {args.n} disputes and {count} events in {seconds:.1f} s")
        pool = await create_pool(url, max_size=2)
        try:
            async with pool.acquire() as conn:
                version = await conn.fetchval("SHOW server_version")
                size = await conn.fetchval(
                    "SELECT pg_size_pretty(pg_total_relation_size('disputes')"
                    " + pg_total_relation_size('dispute_events'))"
                )
            print(f"PostgreSQL {version}; disputes and events take {size}")
            year_end = YEAR_START + timedelta(days=365)
            await time_report(pool, "year", YEAR_START, year_end, args.runs, args.explain)
            march = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)
            await time_report(pool, "one month", *march, args.runs, args.explain)
        finally:
            await pool.close()
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sla_report", description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="disputes (default 100000)")
    parser.add_argument("--sellers", type=int, default=2_000, help="distinct sellers (default 2000)")
    parser.add_argument("--runs", type=int, default=6, help="reports per period; the first is 'cold'")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--explain", action="store_true", help="print the query plans (EXPLAIN ANALYZE)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
