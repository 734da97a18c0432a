"""What the API takes and gives: request bodies (with the examples ``/docs`` shows) and responses.

The seller directory's entry is written beside its checks (``api.directory``) and named here too, as
every body the API takes is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.contact import Email, Phone
from api.dates import DATETIME_EXAMPLE, FirstContact
from api.directory import CustomerFacingContact as CustomerFacingContact
from api.directory import SellerDirectoryBody as SellerDirectoryBody
from api.directory import SellerDirectoryView
from api.text import TextModel
from workflows.actions import (
    EscalateFields,
    FlagSellerFields,
    ProvideInformationFields,
    RecordSellerContactAttemptFields,
    RequestInformationFields,
    RequestSellerContactFields,
    ResolveFields,
    SellerResponseFields,
    SubmitFindingsFields,
    WithdrawFields,
)
from workflows.events import RecipientKind
from workflows.models import (
    Actor,
    Category,
    Channel,
    Customer,
    Deadline,
    DisputeSummary,
    HistoryEntry,
    MessageChannel,
    Resolution,
    SellerAccountStatus,
    Status,
    StrikeReason,
)


def _request(*examples: JsonDict) -> ConfigDict:
    """Request bodies: unknown fields refused, surrounding blanks trimmed, examples for ``/docs``.

    Each is a ``TextModel``: no NUL, lone surrogate or control character but newline and tab in any of
    its text fields (``tests/e2e/api/test_hostile_text.py`` sends one into each field of each body).
    """
    return ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [*examples]})


# --- Intake. ---


# The workflow's ``Customer`` (its fields, limits and reachability rule), its contact details checked: an
# e-mail address normalised, a phone number in any usual form stored as E.164.
class CustomerIn(TextModel, Customer):
    model_config = _request(
        {"id": "C-20931", "name": "Amina El Idrissi", "phone": "05 39 42 01 42", "language": "fr"}
    )

    email: Email | None = None
    phone: Phone | None = Field(default=None, description="any usual form; stored as E.164")


class IntakeRequest(TextModel):
    model_config = _request(
        {
            "customer": {
                "id": "C-20931",
                "name": "Amina El Idrissi",
                "email": "amina@example.ma",
                "phone": "05 39 42 01 42",
                "language": "fr",
            },
            "order_id": "O-778812",
            "seller_id": "S-1001",
            "channel": "chat",
            "category": "not_delivered",
            "description": "Commande payée le 3, toujours pas livrée.",
            "external_ref": "chat-55120",
        }
    )

    customer: CustomerIn
    order_id: str = Field(min_length=1, max_length=128)
    seller_id: str = Field(min_length=1, max_length=128)
    channel: Channel
    # Only the listed values: the workflow's input keeps free text for the disputes opened before the list.
    category: Category = Field(description="what the complaint is about; any other value is refused")
    description: str = Field(min_length=1, max_length=10_000)
    first_contact_at: FirstContact | None = Field(
        default=None,
        description=(
            "when the customer first got in touch (deadlines count from it), ISO 8601 with its UTC offset; "
            "now if absent. Not in the future, nor older than the policy allows (30 days by default)"
        ),
        examples=[DATETIME_EXAMPLE],
    )
    external_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the intake system's own reference: the same one on the same channel is the same dispute",
    )


class IntakeResponse(BaseModel):
    dispute_id: str
    reference: str | None = Field(
        default=None,
        description=(
            "what the customer quotes and the API accepts for the id: `J24-` and 8 characters; "
            "null for disputes opened before references existed"
        ),
        examples=["J24-7KX4M2QJ"],
    )
    workflow_id: str
    status: Status
    tier: int
    channel: Channel
    seller_id: str
    external_ref: str | None
    first_contact_at: datetime
    registered_at: datetime
    deadlines: list[Deadline]
    seller_status_at_intake: SellerAccountStatus | None = Field(
        default=None,
        description=(
            "the seller's account status when the dispute was opened: a complaint against a `restricted` "
            "or `terminated` seller is accepted and flagged to operators by it"
        ),
    )


# --- Actions: each body is its action's fields (``workflows.models``), with its text checked. ---


class ResolveBody(TextModel, ResolveFields):
    model_config = _request({"outcome": "refund", "summary": "Parcel lost by the carrier; full refund."})


class EscalateBody(TextModel, EscalateFields):
    model_config = _request({"reason": "The customer reports a safety issue."})


class InformationRequestBody(TextModel, RequestInformationFields):
    model_config = _request({"questions": ["Could you send a photo of the damaged item?"]})


class InformationBody(TextModel, ProvideInformationFields):
    model_config = _request({"answer": "Photo sent by e-mail; the box was crushed."})


class FindingsBody(TextModel, SubmitFindingsFields):
    model_config = _request({"findings": "The carrier confirms the parcel was lost in transit."})


class SellerResponseBody(TextModel, SellerResponseFields):
    model_config = _request({"message": "We shipped a replacement today, tracking JX-55102."})


class SellerFlagBody(TextModel, FlagSellerFields):
    model_config = _request({"reason": "The seller refuses to take the item back."})


class SellerContactBody(TextModel, RequestSellerContactFields):
    model_config = _request({})


class WithdrawBody(TextModel, WithdrawFields):
    model_config = _request({"reason": "The parcel arrived after all."})


class SellerContactAttemptBody(TextModel, RecordSellerContactAttemptFields):
    model_config = _request({"channel": "phone", "outcome": "reached", "note": "Called the shop at 10:05."})


class ReinstateBody(TextModel):
    model_config = _request(
        {"reason": "Both strikes came from the carrier's outage in March, now confirmed by the carrier."}
    )

    reason: str = Field(min_length=1, max_length=2_000, description="why; recorded and told to the seller")
    lift_termination: bool = Field(
        default=False,
        description="needed to reinstate a terminated account (a restricted or warned one does not need it)",
    )


# --- Reading. ---


class CustomerContact(BaseModel):
    """Shown to intake clients, agents and operators; never to sellers."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    preferred_channel: MessageChannel | None = None


