"""Jamla24's efforts to reach the seller on the customer's behalf, and what their end means.

The policy strikes a seller that *refuses* to cooperate. A seller that was asked (a notice asking it to
answer was delivered on some channel, or an agent reached it) and stayed silent through its windows is
struck; one that no channel ever reached is ``unreachable``: no strike, and the team is told to contact it
by other means. Either way the customer may then obtain the seller's contact details.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow

from workflows.actions import RecordSellerContactAttemptAction
from workflows.clocks import Clocks
from workflows.delivery import Delivered
from workflows.events import ASKING_THE_SELLER, EventKind, NotificationKind, RecipientKind
from workflows.models import SYSTEM, ContactOutcome, DisputeState, HistoryEntry, SellerEfforts, StrikeReason
from workflows.recipients import Recipients

# A seller reached this long after registration gets its windows from then: it could not answer before.
# Within it (the usual case: the notice went out at once) the clocks keep their times and their timers.
LATE_REACH = timedelta(minutes=5)

Record = Callable[..., HistoryEntry]


class Outreach:
    def __init__(self, state: DisputeState, clocks: Clocks, record: Record, to: Recipients) -> None:
        self._state = state
        self._clocks = clocks
        self._record = record
        self._to = to
        self.enabled = False  # whether this run has SELLER_REACH: set by the workflow's ``run``

    def delivered(self, delivered: list[Delivered]) -> None:
        """What an event's delivery did: a notice asking the seller to answer went out, so it was reached."""
        if not self.enabled or self._state.seller_reached_at is not None:
            return
        channels = {
            channel
            for item in delivered
            if item.key.recipient_kind == RecipientKind.SELLER
            and item.key.kind in ASKING_THE_SELLER
            and item.result.status == "sent"
            for channel in item.result.channels
        }
        if channels:
            self._reached()
            self._record(EventKind.SELLER_REACHED, SYSTEM, {"channels": sorted(channels)})

    def attempted(self, action: RecordSellerContactAttemptAction) -> None:
        """An agent's own attempt, recorded; one that reached the seller counts as the seller asked."""
        if action.outcome == ContactOutcome.REACHED and self._state.seller_reached_at is None:
            self._reached()
        data = action.model_dump(mode="json", exclude={"actor"}, exclude_none=True)
        self._record(EventKind.SELLER_CONTACT_ATTEMPTED, action.actor, data)

    def ran_out(self) -> None:
        """The seller's windows are over without an answer: struck if it was asked, else unreachable."""
        s = self._state
        s.seller_contact_allowed = True
        if self.enabled and s.seller_reached_at is None:
            s.seller_efforts = SellerEfforts.UNREACHABLE
            self._record(
                EventKind.SELLER_UNREACHABLE,
                SYSTEM,
                {},
                notify=[
                    self._to.customer(NotificationKind.SELLER_CONTACT_AVAILABLE),
                    self._to.team(NotificationKind.SELLER_UNREACHABLE),
                ],
            )
            return
        s.seller_efforts = SellerEfforts.FAILED
        self._record(
            EventKind.SELLER_EFFORTS_FAILED,
            SYSTEM,
            {},
            notify=[
                self._to.seller(NotificationKind.SELLER_STRIKE, reason=StrikeReason.UNRESPONSIVE.value),
                self._to.customer(NotificationKind.SELLER_CONTACT_AVAILABLE),
                self._to.team(NotificationKind.SELLER_UNRESPONSIVE),
            ],
            strike=StrikeReason.UNRESPONSIVE,
        )

    def _reached(self) -> None:
        s, now = self._state, workflow.now()
        s.seller_reached_at = now
        if s.seller_efforts == SellerEfforts.UNREACHABLE:  # reached at last: it is asked from now
            s.seller_efforts = SellerEfforts.PENDING
            self._clocks.start_seller_clocks(now)
        elif s.seller_efforts == SellerEfforts.PENDING and now - s.registered_at > LATE_REACH:
            self._clocks.start_seller_clocks(now)
