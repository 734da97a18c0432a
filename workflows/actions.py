"""What each action on a dispute says: its fields, written once here. The update's argument (``XAction``)
adds who acts; the API's body (``api.schemas``) adds its checks of text as sent. Like ``workflows.models``,
these cross the data converter: add optional fields, never rename."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from workflows.models import Actor, ContactChannel, ContactOutcome, Outcome


class ResolveFields(BaseModel):
    outcome: Outcome
    summary: str = Field(min_length=1, max_length=5_000)


class ResolveAction(ResolveFields):
    actor: Actor


class EscalateFields(BaseModel):
    reason: str = Field(min_length=1, max_length=2_000)


class EscalateAction(EscalateFields):
    actor: Actor


Question = Annotated[str, Field(min_length=1, max_length=2_000)]


class RequestInformationFields(BaseModel):
    questions: list[Question] = Field(min_length=1, max_length=20)


class RequestInformationAction(RequestInformationFields):
    actor: Actor


class ProvideInformationFields(BaseModel):
    answer: str = Field(min_length=1, max_length=10_000)


class ProvideInformationAction(ProvideInformationFields):
    actor: Actor


class SubmitFindingsFields(BaseModel):
    findings: str = Field(min_length=1, max_length=10_000)


class SubmitFindingsAction(SubmitFindingsFields):
    actor: Actor


class SellerResponseFields(BaseModel):
    message: str = Field(min_length=1, max_length=10_000)


class SellerResponseAction(SellerResponseFields):
    actor: Actor


class FlagSellerFields(BaseModel):
    reason: str = Field(min_length=1, max_length=2_000)


class FlagSellerAction(FlagSellerFields):
    actor: Actor


class RequestSellerContactFields(BaseModel):
    """Nothing to say: the customer only asks."""


class RequestSellerContactAction(RequestSellerContactFields):
    actor: Actor


class RecordSellerContactAttemptFields(BaseModel):
    channel: ContactChannel
    outcome: ContactOutcome
    note: str | None = Field(default=None, max_length=2_000)


class RecordSellerContactAttemptAction(RecordSellerContactAttemptFields):
    actor: Actor


class WithdrawFields(BaseModel):
    reason: str = Field(min_length=1, max_length=2_000)


class WithdrawAction(WithdrawFields):
    actor: Actor
