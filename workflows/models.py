"""The models the dispute workflow speaks: its input, its state, its actions and its activities' payloads.

Everything here crosses the Temporal data converter (pydantic JSON), so it must stay
backwards-compatible with histories of running disputes: add optional fields, never rename.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from workflows.events import EventKind, NotificationKind, RecipientKind
from workflows.sla_policy import SlaPolicy


class Channel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"


class Language(StrEnum):
    FR = "fr"
    AR = "ar"
    EN = "en"


class MessageChannel(StrEnum):
    """The channels a customer's messages may go by; which are open depends on the contact and settings."""

    EMAIL = "email"
    WHATSAPP = "whatsapp"
    SMS = "sms"


class Role(StrEnum):
    CUSTOMER = "customer"
    INTAKE = "intake"
    AGENT = "agent"
    SELLER = "seller"
    OPERATOR = "operator"
    SYSTEM = "system"


class Status(StrEnum):
    OPEN = "open"
    AWAITING_CUSTOMER = "awaiting_customer"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


CLOSED = frozenset({Status.RESOLVED, Status.WITHDRAWN})  # final: a dispute in these never changes again


class SellerEfforts(StrEnum):
    PENDING = "pending"
    RESPONDED = "responded"
    FAILED = "failed"  # reached, and silent through its windows: a strike
    UNREACHABLE = "unreachable"  # no channel ever took a notice: the team contacts it by other means


class ContactChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    OTHER = "other"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"


class Outcome(StrEnum):
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"
    REPLACEMENT = "replacement"
    REPAIR = "repair"
    STORE_CREDIT = "store_credit"
    REJECTED = "rejected"


class Category(StrEnum):
    """What a complaint is about: the list intake chooses from (the API refuses any other value).

    ``DisputeInput.category`` stays free text: disputes opened before this list hold other words, and
    their histories must replay. Messages label the values (``categories`` in each ``_common.txt``).
    """

    NOT_DELIVERED = "not_delivered"
    LATE_DELIVERY = "late_delivery"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    COUNTERFEIT = "counterfeit"
    MISSING_PARTS = "missing_parts"
    REFUND_NOT_RECEIVED = "refund_not_received"
    RETURN_REFUSED = "return_refused"
    OTHER = "other"


class DeadlineKind(StrEnum):
    """The policy's clocks. Declaration order breaks ties between deadlines due at the same instant."""

    SELLER_REMINDER = "seller_reminder"
    SELLER_FAILURE = "seller_failure"
    RESOLUTION_TEAM = "resolution_team"
    FINDINGS = "findings"
    CUSTOMER_EXPERIENCE = "customer_experience"
    RESOLUTION = "resolution"
    BREACH_WARNING = "breach_warning"  # the operators' early warning, before the 5-day breach


class DeadlineState(StrEnum):
    PENDING = "pending"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"
    PAUSED = "paused"  # stopped while the dispute awaits the customer (when the policy says so)
    NOT_NEEDED = "not_needed"  # the findings clock of a dispute resolved before any investigation


class StrikeReason(StrEnum):
    UNRESPONSIVE = "unresponsive"
    REFUSED = "refused"


class SellerAccountStatus(StrEnum):
    ACTIVE = "active"
    WARNED = "warned"
    RESTRICTED = "restricted"
    TERMINATED = "terminated"


TIERS = (1, 2, 3)
TIER_TEAMS = {1: "customer_service", 2: "resolution_team", 3: "customer_experience"}


