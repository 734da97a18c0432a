"""Moroccan public holidays as the closed dates of a business calendar.

The ``holidays`` package computes them, Islamic ones included; those follow the moon's sighting and are
confirmed only days ahead, so operators add, move or remove dates the package got wrong. This stays
outside the workflow (the package is not sandbox-safe, and its answers change between versions): the
dates are computed here and travel into each dispute as data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from types import MappingProxyType

import holidays

from workflows.business_hours import BusinessCalendar

COUNTRY = "MA"
_NO_MOVES: Mapping[date, date] = MappingProxyType({})


def moroccan_closed_dates(
    years: Iterable[int],
    added: Iterable[date] = (),
    moved: Mapping[date, date] = _NO_MOVES,
    removed: Iterable[date] = (),
) -> list[date]:
    """Morocco's public holidays in ``years``, sorted, with the operators' corrections applied.

    ``moved`` maps a date the package gives to the date it actually falls on; ``removed`` drops dates.
    Moving or removing a date that is not a holiday is refused: it is most likely a typo.
    """
    known = set(holidays.country_holidays(COUNTRY, years=list(years)))
    removed = set(removed)
    unknown = sorted((removed | set(moved)) - known)
    if unknown:
        listed = ", ".join(day.isoformat() for day in unknown)
        raise ValueError(f"not a Moroccan public holiday in those years, cannot move or remove: {listed}")
    dates = (known - removed - set(moved)) | set(moved.values()) | set(added)
    return sorted(dates)


def moroccan_business_calendar(
    years: Iterable[int],
    added: Iterable[date] = (),
    moved: Mapping[date, date] = _NO_MOVES,
    removed: Iterable[date] = (),
) -> BusinessCalendar:
    """Jamla24's hours in Africa/Casablanca, closed on Morocco's public holidays of ``years``.

    A deadline may fall in the year after its first contact: cover both.
    """
    return BusinessCalendar(closed_dates=moroccan_closed_dates(years, added, moved, removed))
