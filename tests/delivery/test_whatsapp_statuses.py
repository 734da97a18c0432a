"""WhatsApp's status webhooks: a POST signed with the app secret moves the notification's message to sent,
delivered, read (never back); a badly signed one changes nothing; the GET handshake answers the challenge
only for our verify token."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from activities.delivery import Deliveries
from api.deps import get_pool
from api.routes import whatsapp
from api.whatsapp_status import signature
from infra.delivery_settings import DeliverySettings, WhatsAppWebhookSettings
from tests.delivery.factories import phone_acknowledgement
from tests.delivery.phone_servers import JsonReceiver
from tests.delivery.servers import SmtpSink

APP_SECRET = "wa-app-secret"


@pytest.fixture
async def api(pg_pool: asyncpg.Pool, phone_settings: DeliverySettings) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(whatsapp.router)
    configured = WhatsAppWebhookSettings(whatsapp_app_secret=APP_SECRET, whatsapp_verify_token="vt")
    app.dependency_overrides[whatsapp.webhook_settings] = lambda: configured
    app.dependency_overrides[get_pool] = lambda: pg_pool
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


def _status(message_id: str, status: str, at: int) -> bytes:
    change = {
        "field": "messages",
        "value": {"statuses": [{"id": message_id, "status": status, "timestamp": str(at)}]},
    }
    payload: dict[str, Any] = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [change]}],
    }
    return json.dumps(payload).encode()


async def _post(api: httpx.AsyncClient, body: bytes, secret: str = APP_SECRET) -> httpx.Response:
    headers = {"X-Hub-Signature-256": signature(secret, body), "Content-Type": "application/json"}
    return await api.post("/webhooks/whatsapp", content=body, headers=headers)


async def test_signed_statuses_update_the_notification(
    pg_pool: asyncpg.Pool,
    phoned: Deliveries,
    phone_api: JsonReceiver,
    smtp: SmtpSink,
    api: httpx.AsyncClient,
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    await phoned.deliver(key)
    message_id = phone_api.ids[0]
    query = (
        "SELECT status, extract(epoch FROM status_at)::bigint AS at"
        " FROM whatsapp_messages WHERE message_id = $1"
    )

    assert (await _post(api, _status(message_id, "delivered", 1_800_000_000))).status_code == 200
    assert (await _post(api, _status(message_id, "read", 1_800_000_060))).status_code == 200
    assert (await _post(api, _status(message_id, "sent", 1_800_000_001))).status_code == 200  # late, ignored
    assert tuple(await pg_pool.fetchrow(query, message_id) or ()) == ("read", 1_800_000_060)

    forged = await _post(api, _status(message_id, "failed", 1_800_000_100), secret="not-ours")
    assert forged.status_code == 403
    assert tuple(await pg_pool.fetchrow(query, message_id) or ()) == ("read", 1_800_000_060)


async def test_the_handshake_answers_only_our_verify_token(api: httpx.AsyncClient) -> None:
    ok = await api.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "42"},
    )
    assert (ok.status_code, ok.text) == (200, "42")
    bad = await api.get(
        "/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "42"}
    )
    assert bad.status_code == 403
