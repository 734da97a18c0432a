"""Retries: the same intake reference is one dispute, the same Idempotency-Key one action."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowHandle

from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import act, auth, get, intake_body, open_dispute


async def test_twenty_concurrent_identical_intakes_open_one_dispute(
    http: httpx.AsyncClient, keys: Keys, temporal_client: Client
) -> None:
    body = intake_body(keys, external_ref=f"chat-{uuid.uuid4().hex}")
    responses = await asyncio.gather(
        *(http.post("/disputes", json=body, headers=auth(keys.intake)) for _ in range(20))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 19 + [201], [r.text for r in responses if r.status_code not in (200, 201)]
    ids = {r.json()["dispute_id"] for r in responses}
    assert len(ids) == 1
    (dispute_id,) = ids
    assert len({r.json()["registered_at"] for r in responses}) == 1  # the replays answer the original
    count = await temporal_client.count_workflows(f'WorkflowId = "dispute-{dispute_id}"')
    assert count.count == 1
    history = (await get(http, keys.operator, dispute_id))["history"]
    assert [e["kind"] for e in history] == ["opened"]


async def test_the_same_reference_with_another_body_is_409(http: httpx.AsyncClient, keys: Keys) -> None:
    ref = f"mail-{uuid.uuid4().hex}"
    first = await http.post("/disputes", json=intake_body(keys, external_ref=ref), headers=auth(keys.intake))
    assert first.status_code == 201
    other = intake_body(keys, external_ref=ref, description="Something else entirely.")
    response = await http.post("/disputes", json=other, headers=auth(keys.intake))
    assert response.status_code == 409
    assert ref in response.json()["detail"]
    assert "different request" in response.json()["detail"]
    # The same reference on another channel is another dispute.
    elsewhere = await http.post(
        "/disputes", json=intake_body(keys, external_ref=ref, channel="phone"), headers=auth(keys.intake)
    )
    assert elsewhere.status_code == 201
    assert elsewhere.json()["dispute_id"] != first.json()["dispute_id"]


async def test_created_or_existing_is_told_from_the_public_api_alone(
    http: httpx.AsyncClient, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handle ``start_workflow`` returns keeps nothing private to read: 201, then 200, then 409."""
    original = Client.start_workflow

    async def bare_handle(self: Client, *args: Any, **kwargs: Any) -> WorkflowHandle[Any, Any]:
        handle: WorkflowHandle[Any, Any] = await original(self, *args, **kwargs)
        if hasattr(handle, "_start_workflow_response"):  # what a later SDK may well not keep
            del handle._start_workflow_response
        return handle

    monkeypatch.setattr(Client, "start_workflow", bare_handle)
    body = intake_body(keys, external_ref=f"chat-{uuid.uuid4().hex}")
    first = await http.post("/disputes", json=body, headers=auth(keys.intake))
    retry = await http.post("/disputes", json=body, headers=auth(keys.intake))
    other = intake_body(keys, external_ref=body["external_ref"], description="Something else entirely.")
    conflicting = await http.post("/disputes", json=other, headers=auth(keys.intake))
    assert [r.status_code for r in (first, retry, conflicting)] == [201, 200, 409], conflicting.text
    assert retry.json()["dispute_id"] == first.json()["dispute_id"]


async def test_a_retry_after_the_dispute_closed_answers_that_dispute(
    http: httpx.AsyncClient, keys: Keys, temporal_client: Client
) -> None:
    body = intake_body(keys, external_ref=f"phone-{uuid.uuid4().hex}", channel="phone")
    first = await http.post("/disputes", json=body, headers=auth(keys.intake))
    dispute_id = first.json()["dispute_id"]
    response = await act(http, keys.intake, dispute_id, "withdraw", {"reason": "Sorted out."})
    assert response.status_code == 200
    await temporal_client.get_workflow_handle(f"dispute-{dispute_id}").result()  # closed for good

    retry = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert retry.status_code == 200, retry.text
    assert (retry.json()["dispute_id"], retry.json()["status"]) == (dispute_id, "withdrawn")
    assert retry.json()["registered_at"] == first.json()["registered_at"]
    late = await act(http, keys.operator, dispute_id, "escalate", {"reason": "Too late."})
    assert late.status_code == 409
    assert late.json()["detail"] == f"Dispute {dispute_id} is already withdrawn; it can no longer change."


