"""What the API takes and gives: request bodies (with the examples ``/docs`` shows) and responses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from api.contact import Email, Phone
from workflows.models import (
    Channel,
    Deadline,
    DisputeState,
    DisputeSummary,
    Language,
    Outcome,
    Status,
)


def _request(*examples: JsonDict) -> ConfigDict:
    """Request bodies: unknown fields refused, surrounding blanks trimmed, examples for ``/docs``."""
    return ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [*examples]})


# --- Intake. ---


class CustomerIn(BaseModel):
    model_config = _request(
        {"id": "C-20931", "name": "Amina El Idrissi", "phone": "05 39 42 01 42", "language": "fr"}
    )

    id: str = Field(min_length=1, max_length=128, description="the customer's id in Jamla24's systems")
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None
    phone: Phone | None = Field(default=None, description="any usual form; stored as E.164")
    language: Language = Language.FR

    @model_validator(mode="after")
    def _reachable(self) -> CustomerIn:
        if not self.email and not self.phone:
            raise ValueError("a customer needs an e-mail address or a phone number")
        return self


class IntakeRequest(BaseModel):
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
            "first_contact_at": "2026-03-02T09:15:00+01:00",
            "external_ref": "chat-55120",
        }
    )

    customer: CustomerIn
    order_id: str = Field(min_length=1, max_length=128)
    seller_id: str = Field(min_length=1, max_length=128)
    channel: Channel
    category: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=10_000)
    first_contact_at: AwareDatetime | None = Field(
        default=None,
        description="when the customer first got in touch (deadlines count from it); now if absent",
    )
    external_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the intake system's own reference: the same one on the same channel is the same dispute",
    )

    @field_validator("first_contact_at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC):
            raise ValueError("the first contact cannot be in the future")
        return value


class IntakeResponse(BaseModel):
    dispute_id: str
    workflow_id: str
    status: Status
    tier: int
    channel: Channel
    seller_id: str
    external_ref: str | None
    first_contact_at: datetime
    registered_at: datetime
    deadlines: list[Deadline]


# --- Actions. ---


class ResolveBody(BaseModel):
    model_config = _request({"outcome": "refund", "summary": "Parcel lost by the carrier; full refund."})

    outcome: Outcome
    summary: str = Field(min_length=1, max_length=5_000)


class EscalateBody(BaseModel):
    model_config = _request({"reason": "The customer reports a safety issue."})

    reason: str = Field(min_length=1, max_length=2_000)


Question = Annotated[str, Field(min_length=1, max_length=2_000)]


class InformationRequestBody(BaseModel):
    model_config = _request({"questions": ["Could you send a photo of the damaged item?"]})

    questions: list[Question] = Field(min_length=1, max_length=20)


class InformationBody(BaseModel):
    model_config = _request({"answer": "Photo sent by e-mail; the box was crushed."})

    answer: str = Field(min_length=1, max_length=10_000)


class FindingsBody(BaseModel):
    model_config = _request({"findings": "The carrier confirms the parcel was lost in transit."})

    findings: str = Field(min_length=1, max_length=10_000)


class SellerResponseBody(BaseModel):
    model_config = _request({"message": "We shipped a replacement today, tracking JX-55102."})

    message: str = Field(min_length=1, max_length=10_000)


class SellerFlagBody(BaseModel):
    model_config = _request({"reason": "The seller refuses to take the item back."})

    reason: str = Field(min_length=1, max_length=2_000)


class SellerContactBody(BaseModel):
    model_config = _request({})


class WithdrawBody(BaseModel):
    model_config = _request({"reason": "The parcel arrived after all."})

    reason: str = Field(min_length=1, max_length=2_000)


# --- Reading. ---


class CustomerContact(BaseModel):
    """Shown to intake clients, agents and operators; never to sellers."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None


class DisputeView(DisputeState):
    """A dispute's whole state and history, and where the answer came from.

    ``source`` is ``workflow`` (live) or ``read_model`` (PostgreSQL, when no worker answers): then
    ``stale`` is true and ``revision`` / ``as_of`` say how far the read model has got.
    """

    intake_fingerprint: SkipJsonSchema[str | None] = Field(default=None, exclude=True)
    workflow_id: str
    customer: CustomerContact | None = Field(default=None, description="absent for sellers")
    source: Literal["workflow", "read_model"]
    stale: bool
    as_of: datetime


class DisputePage(BaseModel):
    items: list[DisputeSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(description="each dependency: `ok`, or `failing: <error>`")
