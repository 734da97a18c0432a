"""The policy's durations as people read them, in the dispute's own policy: the automatic escalations'
reasons and the clocks' timer summaries in Temporal's UI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.workflows.driver import DAY, HOUR, Disputes, timer_events
from workflows.business_hours import BusinessCalendar
from workflows.clocks import summary
from workflows.models import DeadlineKind
from workflows.sla_policy import SlaPolicy


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (24 * HOUR, "24 hours"),
        (48 * HOUR, "48 hours"),
        (5 * DAY, "5 days"),
        (36 * HOUR, "36 hours"),
        (HOUR, "1 hour"),
        (timedelta(minutes=90), "90 minutes"),
        (timedelta(seconds=30), "30 seconds"),
    ],
)
def test_a_policy_says_its_durations_as_the_policy_page_does(duration: timedelta, text: str) -> None:
    assert SlaPolicy().reads(duration) == text


def test_a_policy_counted_in_business_hours_says_so() -> None:
    assert SlaPolicy(business_hours=BusinessCalendar()).reads(24 * HOUR) == "24 business hours"


def test_the_default_clocks_read_as_the_policy_page() -> None:
    policy = SlaPolicy()
    assert summary(DeadlineKind.RESOLUTION_TEAM, policy) == "24 hours: escalate to the resolution team"
    assert summary(DeadlineKind.CUSTOMER_EXPERIENCE, policy) == "48 hours: transfer to customer experience"
    assert summary(DeadlineKind.RESOLUTION, policy) == "5 days: SLA breach"
    assert summary(DeadlineKind.BREACH_WARNING, policy) == "4 days: early warning of the SLA breach"
    reminder = summary(DeadlineKind.SELLER_REMINDER, policy)
    assert reminder == "24 hours without the seller's response: remind the seller"


async def test_a_shorter_policy_escalates_and_shows_its_clocks_in_its_own_durations(
    disputes: Disputes,
) -> None:
    policy = SlaPolicy(
        resolution_team_after=12 * HOUR, customer_experience_after=40 * HOUR, findings_due_after=36 * HOUR
    )
    handle = await disputes.start(policy=policy)
    await disputes.sleep(41 * HOUR)
    state = await disputes.until(handle, lambda s: s.tier == 3)

    reasons = [entry.data["reason"] for entry in state.history if entry.kind == "escalated"]
    assert reasons == [
        "not resolved within 12 hours of first contact",
        "not resolved within 40 hours of first contact",
    ]
    summaries = {timer.summary for timer in await timer_events(handle)}
    assert "12 hours: escalate to the resolution team" in summaries
    assert "40 hours: transfer to customer experience" in summaries
