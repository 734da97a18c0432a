"""``GET /reports/sla``: every measure, overall and by group, on a crafted set of disputes.

The disputes are written as the worker writes them (``DisputeStore.record_event``, event by event) into
a day of their own, far in the past, so no other test's disputes fall in the period.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections.abc import AsyncIterator, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from temporalio.testing import ActivityEnvironment

from activities.store import DisputeStore
from api.reports import CSV_COLUMNS
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import auth
from workflows.deadlines import RESOLUTION_CLOCKS, compute_deadlines
from workflows.models import (
    SYSTEM,
    Actor,
    Channel,
    DeadlineKind,
    DeadlineState,
    DisputeSnapshot,
    EventRecord,
    HistoryEntry,
    Outcome,
    Role,
    Status,
)
from workflows.sla_policy import SlaPolicy

AGENT = Actor(role=Role.AGENT, id="agent-report", tier=3)
# The measures in the order they are compared below (the CSV's columns after dimension and key).
FIELDS = CSV_COLUMNS[2:]


@dataclass(frozen=True)
class Period:
    start: datetime
    seller_a: str
    seller_b: str

    @property
    def params(self) -> dict[str, str]:
        return {"from": _iso(self.start), "to": _iso(self.start + timedelta(days=1))}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _settle(summary: DisputeSnapshot, kinds: Set[DeadlineKind], state: DeadlineState, at: datetime) -> None:
    for deadline in summary.deadlines:
        if deadline.kind in kinds and deadline.state == DeadlineState.PENDING:
            deadline.state, deadline.settled_at = state, at


async def tell(
    store: DisputeStore,
    channel: Channel,
    seller_id: str,
    registered: datetime,
    story: list[tuple[str, float, dict[str, Any]]],
) -> str:
    """Record a dispute's events (kind, hours after first contact, data) as its workflow would."""
    dispute_id = f"rep-{uuid.uuid4().hex[:12]}"
    first_contact = registered - timedelta(minutes=10)
    summary = DisputeSnapshot(
        dispute_id=dispute_id,
        seller_id=seller_id,
        channel=channel,
        category="not_delivered",
        customer_id="C-report",
        order_id="O-report",
        first_contact_at=first_contact,
        registered_at=registered,
        deadlines=compute_deadlines(SlaPolicy(), first_contact),
    )
    for seq, (kind, hours, data) in enumerate([("opened", 0.2, {}), *story], start=1):
        at = first_contact + timedelta(hours=hours)
        if kind == "escalated":
            summary.tier = data["to_tier"]
        elif kind == "findings_submitted":
            summary.findings_at = at
            _settle(summary, {DeadlineKind.FINDINGS}, DeadlineState.MET, at)
        elif kind == "findings_missed":
            _settle(summary, {DeadlineKind.FINDINGS}, DeadlineState.MISSED, at)
        elif kind == "sla_breached":
            summary.sla_breached = True
            _settle(summary, {DeadlineKind.RESOLUTION}, DeadlineState.MISSED, at)
        elif kind == "resolved":
            summary.status, summary.outcome, summary.closed_at = Status.RESOLVED, Outcome.REFUND, at
            _settle(summary, RESOLUTION_CLOCKS, DeadlineState.MET, at)
            data = {"outcome": "refund", "summary": "Refunded.", "tier": summary.tier}
        elif kind == "withdrawn":
            summary.status, summary.closed_at = Status.WITHDRAWN, at
            _settle(summary, RESOLUTION_CLOCKS, DeadlineState.CANCELLED, at)
        summary.revision = seq
        event = HistoryEntry(seq=seq, at=at, kind=kind, actor=AGENT if data else SYSTEM, data=data)
        await ActivityEnvironment().run(store.record_event, EventRecord(event=event, summary=summary))
    return dispute_id


def _escalated(to_tier: int, automatic: bool = True) -> dict[str, Any]:
    return {"from_tier": to_tier - 1, "to_tier": to_tier, "reason": "r", "automatic": automatic}


