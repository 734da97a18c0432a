"""``GET /disputes``: the read model, filtered, newest first, page by page."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import httpx

from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, act, auth, eventually, open_dispute


async def _list(http: httpx.AsyncClient, keys: Keys, **params: str | int) -> Json:
    response = await http.get("/disputes", params=params, headers=auth(keys.agent1))
    assert response.status_code == 200, response.text
    page: Json = response.json()
    return page


async def test_lists_filter_and_page(http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool) -> None:
    seller = f"S-list-{uuid.uuid4().hex[:8]}"
    opened = [
        (await open_dispute(http, keys, seller_id=seller, channel=channel))["dispute_id"]
        for channel in ("chat", "chat", "phone", "email", "chat")
    ]
    resolved = await act(http, keys.agent1, opened[0], "resolve", {"outcome": "repair", "summary": "Fixed."})
    escalated = await act(http, keys.agent1, opened[1], "escalate", {"reason": "Complex."})
    assert (resolved.status_code, escalated.status_code) == (200, 200)

    async def all_caught_up() -> bool:
        revisions = await pg_pool.fetch(
            "SELECT dispute_id, revision FROM disputes WHERE seller_id = $1", seller
        )
        return {r["dispute_id"]: r["revision"] for r in revisions} == {
            opened[0]: 2,
            opened[1]: 2,
            **{d: 1 for d in opened[2:]},
        }

    await eventually(all_caught_up)

    everything = await _list(http, keys, seller_id=seller)
    newest_first = list(reversed(opened))
    assert [item["dispute_id"] for item in everything["items"]] == newest_first
    assert everything["next_cursor"] is None
    assert not any("customer_name" in item or "customer_email" in item for item in everything["items"])

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"seller_id": seller, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await _list(http, keys, **params)
        seen += [item["dispute_id"] for item in page["items"]]
        pages += 1
        if (cursor := page["next_cursor"]) is None:
            break
    assert (seen, pages) == (newest_first, 3)

    async def ids(**filters: str | int) -> list[str]:
        return [
            item["dispute_id"] for item in (await _list(http, keys, seller_id=seller, **filters))["items"]
        ]

    assert await ids(status="resolved") == [opened[0]]
    assert await ids(status="open") == newest_first[:-1]
    assert await ids(tier=2) == [opened[1]]
    assert await ids(channel="phone") == [opened[2]]
    assert await ids(channel="email", status="open") == [opened[3]]
    assert await ids(breached="true") == []
    assert await ids(breached="false") == newest_first
    # Registration days, in UTC (the five may straddle midnight).
    days = {i["dispute_id"]: i["registered_at"][:10] for i in everything["items"]}
    first_day, last_day = min(days.values()), max(days.values())
    next_day = (date.fromisoformat(last_day) + timedelta(days=1)).isoformat()
    assert await ids(opened_from=first_day) == newest_first
    assert await ids(opened_from=first_day, opened_to=next_day) == newest_first
    assert await ids(opened_to=first_day) == []
    assert await ids(opened_from=next_day) == []
    assert await ids(opened_from=last_day) == [d for d in newest_first if days[d] == last_day]
