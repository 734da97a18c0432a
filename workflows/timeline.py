"""What happens on the dispute's timeline: its opening, each clock running out, the breach reminders,
and an escalation (a clock's or an agent's). Each records an event in the journal with whom it tells;
keeping the time is the clocks', and when to call these the workflow's run loop."""

from __future__ import annotations

from datetime import timedelta

from workflows import patches
from workflows.clocks import Clocks
from workflows.deadlines import ESCALATES_TO
from workflows.events import EventKind, NotificationKind
from workflows.models import (
    SYSTEM,
    Actor,
    Deadline,
    DeadlineKind,
    DeadlineState,
    DisputeInput,
    DisputeState,
    Role,
)
from workflows.outreach import Outreach, Record
from workflows.recipients import Recipients


class Timeline:
    def __init__(
        self,
        dispute: DisputeInput,
        state: DisputeState,
        clocks: Clocks,
        to: Recipients,
        outreach: Outreach,
        record: Record,
    ) -> None:
        self._dispute = dispute
        self._policy = dispute.policy
        self._state = state
        self._clocks = clocks
        self._to = to
        self._outreach = outreach
        self._record = record

    def fire(self, deadline: Deadline) -> None:
        """What each clock does when it runs out."""
        self._clocks.settle(deadline, DeadlineState.MISSED)
        kind = deadline.kind
        if kind == DeadlineKind.SELLER_REMINDER:
            respond_by = self._state.deadline(DeadlineKind.SELLER_FAILURE).due_at.isoformat()
            reminder = self._to.seller(NotificationKind.SELLER_REMINDER, respond_by=respond_by)
            self._record(EventKind.SELLER_REMINDED, SYSTEM, {"respond_by": respond_by}, notify=[reminder])
        elif kind == DeadlineKind.SELLER_FAILURE:
            self._outreach.ran_out()
        elif kind == DeadlineKind.RESOLUTION_TEAM:
            self.escalate_to(
                2, SYSTEM, self._not_resolved(self._policy.resolution_team_after), automatic=True
            )
        elif kind == DeadlineKind.FINDINGS:
            overdue = self._to.team(NotificationKind.FINDINGS_OVERDUE)
            self._record(EventKind.FINDINGS_MISSED, SYSTEM, {}, notify=[overdue])
        elif kind == DeadlineKind.CUSTOMER_EXPERIENCE:
            after = self._policy.customer_experience_after
            self.escalate_to(3, SYSTEM, self._not_resolved(after), automatic=True)
        elif kind == DeadlineKind.BREACH_WARNING:
            breach_at = self._state.deadline(DeadlineKind.RESOLUTION).due_at.isoformat()
            warning = self._to.operators(NotificationKind.SLA_BREACH_WARNING, breach_at=breach_at)
            self._record(EventKind.SLA_BREACH_WARNING, SYSTEM, {"breach_at": breach_at}, notify=[warning])
        elif kind == DeadlineKind.RESOLUTION:
            self._state.sla_breached = True
            breach = self._to.operators(NotificationKind.SLA_BREACH)
            self._record(EventKind.SLA_BREACHED, SYSTEM, {}, notify=[breach])

    def _not_resolved(self, after: timedelta) -> str:
        """An automatic escalation's reason, in the dispute's own policy: ``... within 24 hours ...``."""
        return f"not resolved within {self._policy.reads(after)} of first contact"

    def breach_reminder(self, n: int, *, missed: int = 0) -> None:
        """Reminder ``n``; ``missed`` earlier reminders whose times had passed are told in this one."""
        self._state.breach_reminders = n
        data = {"reminder": n} | ({"missed": missed} if missed else {})
        reminder = self._to.operators(NotificationKind.SLA_BREACH_REMINDER, reminder=n)
        self._record(EventKind.SLA_BREACH_REMINDER, SYSTEM, data, notify=[reminder])

    def open(self) -> None:
        """The dispute opens: the customer acknowledged, the seller asked to answer."""
        respond_by = self._state.deadline(DeadlineKind.SELLER_FAILURE).due_at.isoformat()
        self._record(
            EventKind.OPENED,
            self._dispute.opened_by or Actor(role=Role.INTAKE, id=self._dispute.channel.value),
            {"channel": self._dispute.channel.value, "category": self._dispute.category},
            notify=[
                self._to.customer(NotificationKind.ACKNOWLEDGEMENT),
                self._to.seller(NotificationKind.COMPLAINT_NOTICE, respond_by=respond_by),
            ],
            customer_included=True,
        )

    def escalate_to(self, tier: int, actor: Actor, reason: str, *, automatic: bool) -> None:
        if tier <= self._state.tier:  # escalation only goes up: a late timer does nothing
            return
        previous, self._state.tier = self._state.tier, tier
        if not automatic and patches.in_force(patches.ESCALATION_SETTLES_CLOCKS):
            overtaken = {kind for kind, to in ESCALATES_TO.items() if to <= tier}
            self._clocks.settle_pending(overtaken, DeadlineState.MET)
        told = NotificationKind.INVESTIGATION_STARTED
        if tier == 3:
            told = NotificationKind.TRANSFERRED_TO_CUSTOMER_EXPERIENCE
        self._record(
            EventKind.ESCALATED,
            actor,
            {"from_tier": previous, "to_tier": tier, "reason": reason, "automatic": automatic},
            notify=[self._to.team(NotificationKind.DISPUTE_REACHED_TIER), self._to.customer(told)],
        )