class Customer(BaseModel):
    """The complaining customer. PII: never in a workflow id, a search attribute or a log line.

    The API's ``CustomerIn`` derives from it: these limits and this rule are the API's too.
    """

    id: str = Field(min_length=1, max_length=128, description="the customer's id in Jamla24's systems")
    name: str = Field(min_length=1, max_length=200)
    email: str | None = None
    phone: str | None = None
    language: Language = Language.FR
    preferred_channel: MessageChannel | None = Field(
        default=None,
        description="how the customer would rather be told (e-mail, WhatsApp, SMS); unset: e-mail when "
        "given, else WhatsApp, with SMS when WhatsApp refuses",
    )

    @model_validator(mode="after")
    def _reachable(self) -> Customer:
        if not self.email and not self.phone:
            raise ValueError("a customer needs an e-mail address or a phone number")
        wanted = self.preferred_channel
        if wanted == MessageChannel.EMAIL and not self.email:
            raise ValueError("preferred_channel email needs the customer's e-mail address")
        if wanted in (MessageChannel.WHATSAPP, MessageChannel.SMS) and not self.phone:
            raise ValueError(f"preferred_channel {wanted.value} needs the customer's phone number")
        return self


class Actor(BaseModel):
    """Who acts: a role and an id; an agent also acts at a tier, a seller for a seller id."""

    role: Role
    id: str = Field(min_length=1, max_length=128)
    tier: int | None = Field(default=None, ge=1, le=3)
    seller_id: str | None = None

    @model_validator(mode="after")
    def _role_fields(self) -> Actor:
        if self.role == Role.AGENT and self.tier is None:
            raise ValueError("an agent acts at a tier (1, 2 or 3)")
        if self.role == Role.SELLER and not self.seller_id:
            raise ValueError("a seller acts for a seller id")
        return self


SYSTEM = Actor(role=Role.SYSTEM, id="sla-timer")


class DisputeInput(BaseModel):
    dispute_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    # The reference people say and type (``J24-7KX4M2QJ``, ``api.references``); None for disputes opened
    # before references existed, whose recorded inputs have none.
    reference: str | None = Field(default=None, max_length=32)
    customer: Customer
    order_id: str = Field(min_length=1, max_length=128)
    seller_id: str = Field(min_length=1, max_length=128)
    channel: Channel
    category: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=10_000)
    first_contact_at: AwareDatetime
    registered_at: AwareDatetime
    external_ref: str | None = Field(default=None, max_length=200)
    opened_by: Actor | None = None
    # A digest of the intake request, so a retried intake can tell "same request" from "same ref, other body".
    intake_fingerprint: str | None = Field(default=None, max_length=128)
    policy: SlaPolicy = SlaPolicy()
    # Set when a long-open dispute continues as new: where the previous run left it.
    continued: Continuation | None = None

    @model_validator(mode="after")
    def _contact_not_in_future(self) -> DisputeInput:
        if self.first_contact_at > self.registered_at:
            raise ValueError("first_contact_at must not be in the future")
        return self


# --- State, as the query returns it. ---


class Deadline(BaseModel):
    kind: DeadlineKind
    due_at: datetime
    state: DeadlineState = DeadlineState.PENDING
    settled_at: datetime | None = None


class HistoryEntry(BaseModel):
    """One thing that happened. ``seq`` numbers the dispute's events from 1, in order."""

    seq: int
    at: datetime
    kind: EventKind
    actor: Actor
    data: dict[str, Any] = Field(default_factory=dict)
    notified: list[str] = Field(default_factory=list)


class Resolution(BaseModel):
    outcome: Outcome
    summary: str
    by: Actor
    at: datetime


class DisputeSummary(BaseModel):
    """What the read model keeps of a dispute, for lists and reports; no free text, no contact details."""

    dispute_id: str
    reference: str | None = None  # the input's: None for disputes opened before references existed
    revision: int = 0
    status: Status = Status.OPEN
    tier: int = 1
    seller_id: str
    channel: Channel
    category: str
    customer_id: str
    order_id: str
    external_ref: str | None = None
    language: Language = Language.FR
    first_contact_at: datetime
    registered_at: datetime
    sla_breached: bool = False
    seller_efforts: SellerEfforts = SellerEfforts.PENDING
    seller_contact_released: bool = False
    findings_at: datetime | None = None
    outcome: Outcome | None = None
    closed_at: datetime | None = None
    breach_reminders: int = 0
    deadlines: list[Deadline]

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    def deadline(self, kind: DeadlineKind) -> Deadline:
        return next(d for d in self.deadlines if d.kind == kind)


