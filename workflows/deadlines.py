"""The policy's deadlines: a pure function of the SLA policy, the first contact and when the seller was asked.

The customer's clocks count from first contact; the seller's from when Jamla24 contacted the seller (the
dispute's registration): a seller cannot answer before it is asked, so a complaint registered late never
strikes its seller sooner than two full response windows after the notice went out.

Deadlines are instants (UTC-aware), so "24 h" is always 24 elapsed hours whatever the wall clock in
Africa/Casablanca does (Morocco moves its clocks back for Ramadan).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows.business_hours import add_time
from workflows.models import Deadline, DeadlineKind
from workflows.sla_policy import SlaPolicy

_ORDER = {kind: i for i, kind in enumerate(DeadlineKind)}


def offsets(policy: SlaPolicy) -> dict[DeadlineKind, timedelta]:
    """How long after first contact each clock runs out."""
    return {
        DeadlineKind.SELLER_REMINDER: policy.seller_response_window,
        DeadlineKind.SELLER_FAILURE: 2 * policy.seller_response_window,
        DeadlineKind.RESOLUTION_TEAM: policy.resolution_team_after,
        DeadlineKind.FINDINGS: policy.findings_due_after,
        DeadlineKind.CUSTOMER_EXPERIENCE: policy.customer_experience_after,
        DeadlineKind.RESOLUTION: policy.resolution_due_after,
        DeadlineKind.BREACH_WARNING: policy.breach_warning_at * policy.resolution_due_after,
    }


# The dispute's own clocks: met when it is resolved in time, cancelled when it is withdrawn.
RESOLUTION_CLOCKS = frozenset(
    {
        DeadlineKind.RESOLUTION_TEAM,
        DeadlineKind.FINDINGS,
        DeadlineKind.CUSTOMER_EXPERIENCE,
        DeadlineKind.RESOLUTION,
        DeadlineKind.BREACH_WARNING,
    }
)
# Jamla24's efforts to reach the seller: met when the seller responds, moot once the dispute closes.
SELLER_CLOCKS = frozenset({DeadlineKind.SELLER_REMINDER, DeadlineKind.SELLER_FAILURE})
# The escalation clocks, and the tier each moves the dispute to: an agent's escalation that reaches the
# tier first settles the clock (met) and cancels its timer.
ESCALATES_TO = {DeadlineKind.RESOLUTION_TEAM: 2, DeadlineKind.CUSTOMER_EXPERIENCE: 3}
# The clocks a policy may stop while the dispute awaits the customer's information.
PAUSABLE = frozenset({DeadlineKind.FINDINGS, DeadlineKind.RESOLUTION, DeadlineKind.BREACH_WARNING})


def due_at(
    policy: SlaPolicy, start: datetime, kind: DeadlineKind, paused: timedelta = timedelta(0)
) -> datetime:
    """When ``kind`` runs out: its offset after ``start`` (its clock's start), in the policy's hours, plus
    any pause."""
    after = offsets(policy)[kind] + (paused if kind in PAUSABLE else timedelta(0))
    return add_time(start.astimezone(UTC), after, policy.business_hours)


def compute_deadlines(
    policy: SlaPolicy, first_contact_at: datetime, seller_contacted_at: datetime | None = None
) -> list[Deadline]:
    """Every deadline of a dispute, in the order they fire (ties in ``DeadlineKind`` order).

    The seller's clocks start at ``seller_contacted_at`` (at first contact if not given).
    """
    seller_contacted_at = seller_contacted_at or first_contact_at
    if first_contact_at.tzinfo is None or seller_contacted_at.tzinfo is None:
        raise ValueError("first_contact_at and seller_contacted_at must carry a time zone")
    deadlines = [
        Deadline(
            kind=kind,
            due_at=due_at(policy, seller_contacted_at if kind in SELLER_CLOCKS else first_contact_at, kind),
        )
        for kind in offsets(policy)
    ]
    return sorted(deadlines, key=firing_order)


def firing_order(deadline: Deadline) -> tuple[datetime, int]:
    return deadline.due_at, _ORDER[deadline.kind]


def breach_reminder_due(policy: SlaPolicy, breach_at: datetime, reminder: int) -> datetime:
    """When the ``reminder``-th (1-based) breach reminder is due."""
    return breach_at.astimezone(UTC) + reminder * policy.breach_reminder_every


def next_breach_reminder(policy: SlaPolicy, breach_at: datetime, sent: int, now: datetime) -> int:
    """The number of the next breach reminder to send, ``sent`` having been sent by ``now``.

    Reminders whose times have all passed (a dispute registered long after its breach, or a worker that was
    down for days) are one reminder, the latest of them, so a catch-up sends one alert, not one per missed
    day; the one after it falls due on the usual cadence.
    """
    passed = (now - breach_at.astimezone(UTC)) // policy.breach_reminder_every
    return max(sent + 1, passed)
