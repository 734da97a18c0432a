"""Reports for operators, computed in PostgreSQL from the read model and the events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from api import reports
from api.auth import KeyRole
from api.dates import PeriodBound
from api.deps import PoolDep, allow
from api.errors import invalid

router = APIRouter(prefix="/reports", tags=["reports"])

MAX_SPAN = timedelta(days=366)
CSV = "text/csv"


@router.get(
    "/sla",
    response_model=reports.SlaReport,
    summary="SLA compliance report",
    dependencies=[Depends(allow(KeyRole.OPERATOR))],
    responses={
        200: {"content": {CSV: {"example": "dimension,key,opened,...\r\nall,all,1200,...\r\n"}}},
        401: {"description": "no API key, or not a valid one"},
        403: {"description": "only operators may read reports"},
    },
)
async def sla_report(
    request: Request,
    pool: PoolDep,
    opened_from: Annotated[
        PeriodBound,
        Query(
            alias="from",
            description="disputes registered at or after: a date (00:00 UTC) or a datetime with its offset",
            examples=["2026-03-01"],
        ),
    ],
    opened_to: Annotated[
        PeriodBound,
        Query(
            alias="to",
            description="... and before (excluded); at most 366 days later",
            examples=["2026-04-01"],
        ),
    ],
) -> Any:
    """For the disputes registered in `[from, to)` (at most 366 days): how many opened, the share
    resolved at first contact and within 24 h, 48 h and 5 days of first contact, findings on time,
    breaches, the median and 90th percentile time to resolution; overall, by channel, by the tier the
    dispute was closed at (`open` for those not closed yet) and by seller.

    Shares are of the disputes not withdrawn. With `Accept: text/csv`, one CSV row per group
    (`dimension`, `key`, then the measures).
    """
    if opened_to <= opened_from:
        raise invalid(("query", "to"), "must come after from")
    if opened_to - opened_from > MAX_SPAN:
        raise invalid(("query", "to"), f"the period may span at most {MAX_SPAN.days} days")
    report = await reports.sla_report(pool, opened_from, opened_to, datetime.now(UTC))
    if CSV in request.headers.get("accept", ""):
        start, end = (bound.astimezone(UTC) for bound in (opened_from, opened_to))
        name = f"sla-report-{start:%Y%m%dT%H%M%SZ}-{end:%Y%m%dT%H%M%SZ}.csv"
        return Response(
            reports.to_csv(report),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report