class NotificationView(BaseModel):
    """What became of one message of the dispute (read from the outbox): codes and ids, never an address.

    ``notified`` in the history says which messages an event queued; this says whether each went out.
    """

    seq: int = Field(description="the event that sent it")
    kind: str = Field(description="the message, e.g. `complaint_notice`")
    recipient_kind: RecipientKind
    recipient_ref: str = Field(description="the customer's or seller's id, the team, or `operators`")
    status: Literal["pending", "sent", "skipped", "failed"] = Field(
        description="pending: not delivered yet (retried until it is); sent: some channel took it; skipped: "
        "no channel to send it on; failed: every open channel refused it for good"
    )
    channels: list[str] = Field(
        description="the channels that took it (`email`, `whatsapp`, `sms`, `webhook`)"
    )
    failed_channels: dict[str, str] = Field(description="each channel that refused it, and why (a code)")
    reason: str | None = Field(description="why it was skipped or failed; null when sent or pending")
    attempts: int
    last_attempt_at: datetime | None
    sent_at: datetime | None
    whatsapp_status: Literal["accepted", "sent", "delivered", "read", "failed"] | None = Field(
        default=None,
        description="what WhatsApp last reported of the message it took (its status webhooks); null: not "
        "sent by WhatsApp",
    )


class DisputeView(DisputeSummary):
    """A dispute's whole state and history, and where the answer came from.

    Its fields are chosen here, not inherited from the workflow's state: what the workflow keeps for
    itself is not API until it is written here. ``source`` is ``workflow`` (live) or ``read_model``
    (PostgreSQL): a closed dispute is answered from there, complete (``stale`` false); an open one only
    when no worker answers, and then ``stale`` is true and ``revision`` / ``as_of`` say how far the read
    model has got.
    """

    workflow_id: str
    description: str | None = Field(default=None, description="the customer's complaint, as given at intake")
    findings: str | None = None
    information_requests: list[str] = Field(default_factory=list)
    seller_flagged: bool = False
    unrecorded_events: list[int] = Field(default_factory=list, description="events the store refused")
    paused_for: timedelta = timedelta(0)
    paused_since: datetime | None = None
    resolution: Resolution | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    customer: CustomerContact | None = Field(default=None, description="the customer's contact details")
    seller_status_at_intake: SellerAccountStatus | None = Field(
        default=None,
        description="the seller's account status when intake accepted the dispute (null: opened before "
        "it was recorded); `restricted` or `terminated` flags a seller operators should look at",
    )
    notifications: list[NotificationView] | None = Field(
        default=None, description="agents and operators, in `GET /disputes/{id}`: what became of each message"
    )
    source: Literal["workflow", "read_model"]
    stale: bool
    as_of: datetime


