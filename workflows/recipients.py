"""Who each notification of a dispute goes to: the customer, the seller, the team holding it, operators.

A notification carries ids and the facts its template needs; only the customer's carries contact details
(the customer gave them at intake, and nothing else in the workflow knows how to reach them).
"""

from __future__ import annotations

from typing import Any

from workflows.events import NOTICES, NotificationKind, RecipientKind
from workflows.models import TIER_TEAMS, Customer, DisputeState, NotificationRequest


class Recipients:
    def __init__(self, customer: Customer, state: DisputeState) -> None:
        self._customer = customer
        self._state = state

    def customer(self, kind: NotificationKind, **data: Any) -> NotificationRequest:
        c = self._customer
        contact = {"email": c.email, "phone": c.phone, "language": c.language}
        return self._notice(RecipientKind.CUSTOMER, c.id, kind, data, contact=contact)

    def seller(self, kind: NotificationKind, **data: Any) -> NotificationRequest:
        return self._notice(RecipientKind.SELLER, self._state.seller_id, kind, data)

    def team(self, kind: NotificationKind, **data: Any) -> NotificationRequest:
        """The team of the tier the dispute is at when the event happens."""
        tier = self._state.tier
        return self._notice(RecipientKind.TEAM, TIER_TEAMS[tier], kind, data | {"tier": tier})

    def operators(self, kind: NotificationKind, **data: Any) -> NotificationRequest:
        return self._notice(RecipientKind.OPERATORS, "operators", kind, data)

    def _notice(
        self,
        to: RecipientKind,
        ref: str,
        kind: NotificationKind,
        data: dict[str, Any],
        contact: dict[str, Any] | None = None,
    ) -> NotificationRequest:
        notice = NOTICES[kind]
        # A programming error, caught by the tests: the catalogue says who gets what, and what it says.
        if to not in notice.recipients or not set(data) - {"tier"} <= notice.fields:
            raise ValueError(f"{to.value}:{kind.value} with {sorted(data)}: not as NOTICES says")
        return NotificationRequest(
            dispute_id=self._state.dispute_id,
            seq=0,
            kind=kind,
            recipient_kind=to,
            recipient_ref=ref,
            data=data,
            **(contact or {}),
        )