@pytest.fixture(scope="module")
async def period(pg_pool: asyncpg.Pool) -> AsyncIterator[Period]:
    """Six disputes registered on one day (and two just outside it), with known outcomes."""
    # A day long before the service ran, so that a shared database holds no other dispute on it.
    start = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(days=random.randrange(6_000))
    run = uuid.uuid4().hex[:6]
    a, b = f"S-rep-{run}-A", f"S-rep-{run}-B"
    store = DisputeStore(pg_pool)
    inside = start + timedelta(hours=6)
    # Tier 2 at 24 h, findings missed and tier 3 at 48 h.
    climbed = [
        ("escalated", 24, _escalated(2)),
        ("findings_missed", 48, {}),
        ("escalated", 48, _escalated(3)),
    ]
    # An agent escalates at once; findings at 29 h.
    investigated = [("escalated", 1, _escalated(2, automatic=False)), ("findings_submitted", 29, {"f": "f"})]
    ids = [
        # Resolved by customer service 2 h after first contact: findings met by the resolution.
        await tell(store, Channel.CHAT, a, inside, [("resolved", 2, {})]),
        # Resolved at tier 2, 30 h after first contact.
        await tell(store, Channel.PHONE, a, inside, [*investigated, ("resolved", 30, {})]),
        # Resolved at tier 3, 100 h after first contact.
        await tell(store, Channel.EMAIL, b, inside, [*climbed, ("resolved", 100, {})]),
        # Breached at 120 h, resolved at tier 3 at 130 h.
        await tell(
            store, Channel.CHAT, b, inside, [*climbed, ("sla_breached", 120, {}), ("resolved", 130, {})]
        ),
        # Withdrawn by the customer at tier 1, 5 h in: its findings clock is cancelled.
        await tell(store, Channel.CHAT, a, inside, [("withdrawn", 5, {"reason": "r"})]),
        # Still open at tier 2, findings clock running.
        await tell(store, Channel.PHONE, b, start, [("escalated", 24, _escalated(2))]),
        # Outside the period: registered a moment before it, and at its end (excluded).
        await tell(store, Channel.CHAT, a, start - timedelta(seconds=1), [("resolved", 1, {})]),
        await tell(store, Channel.CHAT, b, start + timedelta(days=1), [("resolved", 1, {})]),
    ]
    try:
        yield Period(start, a, b)
    finally:
        await pg_pool.execute("DELETE FROM dispute_events WHERE dispute_id = ANY($1)", ids)
        await pg_pool.execute("DELETE FROM disputes WHERE dispute_id = ANY($1)", ids)


def measures(group: dict[str, Any]) -> list[Any]:
    return [group[field] for field in FIELDS]


async def test_every_measure_overall_and_by_group(
    http: httpx.AsyncClient, keys: Keys, period: Period
) -> None:
    response = await http.get("/reports/sla", params=period.params, headers=auth(keys.operator))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["opened_from"] == period.params["from"]
    assert report["opened_to"] == period.params["to"]
    # Shares are of the 5 disputes not withdrawn; findings of the 4 whose clock settled met or missed;
    # times to resolution 2, 30, 100 and 130 h.
    assert report["overall"] == {
        "opened": 6,
        "resolved": 4,
        "withdrawn": 1,
        "open": 1,
        "resolved_at_first_contact": 1,
        "resolved_within_24h": 1,
        "resolved_within_48h": 2,
        "resolved_within_5d": 3,
        "first_contact_share": 0.2,
        "within_24h_share": 0.2,
        "within_48h_share": 0.4,
        "within_5d_share": 0.6,
        "findings_met": 2,
        "findings_missed": 2,
        "findings_on_time_share": 0.5,
        "breaches": 1,
        "median_hours_to_resolution": 65.0,
        "p90_hours_to_resolution": 121.0,
    }

    def by(dimension: str) -> dict[str, list[Any]]:
        return {group["key"]: measures(group) for group in report[f"by_{dimension}"]}

    # opened resolved withdrawn open | first 24h 48h 5d | their shares | met missed share | breaches
    # | median p90
    assert by("channel") == {
        "chat": [3, 2, 1, 0, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 1, 1, 0.5, 1, 66.0, 117.2],
        "email": [1, 1, 0, 0, 0, 0, 0, 1, 0.0, 0.0, 0.0, 1.0, 0, 1, 0.0, 0, 100.0, 100.0],
        "phone": [2, 1, 0, 1, 0, 0, 1, 1, 0.0, 0.0, 0.5, 0.5, 1, 0, 1.0, 0, 30.0, 30.0],
    }
    assert list(by("tier")) == ["1", "2", "3", "open"]
    assert by("tier") == {
        "1": [2, 1, 1, 0, 1, 1, 1, 1, 1.0, 1.0, 1.0, 1.0, 1, 0, 1.0, 0, 2.0, 2.0],
        "2": [1, 1, 0, 0, 0, 0, 1, 1, 0.0, 0.0, 1.0, 1.0, 1, 0, 1.0, 0, 30.0, 30.0],
        "3": [2, 2, 0, 0, 0, 0, 0, 1, 0.0, 0.0, 0.0, 0.5, 0, 2, 0.0, 1, 115.0, 127.0],
        "open": [1, 0, 0, 1, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0, 0, None, 0, None, None],
    }
    assert by("seller") == {
        period.seller_a: [3, 2, 1, 0, 1, 1, 2, 2, 0.5, 0.5, 1.0, 1.0, 2, 0, 1.0, 0, 16.0, 27.2],
        period.seller_b: [3, 2, 0, 1, 0, 0, 0, 1, 0.0, 0.0, 0.0, 0.3333, 0, 2, 0.0, 1, 115.0, 127.0],
    }


