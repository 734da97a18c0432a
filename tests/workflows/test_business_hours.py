"""Business hours: Jamla24's hours in Casablanca, Moroccan holidays, Ramadan's clock changes and pauses.

Jamla24 is open Mon-Fri 09:00-21:00 (12 h) and Sat-Sun 09:00-18:00 (9 h), local time. Morocco is on
UTC+1, except during Ramadan 2026: UTC+0 from 03:00 on 15 February (back to 02:00) until 02:00 on
22 March (on to 03:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from infra.holidays import moroccan_business_calendar
from workflows.business_hours import (
    WEEKDAYS,
    BusinessCalendar,
    OpeningHours,
    add_business_time,
    add_time,
    business_time_between,
    time_between,
)

CASABLANCA = ZoneInfo("Africa/Casablanca")
CALENDAR_2026 = moroccan_business_calendar([2026])
PLAIN = BusinessCalendar()  # Jamla24's hours, no holidays
H = timedelta(hours=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CASABLANCA)


def test_a_contact_on_friday_evening_counts_the_weekend_hours() -> None:
    # Fri 16 Jan 2026 20:30 → 21:00 is 0.5 h; Sat 9 h (9.5); Sun 9 h (18.5); Mon 09:00 + 5.5 h = 14:30.
    contact = local(2026, 1, 16, 20, 30)
    due = add_business_time(contact, 24 * H, CALENDAR_2026)
    assert due == local(2026, 1, 19, 14, 30)
    assert due == datetime(2026, 1, 19, 13, 30, tzinfo=UTC) and due.tzinfo is UTC
    # 48 h: Mon 14:30 → 21:00 is 6.5 h (30.5); Tue 12 h (42.5); Wed 09:00 + 5.5 h = 14:30.
    assert add_business_time(contact, 48 * H, CALENDAR_2026) == local(2026, 1, 21, 14, 30)


def test_a_holiday_in_the_week_is_closed() -> None:
    # Tue 13 Jan 10:00 → 21:00 is 11 h; Wed 14 Jan is Amazigh New Year, closed; Thu 12 h (23 h); Fri 10:00.
    assert date(2026, 1, 14) in CALENDAR_2026.closed_dates
    assert add_business_time(local(2026, 1, 13, 10), 24 * H, CALENDAR_2026) == local(2026, 1, 16, 10)
    assert add_business_time(local(2026, 1, 13, 10), 24 * H, PLAIN) == local(2026, 1, 15, 10)


def test_a_contact_on_the_eve_of_eid_al_fitr_waits_out_the_feast_and_the_clock_change() -> None:
    # Eid al-Fitr 2026 is Fri 20 and Sat 21 March (the holidays package). Thu 19 March 18:00 (UTC+0) → 21:00
    # is 3 h; Fri and Sat closed; Sun 22 March (now UTC+1) 09:00-18:00 is 9 h (12 h); Mon 23 March
    # 09:00-21:00 is 12 h: the 24 h run out exactly at Monday's closing, 21:00 local, 20:00 UTC.
    assert {date(2026, 3, 20), date(2026, 3, 21)} <= set(CALENDAR_2026.closed_dates)
    due = add_business_time(local(2026, 3, 19, 18), 24 * H, CALENDAR_2026)
    assert due == local(2026, 3, 23, 21) == datetime(2026, 3, 23, 20, tzinfo=UTC)


def test_a_contact_on_the_eve_of_eid_al_adha() -> None:
    # Eid al-Adha 2026 is Wed 27 and Thu 28 May. Tue 26 May 20:00 → 21:00 is 1 h; Wed, Thu closed;
    # Fri 12 h (13 h); Sat 9 h (22 h); Sun 09:00 + 2 h = 11:00.
    assert {date(2026, 5, 27), date(2026, 5, 28)} <= set(CALENDAR_2026.closed_dates)
    due = add_business_time(local(2026, 5, 26, 20), 24 * H, CALENDAR_2026)
    assert due == local(2026, 5, 31, 11) == datetime(2026, 5, 31, 10, tzinfo=UTC)


def test_across_the_clock_change_into_ramadan() -> None:
    # Sat 14 Feb 17:00 (UTC+1) → 18:00 is 1 h; Sun 15 Feb (UTC+0) 9 h (10 h); Mon 12 h (22 h);
    # Tue 09:00 + 2 h = 11:00.
    due = add_business_time(local(2026, 2, 14, 17), 24 * H, PLAIN)
    assert due == local(2026, 2, 17, 11) == datetime(2026, 2, 17, 11, tzinfo=UTC)
    intervals = PLAIN.open_intervals(local(2026, 2, 14, 0))
    assert next(intervals) == (utc(2026, 2, 14, 8), utc(2026, 2, 14, 17))  # 09:00-18:00 at UTC+1
    assert next(intervals) == (utc(2026, 2, 15, 9), utc(2026, 2, 15, 18))  # 09:00-18:00 at UTC+0


def test_across_the_clock_change_after_ramadan() -> None:
    # Fri 20 March 20:00 (UTC+0) → 21:00 is 1 h; Sat 9 h (10 h); Sun 22 March (UTC+1) 9 h (19 h);
    # Mon 09:00 + 5 h = 14:00 local, 13:00 UTC.
    due = add_business_time(local(2026, 3, 20, 20), 24 * H, PLAIN)
    assert due == local(2026, 3, 23, 14) == datetime(2026, 3, 23, 13, tzinfo=UTC)
    intervals = PLAIN.open_intervals(local(2026, 3, 21, 0))
    assert next(intervals) == (utc(2026, 3, 21, 9), utc(2026, 3, 21, 18))
    assert next(intervals) == (utc(2026, 3, 22, 8), utc(2026, 3, 22, 17))


@pytest.mark.parametrize(
    "monday", [date(2026, 2, 9), date(2026, 2, 16), date(2026, 3, 16), date(2026, 3, 23)]
)
def test_a_business_day_stays_twelve_open_hours_whatever_the_offset(monday: date) -> None:
    start = datetime.combine(monday, time(), tzinfo=CASABLANCA)
    assert business_time_between(start, start + timedelta(days=1), PLAIN) == 12 * H


def test_a_pause_over_a_weekend_holds_back_the_open_hours_it_spans() -> None:
    # Contact Fri 16 Jan 10:00: 24 h due Sun 13:00 (Fri 11 h, Sat 9 h, Sun 4 h).
    contact, due = local(2026, 1, 16, 10), local(2026, 1, 18, 13)
    assert add_business_time(contact, 24 * H, CALENDAR_2026) == due
    # Paused Fri 19:00 → Mon 19 Jan 10:00 (awaiting the customer): Fri 2 h + Sat 9 h + Sun 9 h + Mon 1 h.
    paused, resumed = local(2026, 1, 16, 19), local(2026, 1, 19, 10)
    held = business_time_between(paused, resumed, CALENDAR_2026)
    assert held == 21 * H
    # Either way the new deadline is Tue 20 Jan 13:00: 15 h left at the pause, counted from the resumption
    # (Mon 11 h, Tue 09:00 + 4 h), or the old deadline pushed by the 21 open hours the pause held.
    left = 24 * H - business_time_between(contact, paused, CALENDAR_2026)
    assert left == 15 * H
    assert add_business_time(resumed, left, CALENDAR_2026) == local(2026, 1, 20, 13)
    assert add_business_time(due, held, CALENDAR_2026) == local(2026, 1, 20, 13)
    # In calendar hours the same pause holds back all 63 hours.
    assert time_between(paused, resumed, None) == 63 * H


def test_calendar_hours_are_elapsed_time_across_a_clock_change() -> None:
    contact = local(2026, 2, 14, 17)  # 16:00 UTC; the clock goes back an hour that night
    assert add_time(contact, 24 * H, None) == datetime(2026, 2, 15, 16, tzinfo=UTC)
    assert add_time(contact, 24 * H, PLAIN) == add_business_time(contact, 24 * H, PLAIN)


def test_edges_of_opening_hours() -> None:
    saturday_evening = local(2026, 1, 17, 19)  # closed: the clock starts at Sunday's opening
    assert add_business_time(saturday_evening, timedelta(0), PLAIN) == local(2026, 1, 18, 9)
    assert add_business_time(saturday_evening, H, PLAIN) == local(2026, 1, 18, 10)
    # Running out at a closing ends there, not at the next opening.
    assert add_business_time(local(2026, 1, 19, 9), 12 * H, PLAIN) == local(2026, 1, 19, 21)
    assert business_time_between(saturday_evening, local(2026, 1, 18, 9), PLAIN) == timedelta(0)
    assert business_time_between(local(2026, 1, 19, 12), local(2026, 1, 19, 12), PLAIN) == timedelta(0)


def test_elapsed_open_time_up_to_a_deadline_is_its_duration() -> None:
    starts = [datetime(2026, 2, 10, tzinfo=UTC) + k * timedelta(hours=7, minutes=13) for k in range(60)]
    for start in starts:
        for duration in (timedelta(minutes=1), 24 * H, 48 * H, 120 * H):
            due = add_business_time(start, duration, CALENDAR_2026)
            assert business_time_between(start, due, CALENDAR_2026) == duration, (start, duration)
            # A deadline falls in opening hours, or at a closing.
            assert any(opens <= due <= closes for opens, closes in CALENDAR_2026.open_intervals(due - H))


def test_nonsense_is_refused() -> None:
    naive = datetime(2026, 1, 16, 20, 30)
    with pytest.raises(ValueError, match="time zone"):
        add_business_time(naive, H, PLAIN)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(local(2026, 1, 16, 10), -H, PLAIN)
    with pytest.raises(ValueError, match="before start"):
        business_time_between(local(2026, 1, 16, 10), local(2026, 1, 16, 9), PLAIN)
    with pytest.raises(ValidationError, match="unknown time zone"):
        BusinessCalendar(time_zone="Africa/Atlantis")
    with pytest.raises(ValidationError, match="at least one weekday"):
        BusinessCalendar.model_validate(dict.fromkeys(WEEKDAYS, None))
    with pytest.raises(ValidationError, match="must come before"):
        OpeningHours(opens=time(18), closes=time(9))


def test_a_calendar_travels_as_json() -> None:
    calendar = BusinessCalendar(
        sunday=None, closed_dates=[date(2026, 3, 21), date(2026, 3, 20), date(2026, 3, 20)]
    )
    assert calendar.closed_dates == (date(2026, 3, 20), date(2026, 3, 21))
    assert BusinessCalendar.model_validate_json(calendar.model_dump_json()) == calendar
    assert hash(calendar) == hash(BusinessCalendar.model_validate_json(calendar.model_dump_json()))


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)
