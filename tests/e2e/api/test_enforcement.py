"""The seller account rule where it bites: a terminated seller's keys are refused; a complaint against a
restricted or terminated seller is accepted all the same, and flagged to operators."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest
from temporalio.client import Client

from api.auth import KeyRole, create_key
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import auth, eventually, get, intake_body
from workflows import search_attributes as sa


async def seller_with_status(pool: asyncpg.Pool, status: str) -> tuple[str, str]:
    """A seller whose account is ``status``, and its key."""
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    await pool.execute("INSERT INTO sellers (seller_id, status) VALUES ($1, $2)", seller_id, status)
    _, token = await create_key(pool, KeyRole.SELLER, f"seller-{seller_id}", seller_id=seller_id)
    return seller_id, token


async def test_a_terminated_sellers_key_is_refused_saying_why(
    http: httpx.AsyncClient, pg_pool: asyncpg.Pool
) -> None:
    seller_id, token = await seller_with_status(pg_pool, "active")
    assert (await http.get(f"/sellers/{seller_id}", headers=auth(token))).status_code == 200

    await pg_pool.execute("UPDATE sellers SET status = 'terminated' WHERE seller_id = $1", seller_id)
    refused = await http.get(f"/sellers/{seller_id}", headers=auth(token))
    on_a_dispute = await http.get(f"/disputes/{uuid.uuid4().hex}", headers=auth(token))

    assert refused.status_code == on_a_dispute.status_code == 403
    assert refused.json()["detail"] == on_a_dispute.json()["detail"]
    assert f"Seller {seller_id}'s account is terminated" in refused.json()["detail"]

    # An operator's reinstatement lifting the termination makes the key work again.
    await pg_pool.execute("UPDATE sellers SET status = 'active' WHERE seller_id = $1", seller_id)
    assert (await http.get(f"/sellers/{seller_id}", headers=auth(token))).status_code == 200


@pytest.mark.parametrize("status", ["warned", "restricted"])
async def test_a_warned_or_restricted_seller_still_answers_its_disputes(
    http: httpx.AsyncClient, pg_pool: asyncpg.Pool, status: str
) -> None:
    seller_id, token = await seller_with_status(pg_pool, status)
    response = await http.get(f"/sellers/{seller_id}", headers=auth(token))
    assert response.status_code == 200 and response.json()["status"] == status


@pytest.mark.parametrize("status", ["restricted", "terminated"])
async def test_a_complaint_against_a_restricted_or_terminated_seller_is_accepted_and_flagged(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool, temporal_client: Client, status: str
) -> None:
    seller_id, _ = await seller_with_status(pg_pool, status)
    body = intake_body(keys, seller_id=seller_id, external_ref=f"chat-{uuid.uuid4().hex[:8]}")

    opened = await http.post("/disputes", json=body, headers=auth(keys.intake))

    assert opened.status_code == 201, opened.text
    created = opened.json()
    assert created["seller_status_at_intake"] == status
    view = await get(http, keys.operator, created["dispute_id"])
    assert view["seller_status_at_intake"] == status
    described = await temporal_client.get_workflow_handle(created["workflow_id"]).describe()
    assert described.typed_search_attributes.get(sa.SELLER_STATUS_AT_INTAKE) == status

    # A retried intake answers what the first one found, whatever the account became since.
    await pg_pool.execute("UPDATE sellers SET status = 'active' WHERE seller_id = $1", seller_id)
    again = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert again.status_code == 200, again.text
    assert again.json()["seller_status_at_intake"] == status

    async def listed() -> list[dict[str, object]]:
        response = await http.get("/disputes", params={"seller_id": seller_id}, headers=auth(keys.operator))
        items: list[dict[str, object]] = response.json()["items"]
        return items

    [item] = await eventually(listed)
    assert item["seller_status_at_intake"] == status


async def test_a_complaint_against_an_active_seller_says_so(http: httpx.AsyncClient, keys: Keys) -> None:
    opened = await http.post(
        "/disputes", json=intake_body(keys, seller_id=f"S-{uuid.uuid4().hex[:10]}"), headers=auth(keys.intake)
    )
    assert opened.status_code == 201, opened.text
    assert opened.json()["seller_status_at_intake"] == "active"
