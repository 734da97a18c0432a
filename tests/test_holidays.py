"""Moroccan public holidays from the ``holidays`` package, with the operators' corrections.

These pin what the package says for 2026; a new version that moves a date fails here first, and the
operators' corrections (``moved``) are how a confirmed sighting overrides an estimate.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from infra.holidays import moroccan_business_calendar, moroccan_closed_dates
from workflows.business_hours import add_business_time

EID_AL_FITR_2026 = [date(2026, 3, 20), date(2026, 3, 21)]
EID_AL_ADHA_2026 = [date(2026, 5, 27), date(2026, 5, 28)]


def test_2026_holidays_include_the_fixed_and_the_islamic_ones() -> None:
    dates = moroccan_closed_dates([2026])
    assert dates == sorted(dates)
    fixed = [(1, 1), (1, 11), (1, 14), (5, 1), (7, 30), (8, 14), (8, 20), (8, 21), (11, 6), (11, 18)]
    assert {date(2026, month, day) for month, day in fixed} <= set(dates)
    assert set(EID_AL_FITR_2026 + EID_AL_ADHA_2026) <= set(dates)


def test_years_are_combined() -> None:
    both = moroccan_closed_dates([2026, 2027])
    assert date(2026, 12, 31) not in both
    assert {date(2026, 11, 18), date(2027, 1, 1)} <= set(both)


def test_operators_add_move_and_remove_dates() -> None:
    # Eid al-Fitr sighted a day later than estimated: 21-22 March instead of 20-21.
    dates = moroccan_closed_dates(
        [2026],
        added=[date(2026, 4, 2)],
        moved={date(2026, 3, 20): date(2026, 3, 22)},
        removed=[date(2026, 1, 11)],
    )
    assert date(2026, 3, 20) not in dates
    assert {date(2026, 3, 21), date(2026, 3, 22), date(2026, 4, 2)} <= set(dates)
    assert date(2026, 1, 11) not in dates


def test_moving_or_removing_a_date_that_is_no_holiday_is_refused() -> None:
    with pytest.raises(ValueError, match="2026-03-19"):
        moroccan_closed_dates([2026], moved={date(2026, 3, 19): date(2026, 3, 20)})
    with pytest.raises(ValueError, match="2026-02-02"):
        moroccan_closed_dates([2026], removed=[date(2026, 2, 2)])


def test_a_moved_eid_moves_the_deadline() -> None:
    # Thu 19 March 18:00 (UTC+0), 24 business hours. With Eid on 21-22 March instead of 20-21: Thu 3 h;
    # Fri 20 open 12 h (15 h); Sat, Sun closed; Mon 23 March (UTC+1) 09:00 + 9 h = 18:00 local, 17:00 UTC.
    calendar = moroccan_business_calendar([2026], moved={date(2026, 3, 20): date(2026, 3, 22)})
    due = add_business_time(datetime(2026, 3, 19, 18, tzinfo=UTC), timedelta(hours=24), calendar)
    assert due == datetime(2026, 3, 23, 17, tzinfo=UTC)
