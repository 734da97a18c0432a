"""What the seller-account activities and workflow take and give back: a strike, a release of the seller's
contact, an operator's reinstatement, and the account change each makes.

They cross the data converter: add optional fields, never rename.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from workflows.models import Actor, SellerAccountStatus, StrikeReason
from workflows.sla_policy import SlaPolicy


class StrikeRequest(BaseModel):
    seller_id: str
    dispute_id: str
    seq: int
    reason: StrikeReason
    at: datetime
    by: Actor
    policy: SlaPolicy


class StrikeResult(BaseModel):
    recorded: bool
    strikes_in_window: int
    previous_status: SellerAccountStatus
    status: SellerAccountStatus

    @property
    def changed(self) -> bool:
        return self.previous_status != self.status


class ContactReleaseRequest(BaseModel):
    seller_id: str
    dispute_id: str
    seq: int
    at: datetime
    by: Actor


class ReinstateRequest(BaseModel):
    """An operator lifts a seller account's restriction: ``SellerAccountChangeWorkflow``'s input.

    ``change_key`` identifies the request: the account changes once per key, however often it is retried.
    """

    seller_id: str = Field(min_length=1, max_length=128)
    change_key: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=2_000)
    by: Actor
    # A terminated account is reinstated only when the operator says so explicitly.
    lift_termination: bool = False


class AccountChange(BaseModel):
    """One change of a seller account's status (a row of ``seller_account_changes``)."""

    id: int
    seller_id: str
    from_status: SellerAccountStatus
    to_status: SellerAccountStatus
    reason: str
    actor: Actor
    at: datetime
    dispute_id: str | None = None  # the dispute whose strike made it; None for an operator's change

    def facts(self) -> dict[str, Any]:
        """What a ``seller_account_changed`` notification says of it: ids, states, the reason, no contact."""
        return {
            "seller_id": self.seller_id,
            "change_id": self.id,
            "from": self.from_status.value,
            "to": self.to_status.value,
            "status": self.to_status.value,
            "reason": self.reason,
            "by": self.actor.role.value,
            "at": self.at.isoformat(),
        }