async def test_an_action_retried_with_its_idempotency_key_takes_effect_once(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    response = await http.post("/disputes", json=intake_body(keys), headers=auth(keys.intake))
    dispute_id = response.json()["dispute_id"]
    retry = {"Idempotency-Key": f"esc-{uuid.uuid4().hex}"}
    first = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Complex."}, headers=retry)
    second = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Complex."}, headers=retry)
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert first.json()["tier"] == second.json()["tier"] == 2
    assert [e["kind"] for e in second.json()["history"]] == ["opened", "escalated"]

    # Without the key, a second escalation is a new action, and takes the dispute to tier 3.
    third = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Still complex."})
    assert third.json()["tier"] == 3
    assert [e["kind"] for e in third.json()["history"]] == ["opened", "escalated", "escalated"]


async def test_an_idempotency_key_sent_again_with_another_body_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    key = {"Idempotency-Key": f"esc-{uuid.uuid4().hex}"}
    first = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Complex."}, headers=key)
    assert first.status_code == 200, first.text

    other = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Something else."}, headers=key)
    assert other.status_code == 422, other.text
    [error] = other.json()["detail"]
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert "already used for a different request (escalate)" in error["msg"]
    assert "new Idempotency-Key" in error["msg"]
    view = await get(http, keys.operator, dispute_id)
    assert ([e["kind"] for e in view["history"]], view["revision"]) == (
        ["opened", "escalated"],
        first.json()["revision"],
    )

    # The same request again (the same once trimmed) is still the retry it was: the first answer.
    again = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "  Complex. "}, headers=key)
    assert again.status_code == 200, again.text
    assert [e["kind"] for e in again.json()["history"]] == ["opened", "escalated"]


async def test_the_same_idempotency_key_may_name_another_action_or_another_dispute(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    # A seller of its own for the flag: a strike on the session's seller would count against it.
    one = (await open_dispute(http, keys, seller_id=f"S-{uuid.uuid4().hex[:10]}"))["dispute_id"]
    two = (await open_dispute(http, keys))["dispute_id"]
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    flagged = await act(http, keys.agent1, one, "seller-flags", {"reason": "Refuses."}, headers=key)
    escalated = await act(http, keys.agent1, one, "escalate", {"reason": "Complex."}, headers=key)
    elsewhere = await act(http, keys.agent1, two, "escalate", {"reason": "Other words."}, headers=key)
    assert [r.status_code for r in (flagged, escalated, elsewhere)] == [200, 200, 200], elsewhere.text
    assert escalated.json()["tier"] == elsewhere.json()["tier"] == 2


async def test_concurrent_uses_of_one_key_with_two_bodies_take_effect_once(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    key = {"Idempotency-Key": f"race-{uuid.uuid4().hex}"}
    bodies = [{"reason": f"Reason {i % 2}."} for i in range(10)]
    answers = await asyncio.gather(
        *(act(http, keys.agent1, dispute_id, "escalate", body, headers=key) for body in bodies)
    )
    accepted = {body["reason"] for body, r in zip(bodies, answers, strict=True) if r.status_code == 200}
    refused = {body["reason"] for body, r in zip(bodies, answers, strict=True) if r.status_code == 422}
    assert len(accepted) == 1 and accepted.isdisjoint(refused)
    assert accepted | refused == {"Reason 0.", "Reason 1."}
    view = await get(http, keys.operator, dispute_id)
    assert [e["kind"] for e in view["history"]] == ["opened", "escalated"]
    assert view["history"][1]["data"]["reason"] in accepted
