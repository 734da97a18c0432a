"""The SLA policy is configuration: SLA_* variables, ISO 8601 or seconds, checked for sense."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from infra.settings import SlaSettings, WorkerSettings
from workflows import patches
from workflows.sla_policy import SlaPolicy


def test_defaults_are_the_policy_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(SlaSettings.model_fields):
        monkeypatch.delenv(f"SLA_{name.upper()}", raising=False)
    assert SlaSettings().policy() == SlaPolicy()
    assert SlaPolicy().resolution_due_after == timedelta(days=5)
    assert SlaPolicy().max_first_contact_age == timedelta(days=30)


def test_durations_read_as_iso_8601_or_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLA_RESOLUTION_TEAM_AFTER", "PT2H")
    monkeypatch.setenv("SLA_CUSTOMER_EXPERIENCE_AFTER", "14400")
    monkeypatch.setenv("SLA_SELLER_STRIKE_WINDOW", "P30D")
    monkeypatch.setenv("SLA_STRIKES_TO_TERMINATE", "5")
    monkeypatch.setenv("SLA_BREACH_WARNING_AT", "0.9")
    monkeypatch.setenv("SLA_MAX_FIRST_CONTACT_AGE", "P7D")
    policy = SlaSettings().policy()
    assert policy.resolution_team_after == timedelta(hours=2)
    assert policy.customer_experience_after == timedelta(hours=4)
    assert policy.seller_strike_window == timedelta(days=30)
    assert policy.strikes_to_terminate == 5
    assert policy.breach_warning_at == 0.9
    assert policy.max_first_contact_age == timedelta(days=7)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SLA_RESOLUTION_DUE_AFTER", "0", "positive"),
        ("SLA_RESOLUTION_TEAM_AFTER", "soon", "resolution_team_after"),
        ("SLA_CUSTOMER_EXPERIENCE_AFTER", "PT1H", "customer_experience_after must not come before"),
        ("SLA_STRIKES_TO_WARN", "4", "warn <= restrict <= terminate"),
        ("SLA_BREACH_WARNING_AT", "1.2", "breach_warning_at"),
        ("SLA_MAX_FIRST_CONTACT_AGE", "0", "max_first_contact_age must be a positive duration"),
        ("SLA_MAX_FIRST_CONTACT_AGE", "-P1D", "positive"),
    ],
)
def test_nonsense_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=message):
        SlaSettings()


def test_business_clock_closes_on_moroccan_holidays_as_corrected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLA_CLOCK", "business")
    monkeypatch.setenv("SLA_HOLIDAYS_ADDED", '["2026-12-31"]')
    monkeypatch.setenv("SLA_HOLIDAYS_MOVED", '{"2026-05-27": "2026-05-29"}')
    monkeypatch.setenv("SLA_PAUSE_WHILE_AWAITING_CUSTOMER", "true")
    policy = SlaSettings().policy(today=date(2026, 11, 24))
    assert policy.business_hours is not None and policy.pause_while_awaiting_customer
    closed = set(policy.business_hours.closed_dates)
    assert {date(2026, 12, 31), date(2026, 5, 29), date(2027, 1, 1)} <= closed  # 2027 too: late deadlines
    assert date(2026, 5, 27) not in closed


def test_calendar_clock_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLA_CLOCK", raising=False)
    assert SlaSettings().policy().business_hours is None


def test_a_worker_holds_only_patches_it_knows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKER_HELD_PATCHES", f'["{patches.ALL_ABOVE}"]')
    assert WorkerSettings().held_patches == {patches.ALL_ABOVE}
    monkeypatch.setenv("WORKER_HELD_PATCHES", '["patches-through-seller-reech"]')
    with pytest.raises(ValidationError, match=r"not patch ids of workflows/patches\.py"):
        WorkerSettings()
