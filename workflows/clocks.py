"""The dispute's clocks: its deadlines, which runs out next, sleeping until then, pausing and resuming.

In the spirit of samples-python's ``UpdatableTimer``: a wait that starts over whenever the deadlines move
(a pause, a resume) and ends early when the dispute closes. What a deadline *does* when it runs out is the
workflow's; this module only keeps the time.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from datetime import datetime, timedelta

from temporalio import workflow

from workflows import patches
from workflows.business_hours import time_between
from workflows.deadlines import PAUSABLE, SELLER_CLOCKS, due_at, firing_order, offsets
from workflows.models import Deadline, DeadlineKind, DeadlineState, DisputeState, SellerEfforts
from workflows.public import PublicText
from workflows.sla_policy import SlaPolicy

# How long before a deadline the long wait ends, so the last stretch is timed from a task that does nothing
# else: longer than a busy task takes, short enough to cost one small task per clock.
LEAD = timedelta(seconds=5)

# What each clock's timer says in Temporal's UI; ``{after}`` is how long the clock runs under the policy.
_SUMMARIES = {
    DeadlineKind.SELLER_REMINDER: "{after} without the seller's response: remind the seller",
    DeadlineKind.SELLER_FAILURE: "{after} without the seller's response: fail and strike the seller",
    DeadlineKind.RESOLUTION_TEAM: "{after}: escalate to the resolution team",
    DeadlineKind.FINDINGS: "{after}: findings due to the customer",
    DeadlineKind.CUSTOMER_EXPERIENCE: "{after}: transfer to customer experience",
    DeadlineKind.RESOLUTION: "{after}: SLA breach",
    DeadlineKind.BREACH_WARNING: "{after}: early warning of the SLA breach",
}


def summary(kind: DeadlineKind, policy: SlaPolicy) -> str:
    """The clock's timer summary under ``policy``: ``24 hours: escalate to the resolution team``."""
    return _SUMMARIES[kind].format(after=policy.reads(offsets(policy)[kind]))


class Clocks:
    def __init__(self, state: DisputeState, policy: SlaPolicy) -> None:
        self._state = state
        self._policy = policy
        self._version = 0  # bumped when deadlines move, so waits start over

    def next(self) -> Deadline | None:
        """The running deadline that runs out first (declaration order breaks ties)."""
        running = [d for d in self._state.deadlines if self.running(d)]
        return min(running, key=firing_order, default=None)

    def running(self, deadline: Deadline) -> bool:
        if deadline.state != DeadlineState.PENDING:
            return False
        if deadline.kind in SELLER_CLOCKS:  # the seller's clocks stop once its efforts are settled
            return self._state.seller_efforts == SellerEfforts.PENDING
        return True

    def any_paused(self) -> bool:
        return any(d.state == DeadlineState.PAUSED for d in self._state.deadlines)

    def watch(self) -> Callable[[], bool]:
        """A condition that turns true once the deadlines move after this call."""
        version = self._version
        return lambda: self._version != version

    async def wait_until_moved(self) -> None:
        """Wait (for a resume, or the dispute closing) while every running clock is paused."""
        moved = self.watch()
        await workflow.wait_condition(lambda: self._state.closed or moved())

    async def sleep_until(self, due: datetime, summary: str, moot: Callable[[], bool]) -> bool:
        """Wait until ``due``; False if the dispute closed (or the clock became moot) first.

        Temporal starts a timer when the task that sets it completes, but ``workflow.now()`` is when that
        task started: a timer for ``due - now()`` fires late by the task's run time (its local activities
        included). So a long wait stops ``LEAD`` short of ``due``, and a task that does nothing else sets
        the rest: the clock fires at its due time whatever the first task took (before
        ``PUNCTUAL_CLOCKS``: one timer).
        """
        remaining = due - workflow.now()
        if remaining > LEAD and patches.in_force(patches.PUNCTUAL_CLOCKS):
            if not await self._wait(remaining - LEAD, summary, moot):
                return False
            remaining = due - workflow.now()
        return await self._wait(remaining, summary, moot)

    async def _wait(self, span: timedelta, summary: str, moot: Callable[[], bool]) -> bool:
        """Wait ``span``; False if the dispute closed (or the clock became moot) first."""
        if span > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._state.closed or moot(), timeout=span, timeout_summary=PublicText(summary)
                )
                return False
            except TimeoutError:
                pass
        return not self._state.closed

    def pause(self) -> None:
        """Stop the pausable clocks (while the dispute awaits the customer, if the policy says so)."""
        self._state.paused_since = workflow.now()
        for deadline in self._state.deadlines:
            if deadline.kind in PAUSABLE and deadline.state == DeadlineState.PENDING:
                deadline.state = DeadlineState.PAUSED
        self._version += 1

    def resume(self) -> None:
        """Push the paused clocks back by the pause, counted in the policy's hours, and restart them."""
        s = self._state
        if s.paused_since is None:
            return
        s.paused_for += time_between(s.paused_since, workflow.now(), self._policy.business_hours)
        s.paused_since = None
        for deadline in s.deadlines:
            if deadline.state == DeadlineState.PAUSED:
                deadline.state = DeadlineState.PENDING
                deadline.due_at = due_at(self._policy, s.first_contact_at, deadline.kind, s.paused_for)
        self._version += 1

    def start_seller_clocks(self, at: datetime) -> None:
        """Count the seller's clocks from ``at``, when it was asked: its windows start over, running."""
        for deadline in self._state.deadlines:
            if deadline.kind in SELLER_CLOCKS:
                deadline.state, deadline.settled_at = DeadlineState.PENDING, None
                deadline.due_at = due_at(self._policy, at, deadline.kind)
        self._version += 1

    def settle(self, deadline: Deadline, state: DeadlineState) -> None:
        deadline.state = state
        deadline.settled_at = workflow.now()

    def settle_pending(self, kinds: Set[DeadlineKind], state: DeadlineState) -> None:
        """Settle the given clocks that are still running or paused (met, cancelled)."""
        for deadline in self._state.deadlines:
            if deadline.kind in kinds and deadline.state in (DeadlineState.PENDING, DeadlineState.PAUSED):
                self.settle(deadline, state)
