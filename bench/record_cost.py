"""CPU and time per event the dispute store records: the local activity every event of a dispute runs.

Not a test. Starts an embedded PostgreSQL in a temporary folder and nothing else:

    python -m bench.record_cost -n 2000

Records, through ``activities.store.DisputeStore.record_event`` in an activity context as the worker
runs it, ``n`` disputes' opening (with the customer's contact and two notifications: the customer's
acknowledgement, the seller's notice) and then their escalation to the resolution team (two
notifications: the team's, the customer's), eight at a time; then the same escalations again, as a
retry finds them. For each kind, per event: the CPU of this process (the worker's share), of PostgreSQL,
and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import asyncpg
import uvloop
from temporalio.testing import ActivityEnvironment

from activities.store import DisputeStore
from bench.stack import cpu_seconds
from devstack.postgres import start_embedded, stop_embedded
from infra.migrate import migrate
from infra.postgres import create_pool
from tests.factories import dispute_input
from workflows.events import EventKind, NotificationKind, RecipientKind
from workflows.models import Actor, EventRecord, HistoryEntry, NotificationRequest, Role, Status
from workflows.opening import opening_state

AT_ONCE = 8  # as many as the worker's deliveries; local activities share its event loop
SYSTEM = Actor(role=Role.SYSTEM, id="clock")


def notice(d: str, seq: int, kind: NotificationKind, to: RecipientKind, ref: str) -> NotificationRequest:
    return NotificationRequest(
        dispute_id=d, seq=seq, kind=kind, recipient_kind=to, recipient_ref=ref, data={"reference": "J24-X"}
    )


def events(i: int) -> tuple[EventRecord, EventRecord]:
    """A dispute's opening and its escalation at 24 h, as the workflow sends them to the store."""
    dispute = dispute_input(prefix=f"bench-{i}-")
    state = opening_state(dispute)
    d = dispute.dispute_id

    def event(seq: int, kind: EventKind, data: dict[str, object]) -> HistoryEntry:
        at = dispute.registered_at + timedelta(hours=24 * (seq - 1))
        entry = HistoryEntry(seq=seq, at=at, kind=kind, actor=SYSTEM, data=data, notified=[])
        state.history.append(entry)
        state.revision = seq
        return entry

    opened = event(1, EventKind.OPENED, {"channel": dispute.channel.value})
    opening = EventRecord(
        event=opened,
        summary=state.snapshot(),
        customer=dispute.customer,
        notifications=[
            notice(d, 1, NotificationKind.ACKNOWLEDGEMENT, RecipientKind.CUSTOMER, dispute.customer.id),
            notice(d, 1, NotificationKind.COMPLAINT_NOTICE, RecipientKind.SELLER, dispute.seller_id),
        ],
    )
    state.tier, state.status = 2, Status.OPEN
    escalated = event(2, EventKind.ESCALATED, {"from_tier": 1, "to_tier": 2, "reason": "24 h"})
    escalation = EventRecord(
        event=escalated,
        summary=state.snapshot(),
        notifications=[
            notice(d, 2, NotificationKind.DISPUTE_REACHED_TIER, RecipientKind.TEAM, "tier-2"),
            notice(d, 2, NotificationKind.INVESTIGATION_STARTED, RecipientKind.CUSTOMER, dispute.customer.id),
        ],
    )
    return opening, escalation


async def record_all(store: DisputeStore, records: list[EventRecord]) -> None:
    queue, environment = iter(records), ActivityEnvironment()

    async def one_lane() -> None:
        for record in queue:
            await environment.run(store.record_event, record)

    await asyncio.gather(*(one_lane() for _ in range(AT_ONCE)))


def measured(label: str, postgres: Callable[[], float], n: int, run: Callable[[], None]) -> None:
    cpu, pg, wall = time.process_time(), postgres(), time.monotonic()
    run()
    cpu, pg, wall = ((after - before) / n * 1000 for before, after in zip(
        (cpu, pg, wall), (time.process_time(), postgres(), time.monotonic()), strict=True
    ))  # fmt: skip
    print(f"  {label:22} this process {cpu:5.2f} ms CPU   PostgreSQL {pg:5.2f} ms CPU   wall {wall:5.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="disputes (two events each)")
    args = parser.parse_args()
    pairs = [events(i) for i in range(args.n + AT_ONCE)]
    warm, pairs = pairs[:AT_ONCE], pairs[AT_ONCE:]
    with tempfile.TemporaryDirectory(prefix="record-cost-") as folder:
        data = Path(folder) / "data"
        url = start_embedded(data, cleanup="delete")
        try:
            [pid_file] = data.rglob("postmaster.pid")
            postmaster = int(pid_file.read_text().split()[0])
            uvloop.run(migrate(url))

            def postgres() -> float:
                return cpu_seconds(postmaster, children=True)

            async def run(records: list[EventRecord]) -> None:
                pool: asyncpg.Pool = await create_pool(url, reset_session=False)  # as the worker's
                try:
                    await record_all(DisputeStore(pool), records)
                finally:
                    await pool.close()

            uvloop.run(run([record for pair in warm for record in pair]))  # warm: imports, caches
            print(f"{args.n} disputes, {AT_ONCE} events at a time; per event:")
            openings, escalations = [opening for opening, _ in pairs], [escalation for _, escalation in pairs]
            for label, records in (
                ("opening", openings),
                ("escalation", escalations),
                ("escalation, retried", escalations),
            ):
                measured(label, postgres, len(records), lambda: uvloop.run(run(records)))  # noqa: B023
        finally:
            stop_embedded(data)


if __name__ == "__main__":
    main()
