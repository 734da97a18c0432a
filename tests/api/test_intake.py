"""Dispute ids, intake fingerprints and the input a dispute starts with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from api.intake import build_input, dispute_id_for, fingerprint, response_for
from api.schemas import IntakeRequest
from workflows.models import Actor, Category, Channel, Role
from workflows.sla_policy import SlaPolicy

BODY: dict[str, Any] = {
    "customer": {"id": "C-1", "name": "Amina", "phone": "05 39 42 01 42"},
    "order_id": "O-1",
    "seller_id": "S-1001",
    "channel": "chat",
    "category": "not_delivered",
    "description": "Never arrived.",
    "external_ref": "chat-1",
}
INTAKE = Actor(role=Role.INTAKE, id="chat-intake")


def test_an_intake_reference_always_gets_the_same_id_on_its_channel() -> None:
    assert dispute_id_for(Channel.CHAT, "r-1") == dispute_id_for(Channel.CHAT, "r-1")
    assert dispute_id_for(Channel.CHAT, "r-1") != dispute_id_for(Channel.EMAIL, "r-1")
    assert dispute_id_for(Channel.CHAT, "r-1") != dispute_id_for(Channel.CHAT, "r-2")
    assert dispute_id_for(Channel.CHAT, None) != dispute_id_for(Channel.CHAT, None)
    assert len(dispute_id_for(Channel.CHAT, "r-1")) == 32


def test_the_fingerprint_is_of_the_normalised_request() -> None:
    same = IntakeRequest.model_validate(BODY | {"customer": BODY["customer"] | {"phone": "+212539420142"}})
    assert fingerprint(IntakeRequest.model_validate(BODY)) == fingerprint(same)
    other = IntakeRequest.model_validate(BODY | {"description": "Arrived broken."})
    assert fingerprint(IntakeRequest.model_validate(BODY)) != fingerprint(other)


def test_the_input_carries_the_policy_the_actor_and_the_deadlines_from_first_contact() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    first = now - timedelta(hours=3)
    request = IntakeRequest.model_validate(BODY | {"first_contact_at": first.isoformat()})
    dispute = build_input(request, SlaPolicy(), INTAKE, now)
    assert (dispute.first_contact_at, dispute.registered_at, dispute.opened_by) == (first, now, INTAKE)
    assert dispute.customer.phone == "+212539420142"
    assert dispute.intake_fingerprint == fingerprint(request)
    answer = response_for(dispute)
    team = next(d for d in answer.deadlines if d.kind == "resolution_team")
    assert team.due_at == first + timedelta(hours=24)
    assert (answer.status, answer.tier, answer.workflow_id) == ("open", 1, f"dispute-{dispute.dispute_id}")


def test_first_contact_defaults_to_now_and_may_not_be_in_the_future() -> None:
    now = datetime.now(UTC)
    dispute = build_input(IntakeRequest.model_validate(BODY), SlaPolicy(), INTAKE, now)
    assert dispute.first_contact_at == now
    with pytest.raises(ValidationError, match="future"):
        IntakeRequest.model_validate(BODY | {"first_contact_at": (now + timedelta(minutes=5)).isoformat()})


def test_every_category_is_accepted_and_documented() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for category in Category:
        request = IntakeRequest.model_validate(BODY | {"category": category.value})
        assert build_input(request, SlaPolicy(), INTAKE).category == category.value
        assert f"| `{category.value}` |" in readme, f"README: document the category {category.value}"


def test_a_category_not_in_the_list_is_refused_without_repeating_it() -> None:
    with pytest.raises(ValidationError) as refused:
        IntakeRequest.model_validate(BODY | {"category": "wrong"})
    (error,) = refused.value.errors()
    assert error["loc"] == ("category",)
    assert "'wrong_item'" in error["msg"] and "'other'" in error["msg"]
