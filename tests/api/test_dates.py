"""Dates and times as the API takes them: ISO 8601 text, real offsets, sane ranges; never Unix time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from api.dates import FirstContact, PeriodBound, QueryDay
from api.intake import check_first_contact
from api.schemas import IntakeRequest
from tests.api.test_intake import BODY
from workflows.sla_policy import SlaPolicy


class Dates(BaseModel):
    day: QueryDay | None = None
    bound: PeriodBound | None = None
    contact: FirstContact | None = None


def _refused(**value: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        Dates.model_validate(value)
    (error,) = refused.value.errors()
    assert error["loc"] == tuple(value)
    return str(error["msg"])


NOW = datetime.now(UTC)


@pytest.mark.parametrize("seconds", [1_700_000_000, "1700000000", 0.5, "0.5", 1_700_000_000.0])
def test_a_number_is_not_a_time(seconds: Any) -> None:
    assert "ISO 8601" in _refused(contact=seconds)
    assert "date" in _refused(bound=seconds)
    assert "YYYY-MM-DD" in _refused(day=seconds)


@pytest.mark.parametrize("offset", ["+23:59", "+14:30", "-12:30", "-23:00"])
def test_an_offset_no_place_on_earth_keeps_is_refused(offset: str) -> None:
    moment = (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S") + offset
    assert f"UTC offset {offset}" in _refused(contact=moment)
    assert "-12:00 and +14:00" in _refused(bound=moment)


@pytest.mark.parametrize("offset", ["+14:00", "-12:00", "Z", "+01:00", "+05:45"])
def test_real_offsets_are_taken(offset: str) -> None:
    moment = (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S") + offset
    dates = Dates.model_validate({"contact": moment, "bound": moment})
    assert dates.contact == dates.bound and dates.contact is not None and dates.contact.tzinfo is not None


def test_a_first_contact_may_be_a_little_ahead_of_our_clock_but_not_in_the_future() -> None:
    assert Dates.model_validate({"contact": (NOW + timedelta(seconds=60)).isoformat()}).contact
    assert "future" in _refused(contact=(NOW + timedelta(minutes=5)).isoformat())


def test_query_dates_are_plain_days_in_a_sane_range() -> None:
    assert Dates.model_validate({"day": "2026-03-01"}).day == date(2026, 3, 1)
    assert "YYYY-MM-DD" in _refused(day="2026-03-01T00:00:00Z")
    assert "YYYY-MM-DD" in _refused(day="yesterday")
    assert "between 2000-01-01" in _refused(day="1999-12-31")
    assert "a year from today" in _refused(day=(NOW + timedelta(days=400)).date().isoformat())
    assert Dates.model_validate({"day": (NOW + timedelta(days=300)).date().isoformat()}).day


def test_a_report_bound_is_a_day_or_a_datetime_in_the_same_range() -> None:
    assert Dates.model_validate({"bound": "2026-03-01"}).bound == datetime(2026, 3, 1, tzinfo=UTC)
    assert "between 2000-01-01" in _refused(bound="1970-01-01")
    assert Dates.model_validate({"bound": "1999-12-31T23:00:00-02:00"}).bound  # 2000-01-01 in UTC
    assert "timezone" in _refused(bound="2026-03-01T00:00:00")


# --- How far back a first contact may lie: the policy's, read where the app runs. ---


DEFAULT = SlaPolicy()


def _check(first_contact: datetime | str, policy: SlaPolicy = DEFAULT) -> None:
    value = first_contact if isinstance(first_contact, str) else first_contact.isoformat()
    check_first_contact(IntakeRequest.model_validate(BODY | {"first_contact_at": value}), policy, NOW)


def test_a_first_contact_within_the_policys_limit_is_taken() -> None:
    _check(NOW - timedelta(days=29))
    _check(NOW - timedelta(days=30) + timedelta(seconds=1))
    check_first_contact(IntakeRequest.model_validate(BODY), SlaPolicy(), NOW)  # none: now


@pytest.mark.parametrize("first_contact", [NOW - timedelta(days=31), "1970-01-01T00:00:00Z"])
def test_a_first_contact_older_than_the_limit_is_refused_naming_it_and_the_value(
    first_contact: datetime | str,
) -> None:
    with pytest.raises(RequestValidationError) as refused:
        _check(first_contact)
    (error,) = refused.value.errors()
    assert error["loc"] == ("body", "first_contact_at")
    assert "older than the policy's limit of 30 days (SLA_MAX_FIRST_CONTACT_AGE)" in error["msg"]
    shown = "1970-01-01T00:00:00Z" if isinstance(first_contact, str) else first_contact.isoformat()[:10]
    assert shown in error["msg"]


def test_the_limit_is_the_policys() -> None:
    short = SlaPolicy(max_first_contact_age=timedelta(hours=36))
    _check(NOW - timedelta(hours=35), short)
    with pytest.raises(RequestValidationError, match="limit of 36 hours"):
        _check(NOW - timedelta(hours=37), short)
