"""The SLA compliance report, computed in PostgreSQL from the read model and the events.

For the disputes *opened* (registered) in a period ``[opened_from, opened_to)``, overall and by channel,
by tier of resolution and by seller:

- ``opened``: disputes registered in the period; ``resolved``, ``withdrawn`` and ``open`` (still open or
  awaiting the customer) split them by their status now.
- ``resolved_at_first_contact``: resolved by customer service (tier 1), never escalated (no ``escalated``
  event in its history).
- ``resolved_within_24h`` / ``_48h`` / ``_5d``: resolved, its resolution at most 24 h, 48 h or 5 days of
  elapsed time after the customer's first contact.
- The ``*_share`` of each of those is of the disputes the period opened that were not withdrawn: a
  withdrawn dispute was neither resolved nor left unresolved by Jamla24. A dispute still open counts as
  not (yet) resolved, so a period ending less than 5 days ago shows shares that can still grow.
- ``findings_met`` / ``findings_missed``: the findings clock (48 h) settled met (findings delivered in
  time) or missed; ``findings_on_time_share`` = met / (met + missed). Disputes whose clock is still running,
  was cancelled (withdrawn) or was not needed (resolved before any findings) count in neither.
- ``breaches``: disputes past their 5-day limit (``sla_breached``).
- ``median_hours_to_resolution``, ``p90_hours_to_resolution``: of the resolved disputes, hours from first
  contact to resolution (continuous percentiles); null when none was resolved.

Groups: ``channel`` (phone, chat, email); ``tier``: the tier a dispute was closed at (resolved or
withdrawn: ``1``, ``2``, ``3``), or ``open`` for one not closed yet; ``seller``: the seller's id.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, Field

from workflows.events import EventKind

HOUR = 3600.0
WITHIN = {"24h": 24 * HOUR, "48h": 48 * HOUR, "5d": 5 * 24 * HOUR}

# One pass over the period's rows (disputes_registered_idx, or a sequential scan for a long period),
# four groupings. Whether a dispute was ever escalated comes from the events, through the partial
# index of migration 0005 (only escalations); the findings clock's state from the deadlines.
SQL = """
WITH measured AS (
    SELECT
        d.channel,
        d.seller_id,
        CASE WHEN d.status IN ('resolved', 'withdrawn') THEN d.tier::text ELSE 'open' END AS tier_key,
        d.status = 'resolved' AS resolved,
        d.status = 'withdrawn' AS withdrawn,
        d.sla_breached,
        CASE WHEN d.status = 'resolved' THEN extract(epoch FROM d.closed_at - d.first_contact_at) END
            AS seconds,
        CASE
            WHEN d.deadlines @> '[{"kind": "findings", "state": "met"}]' THEN 'met'
            WHEN d.deadlines @> '[{"kind": "findings", "state": "missed"}]' THEN 'missed'
        END AS findings,
        (d.status = 'resolved' AND d.tier = 1 AND NOT EXISTS (
            SELECT 1 FROM dispute_events e WHERE e.dispute_id = d.dispute_id AND e.kind = :escalated
        )) AS first_contact
    FROM disputes d
    WHERE d.registered_at >= $1 AND d.registered_at < $2
)
SELECT
    CASE
        WHEN GROUPING(channel) = 0 THEN 'channel'
        WHEN GROUPING(tier_key) = 0 THEN 'tier'
        WHEN GROUPING(seller_id) = 0 THEN 'seller'
        ELSE 'all'
    END AS dimension,
    COALESCE(channel, tier_key, seller_id, 'all') AS key,
    count(*) AS opened,
    count(*) FILTER (WHERE resolved) AS resolved,
    count(*) FILTER (WHERE withdrawn) AS withdrawn,
    count(*) FILTER (WHERE first_contact) AS resolved_at_first_contact,
    count(*) FILTER (WHERE seconds <= $3) AS resolved_within_24h,
    count(*) FILTER (WHERE seconds <= $4) AS resolved_within_48h,
    count(*) FILTER (WHERE seconds <= $5) AS resolved_within_5d,
    count(*) FILTER (WHERE findings = 'met') AS findings_met,
    count(*) FILTER (WHERE findings = 'missed') AS findings_missed,
    count(*) FILTER (WHERE sla_breached) AS breaches,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median_seconds,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90_seconds
