"""A phone-only customer's dispute, from intake to resolution, tells the customer what an e-mail customer's
tells them: each message once, by WhatsApp, or by SMS when WhatsApp refuses the number. The real worker
sends to a local Cloud API and SMS gateway that check each request as the real ones do (bearer token,
payload shape, an approved template and its parameters). WhatsApp's signed status webhook moves the
message's status on the dispute; a badly signed one is refused and changes nothing."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from temporalio.client import Client

from api.app import create_app
from api.routes import whatsapp
from api.whatsapp_status import signature
from devstack.processes import STOP_GRACE, Child
from infra.delivery_settings import DeliverySettings, WhatsAppWebhookSettings
from tests.delivery.conftest import SMS_KEY, SMS_SENDER, WA_PATH, WA_TOKEN, phone_checks
from tests.delivery.phone_servers import JsonReceiver
from tests.delivery.servers import SmtpSink
from tests.e2e.api.conftest import LINKS, Keys, api_settings
from tests.e2e.api.helpers import Json, act, eventually, get, open_dispute, served
from tests.e2e.conftest import ROOT, wait_until_polling, worker_env
from workflows.sla_policy import SlaPolicy

QUEUE = f"phone-{uuid.uuid4().hex[:8]}"
APP_SECRET = "e2e-whatsapp-app-secret"
ON_WHATSAPP, NOT_ON_WHATSAPP = "+212661000001", "+212661000002"
# What the customer hears of the dispute below, whatever its channel.
TOLD = Counter(
    [
        "acknowledgement",
        "investigation_started",
        "information_requested",
        "transferred_to_customer_experience",
        "findings",
        "resolved",
    ]
)


@pytest.fixture
async def phone_api() -> AsyncIterator[JsonReceiver]:
    checks = phone_checks(not_on_whatsapp=frozenset({NOT_ON_WHATSAPP[1:]}))
    async with JsonReceiver(checks=checks) as server:
        yield server


@pytest.fixture
async def phone_worker(
    temporal_dev_server: str,
    temporal_client: Client,
    database_url: str,
    mail_server: SmtpSink,
    phone_api: JsonReceiver,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Child]:
    """``python worker.py`` on a queue of its own, with WhatsApp, SMS and the customers' links set."""
    env = worker_env(
        temporal_dev_server,
        database_url,
        mail_server,
        TASK_QUEUE=QUEUE,
        WHATSAPP_API_URL=phone_api.url("/v21.0"),
        WHATSAPP_PHONE_NUMBER_ID=WA_PATH.split("/")[2],
        WHATSAPP_TOKEN=WA_TOKEN,
        SMS_API_URL=phone_api.url("/sms"),
        SMS_API_KEY=SMS_KEY,
        SMS_SENDER=SMS_SENDER,
        CUSTOMER_LINK_SECRET=LINKS.secret.decode(),
        PUBLIC_BASE_URL=LINKS.public_base_url,
    )
    log = tmp_path_factory.mktemp("phone-worker") / "worker.log"
    child = Child("phone-worker", [sys.executable, "worker.py"], env=env, cwd=ROOT, log_file=log)
    async with child:
        await wait_until_polling(temporal_client, child, QUEUE)
        yield child
        await child.stop(DeliverySettings().longest_attempt.total_seconds() + STOP_GRACE)


@pytest.fixture
async def http(
    temporal_dev_server: str, database_url: str, phone_worker: Child
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        api_settings(temporal_dev_server, database_url, QUEUE),
        policy=SlaPolicy(),
        key_cache_ttl=0,
        links=LINKS,
    )
    configured = WhatsAppWebhookSettings(whatsapp_app_secret=APP_SECRET)
    app.dependency_overrides[whatsapp.webhook_settings] = lambda: configured
    async with served(app) as client:
        yield client


async def settle(http: httpx.AsyncClient, keys: Keys, customer: Json) -> Json:
    """Open a dispute for ``customer`` and take it to resolution at tier 3, the customer answering the
    team's questions on the way; answer its view once every message to the customer went out."""
    dispute = await open_dispute(http, keys, customer=customer)
    dispute_id = dispute["dispute_id"]
    steps: list[tuple[str, str, Json]] = [
        (keys.agent1, "escalate", {"reason": "Needs an investigation."}),
        (keys.agent2, "information-requests", {"questions": ["Could you send a photo of the box?"]}),
        (keys.intake, "information", {"answer": "Sent it by post; it arrived crushed."}),
        (keys.agent2, "escalate", {"reason": "The seller disputes the damage."}),
        (keys.agent3, "findings", {"findings": "The carrier crushed the parcel."}),
        (keys.agent3, "resolve", {"outcome": "refund", "summary": "Refunded in full."}),
    ]
    for token, action, body in steps:
        response = await act(http, token, dispute_id, action, body)
        assert response.status_code == 200, response.text

    async def told() -> Json | None:
        view = await get(http, keys.operator, dispute_id)
        mine = [n for n in view["notifications"] if n["recipient_kind"] == "customer"]
        done = Counter(n["kind"] for n in mine) == TOLD and all(n["status"] != "pending" for n in mine)
        return view if done else None

    view: Json = await eventually(told, within=60)
    return view


def customer(**contact: str) -> Json:
    return {"id": f"C-{uuid.uuid4().hex[:6]}", "name": "Salma Bennani", "language": "ar"} | contact


