"""Requests the API tests make again and again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests.e2e.api.conftest import Keys

Json = dict[str, Any]


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process HTTP client of ``app``, the app started (its lifespan) while the client is used."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=30) as http,
    ):
        yield http


def auth(token: str) -> dict[str, str]:
    return {"X-API-Key": token}


def intake_body(keys: Keys, **overrides: Any) -> Json:
    body: Json = {
        "customer": {
            "id": "C-20931",
            "name": "Amina El Idrissi",
            "email": "amina@example.ma",
            "phone": "05 39 42 01 42",
            "language": "fr",
        },
        "order_id": f"O-{uuid.uuid4().hex[:8]}",
        "seller_id": keys.seller_id,
        "channel": "chat",
        "category": "not_delivered",
        "description": "Commande payée le 3, toujours pas livrée.",
    }
    return body | overrides


async def open_dispute(http: httpx.AsyncClient, keys: Keys, **overrides: Any) -> Json:
    response = await http.post("/disputes", json=intake_body(keys, **overrides), headers=auth(keys.intake))
    assert response.status_code == 201, response.text
    created: Json = response.json()
    return created


async def act(
    http: httpx.AsyncClient,
    token: str,
    dispute_id: str,
    action: str,
    body: Json | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    headers = auth(token) | (headers or {})
    return await http.post(f"/disputes/{dispute_id}/{action}", json=body, headers=headers)


async def get(http: httpx.AsyncClient, token: str, dispute_id: str) -> Json:
    response = await http.get(f"/disputes/{dispute_id}", headers=auth(token))
    assert response.status_code == 200, response.text
    view: Json = response.json()
    return view


async def eventually(check: Any, within: float = 15.0, every: float = 0.1) -> Any:
    """Call the async ``check`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        assert loop.time() < deadline, f"not within {within} s"
        await asyncio.sleep(every)