async def test_csv_has_one_row_per_group(http: httpx.AsyncClient, keys: Keys, period: Period) -> None:
    headers = auth(keys.operator) | {"Accept": "text/csv"}
    response = await http.get("/reports/sla", params=period.params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="sla-report-')
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("all", "all"),
        ("channel", "chat"),
        ("channel", "email"),
        ("channel", "phone"),
        ("tier", "1"),
        ("tier", "2"),
        ("tier", "3"),
        ("tier", "open"),
        ("seller", period.seller_a),
        ("seller", period.seller_b),
    ]
    overall = ["6", "4", "1", "1", "1", "1", "2", "3", "0.2", "0.2", "0.4", "0.6", "2", "2", "0.5", "1"]
    assert rows[1][2:] == [*overall, "65.0", "121.0"]
    assert rows[8][2:][-4:] == ["", "0", "", ""]  # an open dispute: no findings share, no times


async def test_a_period_given_as_dates(http: httpx.AsyncClient, keys: Keys, period: Period) -> None:
    params = {
        "from": period.start.date().isoformat(),
        "to": (period.start + timedelta(days=1)).date().isoformat(),
    }
    response = await http.get("/reports/sla", params=params, headers=auth(keys.operator))
    assert response.status_code == 200, response.text
    assert response.json()["overall"]["opened"] == 6


async def test_an_empty_period(http: httpx.AsyncClient, keys: Keys) -> None:
    params = {"from": "2000-01-01", "to": "2000-01-02"}
    response = await http.get("/reports/sla", params=params, headers=auth(keys.operator))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["overall"]["opened"] == 0 and report["overall"]["within_24h_share"] is None
    assert report["by_channel"] == report["by_tier"] == report["by_seller"] == []


@pytest.mark.parametrize(
    ("params", "complaint"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "must come after from"),
        ({"from": "2026-03-01", "to": "2026-03-01"}, "must come after from"),
        ({"from": "2025-01-01", "to": "2026-01-03"}, "at most 366 days"),
        ({"from": "2026-03-01T00:00:00", "to": "2026-03-02"}, "timezone"),
        ({"from": "yesterday", "to": "2026-03-02"}, "datetime"),
        ({"to": "2026-03-02"}, "Field required"),
    ],
)
async def test_a_bad_period_is_refused(
    http: httpx.AsyncClient, keys: Keys, params: dict[str, str], complaint: str
) -> None:
    response = await http.get("/reports/sla", params=params, headers=auth(keys.operator))
    assert response.status_code == 422, response.text
    assert complaint in response.text


async def test_only_operators_read_reports(http: httpx.AsyncClient, keys: Keys) -> None:
    params = {"from": "2026-03-01", "to": "2026-03-02"}
    for token in (keys.agent3, keys.intake, keys.seller):
        response = await http.get("/reports/sla", params=params, headers=auth(token))
        assert response.status_code == 403, response.text
    assert (await http.get("/reports/sla", params=params)).status_code == 401
