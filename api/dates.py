"""Dates and times as the API takes them: ISO 8601 text only, real UTC offsets, sane ranges.

pydantic alone reads a bare number (``1700000000``, also in a string, even ``0.5``) as Unix time and
takes any offset up to ±23:59; a typo then becomes a dispute first contacted in 1970, or a report of
1970. Here a date is ``YYYY-MM-DD``; a datetime starts with one, has a time and its UTC offset, between
-12:00 and +14:00 (the offsets in use on Earth). Dates in queries lie from 2000-01-01 to a year after
today; a first contact may not lie in the future (beyond ``FUTURE_TOLERANCE``: the sender's clock may
run a little fast) nor further back than the SLA policy allows (``api.intake``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

EARLIEST = date(2000, 1, 1)
AHEAD = timedelta(days=366)  # the latest date a query may name: a year after today
FUTURE_TOLERANCE = timedelta(minutes=2)  # clock skew between the sender and the API
OFFSETS = (timedelta(hours=-12), timedelta(hours=14))

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")  # how a datetime starts; pydantic reads the rest

DATE_EXAMPLE = "2026-03-01"
DATETIME_EXAMPLE = "2026-03-02T09:15:00+01:00"


def _refuse(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _date_text(value: Any) -> Any:
    if not (isinstance(value, str) and _DATE.fullmatch(value)):
        raise _refuse("date_format", f"must be a date as YYYY-MM-DD, e.g. {DATE_EXAMPLE}")
    return value


def _datetime_text(value: Any) -> Any:
    if not (isinstance(value, str) and _DATETIME.match(value)):
        raise _refuse(
            "datetime_format",
            f"must be an ISO 8601 datetime with its UTC offset, e.g. {DATETIME_EXAMPLE} "
            "(not a number of seconds)",
        )
    return value


def _day_or_datetime_text(value: Any) -> Any:
    """``2026-03-01`` is that day's start in UTC; anything else must be a datetime with its offset."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return start_of(date.fromisoformat(value))
        except ValueError:
            return value  # not a real day: pydantic says so
    if not (isinstance(value, str) and _DATETIME.match(value)):
        raise _refuse(
            "datetime_format",
            f"must be a date ({DATE_EXAMPLE}, that day's 00:00 UTC) or a datetime with its UTC offset "
            "(2026-03-01T00:00:00Z)",
        )
    return value


def _real_offset(value: datetime) -> datetime:
    offset = value.utcoffset()
    low, high = OFFSETS
    if offset is not None and not low <= offset <= high:
        raise _refuse(
            "timezone_offset",
            f"has the UTC offset {_offset(offset)}; real offsets lie between -12:00 and +14:00",
        )
    return value


def _latest() -> date:
    return datetime.now(UTC).date() + AHEAD


def _day_in_range(value: date) -> date:
    if not EARLIEST <= value <= _latest():
        raise _refuse("date_range", f"must lie between {EARLIEST} and {_latest()} (a year from today)")
    return value


def _instant_in_range(value: datetime) -> datetime:
    _day_in_range(value.astimezone(UTC).date())
    return value


def _not_in_future(value: datetime) -> datetime:
    if value > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise _refuse("datetime_future", "cannot be in the future")
    return value


def _offset(offset: timedelta) -> str:
    sign, minutes = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    hours, rest = divmod(int(minutes.total_seconds()) // 60, 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def start_of(day: date) -> datetime:
    """The day's first instant, in UTC."""
    return datetime.combine(day, time(), UTC)


def iso(moment: datetime) -> str:
    """``2026-03-02T08:15:00Z``: how an answer names an instant."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


QueryDay = Annotated[date, BeforeValidator(_date_text), AfterValidator(_day_in_range)]
"""A date in a query: ``YYYY-MM-DD``, from 2000-01-01 to a year after today."""

PeriodBound = Annotated[
    AwareDatetime,
    BeforeValidator(_day_or_datetime_text),
    AfterValidator(_real_offset),
    AfterValidator(_instant_in_range),
]
"""A report's bound: a date (its 00:00 UTC) or a datetime with a real offset, in the same range."""

FirstContact = Annotated[
    AwareDatetime,
    BeforeValidator(_datetime_text),
    AfterValidator(_real_offset),
    AfterValidator(_not_in_future),
]
"""When a customer first got in touch: a datetime with a real offset, not in the future. How far back it
may lie is the SLA policy's (``api.intake.check_first_contact``)."""
