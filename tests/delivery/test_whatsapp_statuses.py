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
from temporalio.exceptions import ApplicationError

from activities.delivery import Deliveries
from activities.late_refusal import LateRefusals
from api.deps import get_client, get_pool, get_task_queue
from api.routes import whatsapp
from api.whatsapp_status import signature
from infra.delivery_settings import DeliverySettings, WhatsAppWebhookSettings
from tests.delivery.factories import outbox_row, phone_acknowledgement
from tests.delivery.phone_servers import JsonReceiver
from tests.delivery.servers import SmtpSink
from workflows.delivery import DeliveryResult

APP_SECRET = "wa-app-secret"


class Starts:
    """Temporal's client as the route uses it: the workflow starts it asked for (``tests/e2e`` runs them)."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []

    async def start_workflow(self, run: Any, arg: str, **options: Any) -> None:
        self.started.append((arg, options))


@pytest.fixture
def starts() -> Starts:
    return Starts()


@pytest.fixture
async def api(pg_pool: asyncpg.Pool, starts: Starts) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(whatsapp.router)
    configured = WhatsAppWebhookSettings(whatsapp_app_secret=APP_SECRET, whatsapp_verify_token="vt")
    app.dependency_overrides[whatsapp.webhook_settings] = lambda: configured
    app.dependency_overrides[get_pool] = lambda: pg_pool
    app.dependency_overrides[get_client] = lambda: starts
    app.dependency_overrides[get_task_queue] = lambda: "disputes"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


UNDELIVERABLE = [{"code": 131026, "title": "Message undeliverable", "message": "to +212612345678"}]


def _status(message_id: str, status: str, at: int, errors: list[dict[str, Any]] | None = None) -> bytes:
    reported: dict[str, Any] = {"id": message_id, "status": status, "timestamp": str(at)}
    change = {"field": "messages", "value": {"statuses": [reported | ({"errors": errors} if errors else {})]}}
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


async def test_a_failed_message_goes_by_sms_once(
    pg_pool: asyncpg.Pool,
    phoned: Deliveries,
    phone_api: JsonReceiver,
    api: httpx.AsyncClient,
    starts: Starts,
) -> None:
    key, ref = await phone_acknowledgement(pg_pool, email=None)
    assert (await phoned.deliver(key)).channels == ["whatsapp"]
    message_id = phone_api.ids[0]

    for _ in range(2):  # Meta sends a webhook again when it was not answered in time
        reported = _status(message_id, "failed", 1_800_000_000, UNDELIVERABLE)
        assert (await _post(api, reported)).status_code == 200
    notification = (await outbox_row(pg_pool, key))["id"]
    # Named by the outbox row, never by the message id (it encodes the number); the id policies make the
    # second start join the first.
    assert [(arg, options["id"]) for arg, options in starts.started] == [
        (message_id, f"whatsapp-failed-{notification}")
    ] * 2

    for _ in range(2):
        assert await LateRefusals(pg_pool, phoned).redeliver_after_whatsapp_failure(
            message_id
        ) == DeliveryResult(status="sent", channels=["sms"])
    [sms] = phone_api.at("/sms")
    assert ref in sms["text"]
    row = await outbox_row(pg_pool, key)
    assert (
        row["channels_failed"]["whatsapp"]["summary"]
        == "whatsapp status failed (131026 Message undeliverable)"
    )
    kept = await pg_pool.fetchval("SELECT error FROM whatsapp_messages WHERE message_id = $1", message_id)
    assert kept == "131026 Message undeliverable"  # never the number the error's message quotes


async def test_a_failed_message_with_no_channel_left_is_recorded_failed(
    pg_pool: asyncpg.Pool, phone_settings: DeliverySettings, phone_api: JsonReceiver, api: httpx.AsyncClient
) -> None:
    whatsapp_only = Deliveries.from_settings(pg_pool, phone_settings.model_copy(update={"sms_api_url": None}))
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    await whatsapp_only.deliver(key)
    message_id = phone_api.ids[0]
    await _post(api, _status(message_id, "failed", 1_800_000_000, UNDELIVERABLE))

    result = await LateRefusals(pg_pool, whatsapp_only).redeliver_after_whatsapp_failure(message_id)

    assert (result.status, result.channels) == ("failed", [])
    assert (await outbox_row(pg_pool, key))["status"] == "failed" and phone_api.at("/sms") == []


async def test_a_message_not_failed_is_not_sent_again(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver, starts: Starts, api: httpx.AsyncClient
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    await phoned.deliver(key)
    message_id = phone_api.ids[0]
    await _post(api, _status(message_id, "delivered", 1_800_000_000))

    with pytest.raises(ApplicationError, match="its status is delivered") as refused:
        await LateRefusals(pg_pool, phoned).redeliver_after_whatsapp_failure(message_id)
    assert message_id not in str(refused.value)  # the id encodes the number: never in a failure
    assert starts.started == [] and phone_api.at("/sms") == []


async def test_control_characters_in_a_signed_report_change_nothing_and_fail_nothing(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver, api: httpx.AsyncClient
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    await phoned.deliver(key)
    message_id = phone_api.ids[0]

    unknown = await _post(api, _status("wamid.\x00forged", "failed", 1_800_000_000))
    titled = await _post(
        api, _status(message_id, "failed", 1_800_000_000, [{"code": 1, "title": "a\x00\x1bb"}])
    )

    assert (unknown.status_code, unknown.json()) == (200, {"recorded": 0})
    assert titled.status_code == 200
    kept = await pg_pool.fetchval("SELECT error FROM whatsapp_messages WHERE message_id = $1", message_id)
    assert kept == "1 ab"