FROM measured
GROUP BY GROUPING SETS ((), (channel), (tier_key), (seller_id))
""".replace(":escalated", f"'{EventKind.ESCALATED.value}'")  # a literal, as the partial index's


class SlaMeasures(BaseModel):
    """The measures of one group of disputes (see the module's docstring for their definitions)."""

    opened: int = Field(description="disputes registered in the period")
    resolved: int = Field(description="... resolved by now")
    withdrawn: int = Field(description="... withdrawn by the customer by now")
    open: int = Field(description="... still open or awaiting the customer")
    resolved_at_first_contact: int = Field(description="resolved at tier 1, never escalated")
    resolved_within_24h: int = Field(description="resolved at most 24 h after first contact")
    resolved_within_48h: int = Field(description="resolved at most 48 h after first contact")
    resolved_within_5d: int = Field(description="resolved at most 5 days after first contact")
    first_contact_share: float | None = Field(description="resolved_at_first_contact / (opened - withdrawn)")
    within_24h_share: float | None = Field(description="resolved_within_24h / (opened - withdrawn)")
    within_48h_share: float | None = Field(description="resolved_within_48h / (opened - withdrawn)")
    within_5d_share: float | None = Field(description="resolved_within_5d / (opened - withdrawn)")
    findings_met: int = Field(description="findings clock (48 h) met")
    findings_missed: int = Field(description="findings clock (48 h) missed")
    findings_on_time_share: float | None = Field(
        description="findings_met / (findings_met + findings_missed)"
    )
    breaches: int = Field(description="disputes past their 5-day limit")
    median_hours_to_resolution: float | None = Field(
        description="of the resolved: first contact to resolution"
    )
    p90_hours_to_resolution: float | None = Field(description="of the resolved: 90th percentile")


class SlaGroup(SlaMeasures):
    key: str = Field(description="the channel, the tier (`1`, `2`, `3`, or `open`) or the seller id")


class SlaReport(BaseModel):
    opened_from: datetime = Field(description="the period's start (included), on registration time")
    opened_to: datetime = Field(description="the period's end (excluded)")
    generated_at: datetime
    overall: SlaMeasures
    by_channel: list[SlaGroup]
    by_tier: list[SlaGroup]
    by_seller: list[SlaGroup]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 2)


def _measures(row: Mapping[str, Any] | asyncpg.Record) -> dict[str, Any]:
    handled = row["opened"] - row["withdrawn"]
    return {
        "opened": row["opened"],
        "resolved": row["resolved"],
        "withdrawn": row["withdrawn"],
        "open": row["opened"] - row["resolved"] - row["withdrawn"],
        "resolved_at_first_contact": row["resolved_at_first_contact"],
        **{f"resolved_within_{name}": row[f"resolved_within_{name}"] for name in WITHIN},
        "first_contact_share": _share(row["resolved_at_first_contact"], handled),
        **{f"within_{name}_share": _share(row[f"resolved_within_{name}"], handled) for name in WITHIN},
        "findings_met": row["findings_met"],
        "findings_missed": row["findings_missed"],
        "findings_on_time_share": _share(row["findings_met"], row["findings_met"] + row["findings_missed"]),
        "breaches": row["breaches"],
        "median_hours_to_resolution": _hours(row["median_seconds"]),
        "p90_hours_to_resolution": _hours(row["p90_seconds"]),
    }


_EMPTY = {
    "opened": 0, "resolved": 0, "withdrawn": 0, "resolved_at_first_contact": 0,
    **{f"resolved_within_{name}": 0 for name in WITHIN},
    "findings_met": 0, "findings_missed": 0, "breaches": 0, "median_seconds": None, "p90_seconds": None,
}  # fmt: skip
_TIER_ORDER = {"1": 0, "2": 1, "3": 2, "open": 3}


async def sla_report(
    pool: asyncpg.Pool, opened_from: datetime, opened_to: datetime, now: datetime
) -> SlaReport:
    """The report for disputes registered in ``[opened_from, opened_to)``."""
    rows = await pool.fetch(SQL, opened_from, opened_to, *WITHIN.values())
    groups: dict[str, list[SlaGroup]] = {"channel": [], "tier": [], "seller": []}
    overall = SlaMeasures.model_validate(_measures(_EMPTY))
    for row in rows:
        if row["dimension"] == "all":
            overall = SlaMeasures.model_validate(_measures(row))
        else:
            groups[row["dimension"]].append(SlaGroup(key=row["key"], **_measures(row)))
    groups["channel"].sort(key=lambda g: g.key)
    groups["tier"].sort(key=lambda g: _TIER_ORDER.get(g.key, 9))
    groups["seller"].sort(key=lambda g: g.key)
    return SlaReport(
        opened_from=opened_from,
        opened_to=opened_to,
        generated_at=now,
        overall=overall,
        by_channel=groups["channel"],
        by_tier=groups["tier"],
        by_seller=groups["seller"],
    )


CSV_COLUMNS = ("dimension", "key", *SlaMeasures.model_fields)


def _cell(text: str) -> str:
    """A key as a CSV cell a spreadsheet shows as text (never runs it as a formula)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: SlaReport) -> str:
    """One row per group: ``all`` first, then each channel, tier and seller."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    rows: list[tuple[str, str, SlaMeasures]] = [("all", "all", report.overall)]
    for dimension, groups in (
        ("channel", report.by_channel),
        ("tier", report.by_tier),
        ("seller", report.by_seller),
    ):
        rows += [(dimension, group.key, group) for group in groups]
    for dimension, key, measures in rows:
        values = measures.model_dump(include=set(SlaMeasures.model_fields))
        writer.writerow(
            [
                dimension,
                _cell(key),
                *("" if values[c] is None else values[c] for c in SlaMeasures.model_fields),
            ]
        )
    return out.getvalue()