def sent_to(phone_api: JsonReceiver, path: str, number: str) -> list[Any]:
    """What was posted to ``path`` for ``number`` (WhatsApp writes it without its "+")."""
    return [body for body in phone_api.at(path) if body["to"] in (number, number.removeprefix("+"))]


async def test_a_phone_only_customer_hears_what_an_e_mail_customer_hears_each_once(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool, mail_server: SmtpSink, phone_api: JsonReceiver
) -> None:
    address = f"salma-{uuid.uuid4().hex[:6]}@example.ma"
    by_email = await settle(http, keys, customer(email=address))
    by_whatsapp = await settle(http, keys, customer(phone="06 61 00 00 01"))
    by_sms = await settle(http, keys, customer(phone="06 61 00 00 02"))

    def customer_messages(view: Json) -> list[Json]:
        return [n for n in view["notifications"] if n["recipient_kind"] == "customer"]

    # E-mail: each message once on the wire.
    mails = [m for m in mail_server.mails if m.rcpt_tos == [address]]
    assert len(mails) == sum(TOLD.values()) == len({m.message_id for m in mails})
    assert {n["status"] for n in customer_messages(by_email)} == {"sent"}

    # WhatsApp: the same messages, each one template message, in Arabic, nothing by SMS.
    templates = [body["template"] for body in sent_to(phone_api, WA_PATH, ON_WHATSAPP)]
    assert Counter(t["name"] for t in templates) == TOLD
    assert {t["language"]["code"] for t in templates} == {"ar"}
    for template in templates:
        ref, _, link = (p["text"] for p in template["components"][0]["parameters"])
        assert ref == by_whatsapp["reference"] and link.startswith(f"{LINKS.public_base_url}/c/")
    assert sent_to(phone_api, "/sms", ON_WHATSAPP) == []
    assert [n["channels"] for n in customer_messages(by_whatsapp)] == [["whatsapp"]] * sum(TOLD.values())

    # Not on WhatsApp: each refused once by the Cloud API (131030), then sent once by SMS.
    assert len(sent_to(phone_api, WA_PATH, NOT_ON_WHATSAPP)) == sum(TOLD.values())
    texts = [body["text"] for body in sent_to(phone_api, "/sms", NOT_ON_WHATSAPP)]
    assert len(texts) == sum(TOLD.values()) and all(by_sms["reference"] in text for text in texts)
    for message in customer_messages(by_sms):
        assert (message["status"], message["channels"]) == ("sent", ["sms"])
        assert "whatsapp HTTP 400" in message["failed_channels"]["whatsapp"]
    assert {r.answer["error"]["code"] for r in phone_api.refused} == {131030}

    # WhatsApp's status webhook: signed, it moves the acknowledgement to read; forged, it changes nothing.
    acknowledgement = await pg_pool.fetchval(
        "SELECT w.message_id FROM whatsapp_messages w JOIN notifications n ON n.id = w.notification_id"
        " WHERE n.dispute_id = $1 AND n.kind = 'acknowledgement'",
        by_whatsapp["dispute_id"],
    )
    for status, secret, expected in [("read", "forged-secret", 403), ("delivered", APP_SECRET, 200)]:
        body = _statuses(acknowledgement, status)
        headers = {"X-Hub-Signature-256": signature(secret, body), "Content-Type": "application/json"}
        assert (await http.post("/webhooks/whatsapp", content=body, headers=headers)).status_code == expected
    view = await get(http, keys.operator, by_whatsapp["dispute_id"])
    [ack] = [n for n in customer_messages(view) if n["kind"] == "acknowledgement"]
    assert ack["whatsapp_status"] == "delivered"
    assert ON_WHATSAPP[1:] not in json.dumps(view["notifications"])  # statuses, never the number

    # Reported failed after it was taken (the number left WhatsApp): the message goes by SMS, once.
    resolved = await pg_pool.fetchval(
        "SELECT w.message_id FROM whatsapp_messages w JOIN notifications n ON n.id = w.notification_id"
        " WHERE n.dispute_id = $1 AND n.kind = 'resolved'",
        by_whatsapp["dispute_id"],
    )
    for _ in range(2):  # Meta repeats a webhook it thinks was lost
        body = _statuses(resolved, "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
        headers = {"X-Hub-Signature-256": signature(APP_SECRET, body), "Content-Type": "application/json"}
        assert (await http.post("/webhooks/whatsapp", content=body, headers=headers)).status_code == 200

    async def by_sms_instead() -> Json | None:
        view = await get(http, keys.operator, by_whatsapp["dispute_id"])
        [message] = [n for n in customer_messages(view) if n["kind"] == "resolved"]
        return message if message["channels"] == ["sms"] else None

    message = await eventually(by_sms_instead, within=30)
    assert (message["status"], message["whatsapp_status"]) == ("sent", "failed")
    assert "131026" in message["failed_channels"]["whatsapp"]
    await asyncio.sleep(1)  # time enough for a second run, were the repeated webhook to start one
    [sms] = sent_to(phone_api, "/sms", ON_WHATSAPP)
    assert by_whatsapp["reference"] in sms["text"]


def _statuses(message_id: str, status: str, errors: list[Json] | None = None) -> bytes:
    reported: Json = {"id": message_id, "status": status, "timestamp": "1764979200"}
    value = {"statuses": [reported | ({"errors": errors} if errors else {})]}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"value": value}]}]}
    return json.dumps(payload).encode()
