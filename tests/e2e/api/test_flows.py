"""Each lifecycle flow, through HTTP only, on the real stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from api.deps import get_policy
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, act, eventually, get, open_dispute
from workflows.sla_policy import SlaPolicy


async def test_an_agent_resolves_a_dispute_at_tier_1(http: httpx.AsyncClient, keys: Keys) -> None:
    created = await open_dispute(http, keys)
    dispute_id = created["dispute_id"]
    assert (created["status"], created["tier"]) == ("open", 1)
    assert created["workflow_id"] == f"dispute-{dispute_id}"
    assert {d["kind"] for d in created["deadlines"]} >= {"resolution_team", "findings", "resolution"}

    view = await get(http, keys.operator, dispute_id)
    assert (view["source"], view["stale"]) == ("workflow", False)
    assert "intake_fingerprint" not in view
    assert view["customer"] == {
        "name": "Amina El Idrissi",
        "email": "amina@example.ma",
        "phone": "+212539420142",
        "preferred_channel": None,
    }
    assert view["history"][0]["kind"] == "opened"
    assert view["history"][0]["actor"]["role"] == "intake"

    response = await act(
        http, keys.agent1, dispute_id, "resolve", {"outcome": "refund", "summary": "Lost parcel; refunded."}
    )
    assert response.status_code == 200, response.text
    resolved = response.json()
    assert resolved["status"] == "resolved"
    assert resolved["resolution"]["outcome"] == "refund"
    assert resolved["resolution"]["by"]["role"] == "agent"
    assert resolved["resolution"]["by"]["tier"] == 1
    assert resolved["history"][-1]["kind"] == "resolved"
    assert (await get(http, keys.intake, dispute_id))["status"] == "resolved"


async def test_investigation_information_findings_and_resolution_at_tier_2(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]

    # Tier 1 may not investigate: the workflow says why.
    response = await act(http, keys.agent1, dispute_id, "information-requests", {"questions": ["Photo?"]})
    assert response.status_code == 409
    assert "agent of tier 2, resolution team, or above" in response.json()["detail"]

    response = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Needs an investigation."})
    assert response.status_code == 200, response.text
    assert response.json()["tier"] == 2

    questions = ["Could you send a photo of the box?", "When did it arrive?"]
    response = await act(http, keys.agent2, dispute_id, "information-requests", {"questions": questions})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "awaiting_customer"
    assert response.json()["information_requests"] == questions

    response = await act(http, keys.intake, dispute_id, "information", {"answer": "Sent by e-mail; Monday."})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"

    response = await act(http, keys.agent2, dispute_id, "findings", {"findings": "Carrier lost it."})
    assert response.status_code == 200, response.text
    findings = response.json()
    assert findings["findings"] == "Carrier lost it."
    assert _deadline(findings, "findings")["state"] == "met"

    # Tier 1 can no longer resolve a tier-2 dispute.
    response = await act(http, keys.agent1, dispute_id, "resolve", {"outcome": "refund", "summary": "x"})
    assert response.status_code == 409
    assert "tier 2" in response.json()["detail"]

    response = await act(
        http, keys.agent2, dispute_id, "resolve", {"outcome": "replacement", "summary": "A new one ships."}
    )
    assert response.status_code == 200, response.text
    kinds = [e["kind"] for e in response.json()["history"]]
    assert kinds == [
        "opened",
        "escalated",
        "information_requested",
        "information_provided",
        "findings_submitted",
        "resolved",
    ]


def _deadline(view: Json, kind: str) -> Json:
    found: Json = next(d for d in view["deadlines"] if d["kind"] == kind)
    return found


async def test_the_seller_reads_and_responds_without_seeing_the_customer(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    view = await get(http, keys.seller, dispute_id)
    assert "customer" not in view
    assert "amina" not in str(view).lower()

    body = {"message": "Replacement shipped today."}
    response = await act(http, keys.seller, dispute_id, "seller-response", body)
    assert response.status_code == 200, response.text
    assert response.json()["seller_efforts"] == "responded"
    assert "customer" not in response.json()
    assert _deadline(response.json(), "seller_failure")["state"] == "met"

    again = await act(http, keys.seller, dispute_id, "seller-response", body)
    assert again.status_code == 409
    assert again.json()["detail"] == "The seller has already responded to this dispute."


async def test_an_agent_flags_an_uncooperative_seller(http: httpx.AsyncClient, keys: Keys) -> None:
    seller_id = f"S-flag-{uuid.uuid4().hex[:8]}"  # a seller with no strikes yet
    dispute_id = (await open_dispute(http, keys, seller_id=seller_id))["dispute_id"]

    response = await act(http, keys.agent1, dispute_id, "seller-flags", {"reason": "Refuses any return."})
    assert response.status_code == 200, response.text
    assert response.json()["seller_flagged"] is True

    async def account_changed() -> Json | None:
        history = (await get(http, keys.operator, dispute_id))["history"]
        return next((e for e in history if e["kind"] == "seller_account_changed"), None)

    change = await eventually(account_changed)
    assert (change["data"]["from"], change["data"]["to"]) == ("active", "warned")

    again = await act(http, keys.operator, dispute_id, "seller-flags", {"reason": "Still refuses."})
    assert again.status_code == 409
    assert "already been flagged" in again.json()["detail"]


async def test_the_seller_contact_is_refused_while_efforts_are_under_way(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    response = await act(http, keys.intake, dispute_id, "seller-contact")
    assert response.status_code == 409
    assert "only once Jamla24's own efforts" in response.json()["detail"]
    assert (await get(http, keys.operator, dispute_id))["seller_contact_released"] is False


@pytest.fixture
def short_seller_window(api_app: FastAPI) -> Iterator[None]:
    """New disputes give the seller 1 s (efforts fail at 2 s); the other clocks keep their days."""
    policy = SlaPolicy(seller_response_window=timedelta(seconds=1))
    api_app.dependency_overrides[get_policy] = lambda: policy
    yield
    del api_app.dependency_overrides[get_policy]


@pytest.mark.usefixtures("short_seller_window")
async def test_the_customer_gets_the_seller_contact_once_efforts_ended(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    # A seller no channel reaches (no address, no portal here): unreachable, not struck, and the customer
    # may still obtain its details, as the policy says once Jamla24's efforts have failed.
    seller_id = f"S-silent-{uuid.uuid4().hex[:8]}"
    dispute_id = (await open_dispute(http, keys, seller_id=seller_id))["dispute_id"]

    async def failed() -> bool:
        return bool((await get(http, keys.intake, dispute_id))["seller_efforts"] == "unreachable")

    await eventually(failed, within=20)
    response = await act(http, keys.intake, dispute_id, "seller-contact")
    assert response.status_code == 200, response.text
    assert response.json()["seller_contact_released"] is True
    assert response.json()["history"][-1]["kind"] == "seller_contact_released"


async def test_the_customer_withdraws(http: httpx.AsyncClient, keys: Keys) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    response = await act(http, keys.intake, dispute_id, "withdraw", {"reason": "It arrived after all."})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "withdrawn"
    assert {d["state"] for d in response.json()["deadlines"]} == {"cancelled"}

    # Closed is closed: any later action is refused with the reason.
    late = await act(http, keys.operator, dispute_id, "resolve", {"outcome": "refund", "summary": "x"})
    assert late.status_code == 409
    assert late.json()["detail"].endswith("is already withdrawn; it can no longer change.")


async def test_the_resolution_team_delivers_late_findings_after_the_transfer_to_tier_3(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    """The lifecycle's tier rule: any agent escalates, the resolution team or above delivers findings,
    and only resolving needs the dispute's own tier."""
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    for tier in (2, 3):  # a tier-1 agent escalates, also a dispute already at tier 2
        response = await act(http, keys.agent1, dispute_id, "escalate", {"reason": "Urgent."})
        assert response.status_code == 200, response.text
        assert response.json()["tier"] == tier
    escalated = response.json()
    clocks = {d["kind"]: d["state"] for d in escalated["deadlines"]}
    assert clocks["resolution_team"] == clocks["customer_experience"] == "met"  # overtaken, not left running

    response = await act(http, keys.agent2, dispute_id, "findings", {"findings": "The carrier lost it."})
    assert response.status_code == 200, response.text
    assert response.json()["findings"] == "The carrier lost it."

    refund = {"outcome": "refund", "summary": "Refunded."}
    response = await act(http, keys.agent2, dispute_id, "resolve", refund)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "may resolve this dispute (the dispute is at tier 3); you act at tier 2." in detail


async def test_a_dispute_resolved_at_once_needed_no_findings(http: httpx.AsyncClient, keys: Keys) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    refund = {"outcome": "refund", "summary": "Refunded."}
    response = await act(http, keys.agent1, dispute_id, "resolve", refund)
    assert response.status_code == 200, response.text
    clocks = {d["kind"]: d["state"] for d in response.json()["deadlines"]}
    assert clocks["findings"] == "not_needed" and clocks["resolution"] == "met"
