"""Business hours: the hours agents work and phone lines are open, and time counted in them.

Pure and sandbox-safe (standard library and pydantic only): the dispute workflow may compute with it.
A calendar is data, copied into each dispute with its SLA policy, so a dispute keeps the calendar it was
opened under and replaying its history gives the same deadlines.

Open intervals are laid out on the local wall clock and each boundary is then turned into an instant, so
a day of 09:00-21:00 stays 09:00-21:00 local whatever Morocco's clock does around Ramadan; durations are
elapsed open time between instants.

Inside Temporal's workflow sandbox a ``ZoneInfo`` is a restricted proxy that ``datetime`` refuses as a
``tzinfo``, so this module never hands the zone to ``datetime``: it asks the zone for its UTC offset at a
wall-clock time and does the arithmetic in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OpeningHours(BaseModel):
    """One day's opening, on the local wall clock; it ends the day it starts (no overnight shifts)."""

    model_config = ConfigDict(frozen=True)

    opens: time
    closes: time

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OpeningHours:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening hours are wall-clock times of the calendar's time zone, without offset")
        if not self.opens < self.closes:
            raise ValueError(f"opens ({self.opens}) must come before closes ({self.closes})")
        return self


WEEKDAY_HOURS = OpeningHours(opens=time(9), closes=time(21))
WEEKEND_HOURS = OpeningHours(opens=time(9), closes=time(18))


class BusinessCalendar(BaseModel):
    """When the business is open: hours per weekday (``None``: closed) in a time zone, less closed dates.

    Jamla24's by default. ``closed_dates`` are local dates (public holidays, see ``infra.holidays``).
    """

    model_config = ConfigDict(frozen=True)

    time_zone: str = "Africa/Casablanca"
    monday: OpeningHours | None = WEEKDAY_HOURS
    tuesday: OpeningHours | None = WEEKDAY_HOURS
    wednesday: OpeningHours | None = WEEKDAY_HOURS
    thursday: OpeningHours | None = WEEKDAY_HOURS
    friday: OpeningHours | None = WEEKDAY_HOURS
    saturday: OpeningHours | None = WEEKEND_HOURS
    sunday: OpeningHours | None = WEEKEND_HOURS
    # A tuple keeps the frozen model hashable; JSON carries it as a list all the same.
    closed_dates: tuple[date, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        # Refuse the calendar now rather than fail on a deadline later.
        try:
            ZoneInfo(name)
        except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {name!r}") from None
        return name

    @field_validator("closed_dates")
    @classmethod
    def _sorted_unique(cls, dates: tuple[date, ...]) -> tuple[date, ...]:
        return tuple(sorted(set(dates)))

    @model_validator(mode="after")
    def _open_some_day(self) -> BusinessCalendar:
        if all(self.hours_on(weekday) is None for weekday in range(7)):
            raise ValueError("a business calendar must be open on at least one weekday")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def hours_on(self, weekday: int) -> OpeningHours | None:
        """The opening hours of a weekday, Monday 0 to Sunday 6 (as ``date.weekday()``)."""
        hours: OpeningHours | None = getattr(self, WEEKDAYS[weekday])
        return hours

    def open_intervals(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals (UTC instants) that end after ``since``, in order, clipped to start at it.

        Endless: the caller stops. Each calendar has an open weekday and finitely many closed dates.
        """
        since = _utc(since, "since")
        zone = self.zone
        closed = set(self.closed_dates)
        # The local date is at most a day off the UTC date; intervals ended before ``since`` are skipped.
        day = since.date() - timedelta(days=1)
        while True:
            hours = self.hours_on(day.weekday())
            if hours is not None and day not in closed:
                opens, closes = _instant(day, hours.opens, zone), _instant(day, hours.closes, zone)
                if closes > max(opens, since):  # (an opening inside a skipped hour could pass its closing)
                    yield max(opens, since), closes
            day += timedelta(days=1)


def add_business_time(start: datetime, duration: timedelta, calendar: BusinessCalendar) -> datetime:
    """The first instant (UTC) by which ``duration`` of open time has elapsed since ``start``.

    A start outside opening hours counts from the next opening. A duration that runs out exactly at a
    closing ends then, not at the next opening.
    """
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    remaining = duration
    for opens, closes in calendar.open_intervals(start):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise AssertionError("unreachable: open intervals never run out")


def business_time_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """The open time between two instants, e.g. how much of a clock a pause held back."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        raise ValueError(f"end ({end}) comes before start ({start})")
    total = timedelta(0)
    for opens, closes in calendar.open_intervals(start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def add_time(start: datetime, duration: timedelta, calendar: BusinessCalendar | None) -> datetime:
    """``duration`` after ``start`` in calendar time (``calendar`` is ``None``) or in business time."""
    if calendar is None:
        # In UTC: Python adds a timedelta to a zoned datetime on the wall clock, which a clock change skews.
        return _utc(start, "start") + duration
    return add_business_time(start, duration, calendar)


def time_between(start: datetime, end: datetime, calendar: BusinessCalendar | None) -> timedelta:
    """The time between two instants that counts: all of it, or only the open time of ``calendar``."""
    if calendar is None:
        return _utc(end, "end") - _utc(start, "start")
    return business_time_between(start, end, calendar)


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in ``zone``. In a repeated hour it is the first one (fold 0);
    in a skipped hour, the offset from before the change applies, as Python's ``datetime`` does."""
    local = datetime.combine(day, wall)
    offset = zone.utcoffset(local)
    if offset is None:  # a ZoneInfo always has an offset; this keeps the type checker honest
        raise ValueError(f"time zone {zone} has no UTC offset at {local}")
    return (local - offset).replace(tzinfo=UTC)


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone")
    return moment.astimezone(UTC)