class DisputeSnapshot(DisputeSummary):
    """The dispute's whole state but its history: what each recorded event leaves in the read model."""

    # The customer's own words at intake (free text: never in a search attribute, a summary or a log).
    # None in the states of disputes recorded before it was kept here.
    description: str | None = None
    findings: str | None = None
    information_requests: list[str] = Field(default_factory=list)
    seller_flagged: bool = False
    # The customer may obtain the seller's contact details: granted when Jamla24's efforts failed.
    seller_contact_allowed: bool = False
    # When a notice asking the seller to answer was first delivered, or an agent reached it.
    seller_reached_at: datetime | None = None
    # The store refused some of its events for good (their ``seq``): operators must repair them.
    unrecorded_events: list[int] = Field(default_factory=list)
    paused_for: timedelta = timedelta(0)  # how long the pausable clocks have stood still so far
    paused_since: datetime | None = None
    resolution: Resolution | None = None

    @property
    def needs_attention(self) -> bool:
        return bool(self.unrecorded_events)

    def snapshot(self) -> DisputeSnapshot:
        return DisputeSnapshot.model_validate(self.model_dump(include=set(DisputeSnapshot.model_fields)))


class DisputeState(DisputeSnapshot):
    """The whole state of a dispute, as its query returns it."""

    history: list[HistoryEntry] = Field(default_factory=list)


# --- Activity payloads. ---


class EventRecord(BaseModel):
    """An event to append to ``dispute_events`` and the read-model row it leaves behind.

    ``summary.revision`` equals ``event.seq``. ``customer`` comes with the first event only: the read model
    keeps the contact details for notifications, and later events need not repeat them.
    """

    event: HistoryEntry
    # The state after the event (older workers sent the read-model row's fields only).
    summary: DisputeSnapshot
    customer: Customer | None = None
    # The event's notifications, queued in the outbox in the same transaction (older workers queued them
    # with a separate activity first).
    notifications: list[NotificationRequest] = Field(default_factory=list)


class NotificationRequest(BaseModel):
    """One message to queue in the outbox; ``(dispute_id, seq, kind, recipient_kind)`` makes it unique.

    A message about a seller's account rather than a dispute (a reinstatement) has no ``dispute_id``:
    ``account_change_id`` (with ``seq`` 0) keys it instead.
    """

    dispute_id: str | None = None
    seq: int
    kind: NotificationKind
    recipient_kind: RecipientKind
    recipient_ref: str
    email: str | None = None
    phone: str | None = None
    language: Language = Language.FR
    data: dict[str, Any] = Field(default_factory=dict)
    account_change_id: int | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> NotificationRequest:
        if (self.dispute_id is None) == (self.account_change_id is None):
            raise ValueError("a notification is about one dispute or one seller account change, not both")
        return self


class PendingEvent(BaseModel):
    """An event to persist, with everything persisting it involves, captured when it happened."""

    entry: HistoryEntry
    summary: DisputeSnapshot
    notifications: list[NotificationRequest]
    strike: StrikeReason | None = None
    release_contact: bool = False
    customer_included: bool = False


class Continuation(BaseModel):
    """What a dispute carries into its next run when it continues as new (its history kept bounded)."""

    state: DisputeState
    # Update ids already applied, so a retried request is still answered rather than applied twice.
    applied_updates: list[str] = Field(default_factory=list)
    # Events the store refused for good, kept for the operators' repair (``retry_unrecorded``).
    unrecorded: list[PendingEvent] = Field(default_factory=list)


DisputeInput.model_rebuild()
EventRecord.model_rebuild()
