"""WhatsApp and SMS beside e-mail: a customer with a phone is reached on the phone channels configured,
each once; a refusal is recorded, a temporary failure retried on that channel only; none configured, a
phone-only customer is skipped with the settings that would open one."""

from __future__ import annotations

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError

from activities.delivery import Deliveries
from activities.recipients import PHONE_CLOSED
from api import customer_link_store
from infra.delivery_settings import DeliverySettings
from tests.delivery.conftest import WA_PATH
from tests.delivery.factories import PHONE, outbox_row, phone_acknowledgement
from tests.delivery.phone_servers import JsonReceiver
from tests.delivery.servers import SmtpSink
from tests.delivery.test_customer_link_in_messages import BASE, LINKS
from workflows.delivery import DeliveryResult
from workflows.models import Language


@pytest.mark.parametrize("language", [Language.FR, Language.AR])
async def test_a_phone_only_customer_gets_whatsapp_and_sms(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver, smtp: SmtpSink, language: Language
) -> None:
    key, ref = await phone_acknowledgement(pg_pool, email=None, language=language)

    assert await phoned.deliver(key) == DeliveryResult(status="sent", channels=["whatsapp", "sms"])

    [wa] = phone_api.posts[:1]
    assert wa.path == WA_PATH and wa.headers["authorization"] == "Bearer wa-token"
    template = wa.body["template"]
    assert (wa.body["messaging_product"], wa.body["to"], wa.body["type"]) == (
        "whatsapp",
        PHONE[1:],
        "template",
    )
    assert (template["name"], template["language"]) == ("acknowledgement", {"code": language.value})
    [body] = template["components"]
    texts = [p["text"] for p in body["parameters"]]
    assert body["type"] == "body" and texts[0] == ref and len(texts) == 2 and texts[1]
    row = await outbox_row(pg_pool, key)
    assert wa.body["biz_opaque_callback_data"] == f"jamla24-{row['id']}-whatsapp"

    [sms] = phone_api.at("/sms")
    assert sms == {
        "from": "JAMLA24",
        "to": PHONE,
        "text": sms["text"],
        "reference": f"jamla24-{row['id']}-sms",
    }
    assert ref in sms["text"] and len(sms["text"]) <= (70 if language == Language.AR else 160)
    assert phone_api.posts[1].headers["authorization"] == "Bearer sms-key"
    assert smtp.mails == []
    stored = await pg_pool.fetchval(
        "SELECT message_id FROM whatsapp_messages WHERE notification_id = $1", row["id"]
    )
    assert stored == phone_api.ids[0]


async def test_every_channel_once_and_a_retry_resends_only_the_missing_one(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver, smtp: SmtpSink
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email="salma@example.ma")
    phone_api.answers["/sms"] = [503]

    with pytest.raises(ApplicationError) as later:
        await phoned.deliver(key)
    assert later.value.type == "DeliveryUnavailable" and not later.value.non_retryable
    assert (await outbox_row(pg_pool, key))["channels_done"] == ["email", "whatsapp"]

    result = await phoned.deliver(key)
    assert result == DeliveryResult(status="sent", channels=["email", "whatsapp", "sms"])
    assert len(smtp.mails) == 1 and len(phone_api.at(WA_PATH)) == 1
    first, second = phone_api.at("/sms")
    assert first["reference"] == second["reference"]  # the resend is recognisably the same message
    assert (await phoned.deliver(key)).status == "sent" and len(phone_api.posts) == 3


async def test_a_400_from_whatsapp_is_refused_for_good(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    phone_api.answers[WA_PATH] = [400]

    with pytest.raises(ApplicationError) as refused:
        await phoned.deliver(key)
    assert refused.value.type == "DeliveryRefused" and refused.value.non_retryable
    row = await outbox_row(pg_pool, key)
    assert row["status"] == "failed" and row["channels_done"] == ["sms"]
    assert "whatsapp HTTP 400" in row["channels_failed"]["whatsapp"]["summary"]


async def test_a_500_from_whatsapp_is_retried(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    phone_api.answers[WA_PATH] = [500, 429]

    for _ in range(2):
        with pytest.raises(ApplicationError) as later:
            await phoned.deliver(key)
        assert later.value.type == "DeliveryUnavailable" and not later.value.non_retryable
    assert (await phoned.deliver(key)).channels == ["sms", "whatsapp"]
    assert len(phone_api.at(WA_PATH)) == 3 and len(phone_api.at("/sms")) == 1


async def test_with_no_phone_channel_configured_a_phone_only_customer_is_skipped(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)

    result = await deliveries.deliver(key)

    assert result == DeliveryResult(status="skipped", channels=[], reason=PHONE_CLOSED)
    assert "WHATSAPP_TOKEN" in PHONE_CLOSED and "SMS_API_KEY" in PHONE_CLOSED


async def test_the_page_link_is_the_third_parameter_and_in_the_sms(
    pg_pool: asyncpg.Pool, phone_settings: DeliverySettings, phone_api: JsonReceiver
) -> None:
    with_links = Deliveries.from_settings(pg_pool, phone_settings, LINKS)
    key, ref = await phone_acknowledgement(pg_pool, email=None)
    assert key.dispute_id is not None and await customer_link_store.issue(pg_pool, key.dispute_id, LINKS)

    await with_links.deliver(key)

    [whatsapp] = phone_api.at(WA_PATH)
    texts = [p["text"] for p in whatsapp["template"]["components"][0]["parameters"]]
    assert texts[0] == ref and texts[2].startswith(BASE)
    [sms] = phone_api.at("/sms")
    assert sms["text"].endswith(texts[2]) and len(sms["text"]) <= 160
