"""Reports for operators, computed in PostgreSQL from the read model and the events."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BeforeValidator

from api import reports
from api.auth import KeyRole
from api.deps import PoolDep, allow

router = APIRouter(prefix="/reports", tags=["reports"])

MAX_SPAN = timedelta(days=366)
CSV = "text/csv"


def _day_or_instant(value: Any) -> Any:
    """``2026-03-01`` is that day's start in UTC; anything else must be a datetime with its offset."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        except ValueError:
            return value
    return value


PeriodBound = Annotated[AwareDatetime, BeforeValidator(_day_or_instant)]


def _invalid(field: str, message: str, value: object) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": ("query", field), "msg": message, "type": "value_error", "input": value}]
    )


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
        raise _invalid("to", "must come after from", request.query_params.get("to"))
    if opened_to - opened_from > MAX_SPAN:
        raise _invalid(
            "to", f"the period may span at most {MAX_SPAN.days} days", request.query_params.get("to")
        )
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
