"""The SLA policy: every duration and threshold of the dispute policy, in one model.

A copy goes into each dispute's input, so it crosses the data converter: add optional fields, never rename.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from workflows.business_hours import BusinessCalendar


def _seconds_or_iso(value: Any) -> Any:
    """Durations come as ISO 8601 (``PT24H``) or as a number of seconds, also in a string (``"86400"``)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


Duration = Annotated[timedelta, BeforeValidator(_seconds_or_iso)]


class SlaPolicy(BaseModel):
    """The SLA policy: the single source of the policy's durations and thresholds.

    ``infra.settings.SlaSettings`` reads it from ``SLA_*`` variables; a copy goes into every dispute's
    input so a running dispute keeps the rules it was opened under.
    """

    model_config = ConfigDict(frozen=True)

    resolution_team_after: Duration = timedelta(hours=24)
    customer_experience_after: Duration = timedelta(hours=48)
    findings_due_after: Duration = timedelta(hours=48)
    resolution_due_after: Duration = timedelta(days=5)
    breach_reminder_every: Duration = timedelta(hours=24)
    seller_response_window: Duration = timedelta(hours=24)
    seller_strike_window: Duration = timedelta(days=90)
    strikes_to_warn: int = Field(default=1, ge=1)
    strikes_to_restrict: int = Field(default=2, ge=1)
    strikes_to_terminate: int = Field(default=3, ge=1)
    # Operators are warned once a dispute has used this share of its resolution time (0.8: day 4 of 5).
    breach_warning_at: float = Field(default=0.8, gt=0, lt=1)
    # None: the policy's calendar hours. A calendar: every clock counts only its open hours.
    business_hours: BusinessCalendar | None = None
    # Stop the findings and 5-day clocks while the dispute awaits the customer's information.
    pause_while_awaiting_customer: bool = False
    # The API refuses to open a dispute whose first contact lies further back than this.
    max_first_contact_age: Duration = timedelta(days=30)

    def reads(self, duration: timedelta) -> str:
        """One of this policy's clock durations as the policy says it: ``24 hours``, ``48 hours``, ``5 days``;
        counted in business hours, ``24 business hours`` (a business day is not a calendar one)."""
        hours = duration / timedelta(hours=1)
        if self.business_hours is not None:
            return _count(hours, "business hour")
        if duration < timedelta(days=3) and hours.is_integer():
            return _count(hours, "hour")
        return span(duration)

    @model_validator(mode="after")
    def _consistent(self) -> SlaPolicy:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, timedelta) and value <= timedelta(0):
                raise ValueError(f"{name} must be a positive duration, got {value}")
        if self.customer_experience_after < self.resolution_team_after:
            raise ValueError("customer_experience_after must not come before resolution_team_after")
        if not self.strikes_to_warn <= self.strikes_to_restrict <= self.strikes_to_terminate:
            raise ValueError("strike thresholds must satisfy warn <= restrict <= terminate")
        return self


def span(duration: timedelta) -> str:
    """``30 days``, ``1 day``, ``36 hours``, ``90 minutes``: a duration as a person reads it, in the
    largest unit that counts it whole."""
    for unit, size in (
        ("day", timedelta(days=1)),
        ("hour", timedelta(hours=1)),
        ("minute", timedelta(minutes=1)),
    ):
        if duration >= size and duration % size == timedelta(0):
            return _count(duration // size, unit)
    return _count(duration.total_seconds(), "second")


def _count(number: float, unit: str) -> str:
    return f"{number:g} {unit}{'' if number == 1 else 's'}"
