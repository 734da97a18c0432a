"""Customers' personal data through the API: an operator's erasure on request (recorded, operators only)
and the record of who read a customer's contact (sellers, who never see it, leave none)."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import act, auth, eventually, get, intake_body, open_dispute


async def _status(pg_pool: asyncpg.Pool, dispute_id: str) -> str | None:
    value: str | None = await pg_pool.fetchval(
        "SELECT status FROM disputes WHERE dispute_id = $1", dispute_id
    )
    return value


async def test_an_erasure_request_erases_closed_disputes_and_is_recorded(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    customer_id = f"C-{uuid.uuid4().hex[:10]}"
    customer = intake_body(keys)["customer"] | {"id": customer_id, "name": f"Amina {customer_id}"}
    closed = await open_dispute(http, keys, customer=customer, description=f"Jamais livré {customer_id}")
    still_open = await open_dispute(http, keys, customer=customer)
    resolved = await act(
        http, keys.agent1, closed["dispute_id"], "resolve", {"outcome": "refund", "summary": "Ok."}
    )
    assert resolved.status_code == 200, resolved.text
    await eventually(lambda: _is(pg_pool, closed["dispute_id"], "resolved"))
    # The open one counts once its opening is recorded: on a busy worker that can come after the other's end.
    await eventually(lambda: _is(pg_pool, still_open["dispute_id"], "open"))

    path = f"/customers/{customer_id}/erasure"
    assert (await http.post(path, headers=auth(keys.agent3))).status_code == 403
    assert (await http.post(path, headers=auth(keys.intake))).status_code == 403

    answer = await http.post(path, headers=auth(keys.operator))
    assert answer.status_code == 200, answer.text
    first = answer.json()
    assert (first["customer_id"], first["disputes_erased"], first["disputes_open"]) == (customer_id, 1, 1)
    assert first["events_erased"] >= 2 and first["notifications_erased"] >= 1
    row = await pg_pool.fetchrow("SELECT d::text AS text, erased_at FROM disputes d WHERE dispute_id = $1",
                                 closed["dispute_id"])  # fmt: skip
    assert row is not None and row["erased_at"] is not None
    assert customer_id + " " not in row["text"] and "amina@example.ma" not in row["text"]
    assert f"Amina {customer_id}" not in row["text"] and f"Jamais livré {customer_id}" not in row["text"]
    kept = await pg_pool.fetchval(
        "SELECT d::text FROM disputes d WHERE dispute_id = $1", still_open["dispute_id"]
    )
    assert f"Amina {customer_id}" in kept

    again = (await http.post(path, headers=auth(keys.operator))).json()
    assert (again["disputes_erased"], again["events_erased"], again["disputes_open"]) == (0, 0, 1)

    listed = await http.get("/erasures", params={"customer_id": customer_id}, headers=auth(keys.operator))
    assert listed.status_code == 200
    assert [(e["id"], e["disputes_erased"]) for e in listed.json()] == [(again["id"], 0), (first["id"], 1)]
    assert listed.json()[1]["requested_by"].startswith("operator-") and listed.json()[1]["requested_at"]
    assert (await http.get("/erasures", headers=auth(keys.agent3))).status_code == 403


async def _is(pg_pool: asyncpg.Pool, dispute_id: str, status: str) -> bool:
    return await _status(pg_pool, dispute_id) == status


async def test_a_contact_read_is_recorded_and_listed_to_operators(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    created = await open_dispute(http, keys)
    dispute_id = created["dispute_id"]

    async def reads() -> list[dict[str, str]]:
        listed = await http.get(
            "/contact-reads", params={"dispute_id": dispute_id}, headers=auth(keys.operator)
        )
        assert listed.status_code == 200, listed.text
        items: list[dict[str, str]] = listed.json()["items"]
        return items

    assert await reads() == []
    assert (await get(http, keys.seller, dispute_id))["dispute_id"] == dispute_id  # no contact, no record
    assert await reads() == []

    view = await get(http, keys.agent2, dispute_id)
    assert view["customer"]["email"] == "amina@example.ma"
    [read] = await reads()
    assert (read["dispute_id"], read["role"], read["customer_id"]) == (dispute_id, "agent", "C-20931")
    assert read["actor_id"].startswith("agent-t2-") and read["read_at"]

    await get(http, keys.operator, dispute_id)
    newest, oldest = await reads()
    assert (newest["role"], oldest["role"]) == ("operator", "agent")
    page = await http.get(
        "/contact-reads", params={"dispute_id": dispute_id, "limit": 1}, headers=auth(keys.operator)
    )
    following = await http.get(
        "/contact-reads",
        params={"dispute_id": dispute_id, "limit": 1, "cursor": page.json()["next_cursor"]},
        headers=auth(keys.operator),
    )
    assert [r["role"] for r in following.json()["items"]] == ["agent"] and following.json()[
        "next_cursor"
    ] is None
    by_customer = await http.get(
        "/contact-reads", params={"customer_id": "C-20931"}, headers=auth(keys.operator)
    )
    assert newest["id"] in [r["id"] for r in by_customer.json()["items"]]
    assert (await http.get("/contact-reads", headers=auth(keys.agent3))).status_code == 403


async def test_an_open_disputes_contact_is_read_from_its_one_place(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    """The dispute's row, not the workflow's input: what an operator corrects or erases there is what
    every read shows, and a read costs no fetch of the workflow's history."""
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    await eventually(lambda: _status(pg_pool, dispute_id))
    corrected = f"amina.{uuid.uuid4().hex[:6]}@example.ma"
    await pg_pool.execute(
        "UPDATE disputes SET customer_email = $2 WHERE dispute_id = $1", dispute_id, corrected
    )

    view = await get(http, keys.operator, dispute_id)

    assert (view["source"], view["customer"]["email"]) == ("workflow", corrected)
