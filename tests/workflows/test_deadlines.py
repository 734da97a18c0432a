"""The deadline logic is a pure function of the SLA policy and the first contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.deadlines import breach_reminder_due, compute_deadlines
from workflows.models import Deadline, DeadlineKind, DeadlineState
from workflows.sla_policy import SlaPolicy

CASABLANCA = ZoneInfo("Africa/Casablanca")
H = timedelta(hours=1)


def due(deadlines: list[Deadline], kind: DeadlineKind) -> datetime:
    return next(d.due_at for d in deadlines if d.kind == kind)


def test_default_policy_gives_the_policy_pages_clocks() -> None:
    contact = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    deadlines = compute_deadlines(SlaPolicy(), contact)
    assert {d.kind: d.due_at - contact for d in deadlines} == {
        DeadlineKind.SELLER_REMINDER: 24 * H,
        DeadlineKind.SELLER_FAILURE: 48 * H,
        DeadlineKind.RESOLUTION_TEAM: 24 * H,
        DeadlineKind.FINDINGS: 48 * H,
        DeadlineKind.CUSTOMER_EXPERIENCE: 48 * H,
        DeadlineKind.RESOLUTION: 120 * H,
        DeadlineKind.BREACH_WARNING: 96 * H,
    }
    assert all(d.state == DeadlineState.PENDING for d in deadlines)


def test_deadlines_are_in_firing_order_with_ties_broken_by_kind() -> None:
    deadlines = compute_deadlines(SlaPolicy(), datetime(2026, 1, 5, tzinfo=UTC))
    assert [d.kind for d in deadlines] == [
        DeadlineKind.SELLER_REMINDER,
        DeadlineKind.RESOLUTION_TEAM,
        DeadlineKind.SELLER_FAILURE,
        DeadlineKind.FINDINGS,
        DeadlineKind.CUSTOMER_EXPERIENCE,
        DeadlineKind.BREACH_WARNING,
        DeadlineKind.RESOLUTION,
    ]


def test_a_first_contact_in_the_past_counts_from_then_not_from_registration() -> None:
    contact = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # three days before it was registered
    registered = contact + 72 * H
    deadlines = compute_deadlines(SlaPolicy(), contact)
    overdue = [d.kind for d in deadlines if d.due_at <= registered]
    assert overdue == [
        DeadlineKind.SELLER_REMINDER,
        DeadlineKind.RESOLUTION_TEAM,
        DeadlineKind.SELLER_FAILURE,
        DeadlineKind.FINDINGS,
        DeadlineKind.CUSTOMER_EXPERIENCE,
    ]
    assert due(deadlines, DeadlineKind.RESOLUTION) == contact + 5 * 24 * H


def test_24h_stays_24_elapsed_hours_across_morocco_ramadan_clock_change() -> None:
    # Morocco sets its clocks back from UTC+1 to UTC+0 at 03:00 on 15 February 2026 for Ramadan.
    contact = datetime(2026, 2, 14, 22, 0, tzinfo=CASABLANCA)
    assert contact.utcoffset() == H
    escalation = due(compute_deadlines(SlaPolicy(), contact), DeadlineKind.RESOLUTION_TEAM)
    assert escalation - contact == 24 * H  # elapsed time
    local = escalation.astimezone(CASABLANCA)
    assert local.utcoffset() == timedelta(0)
    assert (local.hour, local.day) == (21, 15)  # 23 wall-clock hours later, as it should be


def test_24h_across_the_end_of_ramadan_clock_change() -> None:
    contact = datetime(2026, 3, 21, 12, 0, tzinfo=CASABLANCA)  # UTC+0; clocks go forward on the 22nd
    local = due(compute_deadlines(SlaPolicy(), contact), DeadlineKind.RESOLUTION_TEAM).astimezone(CASABLANCA)
    assert (local.day, local.hour, local.utcoffset()) == (22, 13, H)


def test_a_compressed_policy_compresses_every_clock() -> None:
    policy = SlaPolicy.model_validate(
        {
            "resolution_team_after": "PT3S",
            "customer_experience_after": "6",
            "findings_due_after": 6,
            "resolution_due_after": "PT30S",
            "seller_response_window": "2",
        }
    )
    contact = datetime(2026, 1, 1, tzinfo=UTC)
    deadlines = compute_deadlines(policy, contact)
    assert due(deadlines, DeadlineKind.SELLER_FAILURE) - contact == timedelta(seconds=4)
    assert due(deadlines, DeadlineKind.CUSTOMER_EXPERIENCE) - contact == timedelta(seconds=6)


def test_breach_reminders_follow_the_breach_every_period() -> None:
    breach = datetime(2026, 1, 6, tzinfo=UTC)
    assert breach_reminder_due(SlaPolicy(), breach, 1) == breach + 24 * H
    assert breach_reminder_due(SlaPolicy(), breach, 2) == breach + 48 * H


def test_a_naive_first_contact_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        compute_deadlines(SlaPolicy(), datetime(2026, 1, 1))