class DisputeListItem(DisputeSummary):
    """A dispute in a list: the read model's row, and what intake found of its seller."""

    seller_status_at_intake: SellerAccountStatus | None = Field(
        default=None, description="`restricted` or `terminated`: a seller operators should look at"
    )


class DisputePage(BaseModel):
    items: list[DisputeListItem]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(description="each dependency: `ok`, or `failing: <error>`")


# --- Seller accounts. ---


class StrikeView(BaseModel):
    dispute_id: str
    reason: StrikeReason
    at: datetime


class AccountChangeView(BaseModel):
    """One change of the account's status, with who or what made it (a strike's actor, or an operator)."""

    id: int
    from_: SellerAccountStatus = Field(alias="from")
    to: SellerAccountStatus
    reason: str
    actor: Actor
    at: datetime
    dispute_id: str | None = Field(default=None, description="the dispute whose strike made it, if any")


_SELLER_EXAMPLE: JsonDict = {
    "seller_id": "S-1001",
    "status": "active",
    "strike_window": "P90D",
    "strikes": [
        {"dispute_id": "9b2e4c1d7f3a4e5b8c6d0a1f2e3b4c5d", "reason": "refused", "at": "2026-03-05T10:12:00Z"},
        {
            "dispute_id": "3f1c0d9e2b7a4c5d8e6f1a2b3c4d5e6f", "reason": "unresponsive",
            "at": "2026-03-04T09:15:00Z",
        },
    ],
    "changes": [
        {
            "id": 17, "from": "active", "to": "warned", "reason": "1 strike within 90 days",
            "actor": {"role": "system", "id": "sla-timer"}, "at": "2026-03-04T09:15:00Z",
            "dispute_id": "3f1c0d9e2b7a4c5d8e6f1a2b3c4d5e6f",
        },
        {
            "id": 18, "from": "warned", "to": "restricted", "reason": "2 strikes within 90 days",
            "actor": {"role": "agent", "id": "agent-7", "tier": 2}, "at": "2026-03-05T10:12:00Z",
            "dispute_id": "9b2e4c1d7f3a4e5b8c6d0a1f2e3b4c5d",
        },
        {
            "id": 21, "from": "restricted", "to": "active",
            "reason": "Both strikes came from the carrier's outage in March, now confirmed by the carrier.",
            "actor": {"role": "operator", "id": "ops-fatima"}, "at": "2026-03-06T08:30:00Z",
            "dispute_id": None,
        },
    ],
    "contact": {
        "name": "Atlas Shop", "email": "owner@atlas-shop.ma", "phone": "+212661406136", "language": "ar",
        "customer_contact": {
            "name": "Atlas Shop", "email": "service@atlas-shop.ma", "phone": "+212522000000",
        },
        "webhook_url": "https://atlas-shop.ma/jamla24/events", "updated_at": "2026-03-01T10:00:00Z",
    },
}  # fmt: skip


class SellerAccountView(BaseModel):
    """A seller's account: its status, the strikes that count now, and every change it went through."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SELLER_EXAMPLE]})

    seller_id: str
    status: SellerAccountStatus
    strike_window: timedelta = Field(description="the policy's rolling window, ISO 8601 (`P90D`)")
    strikes: list[StrikeView] = Field(description="the strikes within the window up to now, newest first")
    changes: list[AccountChangeView] = Field(description="every change of the status, oldest first")
    contact: SellerDirectoryView | None = Field(
        default=None,
        description="the seller's directory entry (`PUT /sellers/{id}`): operators, the marketplace and the "
        "seller itself",
    )
