"""A customer is told once, on the first of its channels that takes the message: the one it prefers, else
e-mail when it gave one, else WhatsApp, with SMS only when WhatsApp refuses. A temporary failure waits for
the retry (no fallback meanwhile); none configured, a phone-only customer is skipped with the settings
that would open a channel. The local Cloud API and gateway check each request as the real ones do."""

from __future__ import annotations

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError

from activities.delivery import Deliveries
from activities.recipients import PHONE_CLOSED
from api import customer_link_store
from infra.delivery_settings import DeliverySettings
from tests.delivery.conftest import WA_PATH, phone_checks
from tests.delivery.factories import PHONE, outbox_row, phone_acknowledgement
from tests.delivery.phone_servers import JsonReceiver
from tests.delivery.servers import SmtpSink
from tests.delivery.test_customer_link_in_messages import BASE, LINKS
from workflows.delivery import DeliveryResult
from workflows.models import Language, MessageChannel


@pytest.mark.parametrize("language", [Language.FR, Language.AR])
async def test_a_phone_only_customer_gets_whatsapp_alone(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver, smtp: SmtpSink, language: Language
) -> None:
    key, ref = await phone_acknowledgement(pg_pool, email=None, language=language)

    assert await phoned.deliver(key) == DeliveryResult(status="sent", channels=["whatsapp"])

    [wa] = phone_api.posts
    assert phone_api.refused == []  # as the Cloud API checks it: token, shape, an approved template
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
    assert body["type"] == "body" and texts[0] == ref and texts[1]
    # No page link in force: the third parameter is where customers find the service.
    assert texts[2] == DeliverySettings().customer_help_url
    row = await outbox_row(pg_pool, key)
    assert wa.body["biz_opaque_callback_data"] == f"jamla24-{row['id']}-whatsapp"
    assert smtp.mails == []
    stored = await pg_pool.fetchval(
        "SELECT message_id FROM whatsapp_messages WHERE notification_id = $1", row["id"]
    )
    assert stored == phone_api.ids[0]


@pytest.mark.parametrize("language", [Language.FR, Language.AR])
async def test_sms_only_when_whatsapp_refuses_and_once(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver, language: Language
) -> None:
    phone_api.checks = phone_checks(not_on_whatsapp=frozenset({PHONE[1:]}))
    key, ref = await phone_acknowledgement(pg_pool, email=None, language=language)

    assert await phoned.deliver(key) == DeliveryResult(status="sent", channels=["sms"])
    assert (await phoned.deliver(key)).status == "sent"  # a second call sends nothing

    [refusal] = phone_api.refused
    assert (refusal.status, refusal.answer["error"]["code"]) == (400, 131030)
    row = await outbox_row(pg_pool, key)
    [sms] = phone_api.at("/sms")
    assert sms == {
        "from": "JAMLA24",
        "to": PHONE,
        "text": sms["text"],
        "reference": f"jamla24-{row['id']}-sms",
    }
    assert ref in sms["text"]
    assert phone_api.posts[1].headers["authorization"] == "Bearer sms-key"
    assert len(phone_api.posts) == 2
    assert row["status"] == "sent" and "whatsapp HTTP 400" in row["channels_failed"]["whatsapp"]["summary"]


async def test_a_temporary_whatsapp_failure_waits_for_whatsapp_not_sms(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    phone_api.answers[WA_PATH] = [500, 429]

    for _ in range(2):
        with pytest.raises(ApplicationError) as later:
            await phoned.deliver(key)
        assert later.value.type == "DeliveryUnavailable" and not later.value.non_retryable
    assert (await phoned.deliver(key)).channels == ["whatsapp"]
    assert len(phone_api.at(WA_PATH)) == 3 and phone_api.at("/sms") == []


async def test_a_wrong_token_is_retried_not_refused(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver
) -> None:
    phone_api.checks = phone_checks(token="another-token")
    key, _ = await phone_acknowledgement(pg_pool, email=None)

    with pytest.raises(ApplicationError) as later:
        await phoned.deliver(key)

    assert later.value.type == "DeliveryUnavailable" and not later.value.non_retryable
    assert [r.status for r in phone_api.refused] == [401] and phone_api.at("/sms") == []


async def test_both_refusing_fails_the_notification(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)
    phone_api.answers = {WA_PATH: [400], "/sms": [400]}

    with pytest.raises(ApplicationError) as refused:
        await phoned.deliver(key)

    assert refused.value.type == "DeliveryRefused" and refused.value.non_retryable
    row = await outbox_row(pg_pool, key)
    assert row["status"] == "failed" and set(row["channels_failed"]) == {"whatsapp", "sms"}


@pytest.mark.parametrize(
    ("preferred", "sent_by"),
    [
        (None, "email"),
        (MessageChannel.EMAIL, "email"),
        (MessageChannel.WHATSAPP, "whatsapp"),
        (MessageChannel.SMS, "sms"),
    ],
)
async def test_a_customer_with_both_is_told_on_the_channel_it_prefers_else_by_email(
    pg_pool: asyncpg.Pool,
    phoned: Deliveries,
    phone_api: JsonReceiver,
    smtp: SmtpSink,
    preferred: MessageChannel | None,
    sent_by: str,
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email="salma@example.ma", preferred_channel=preferred)

    assert await phoned.deliver(key) == DeliveryResult(status="sent", channels=[sent_by])

    sent = {
        "email": len(smtp.mails),
        "whatsapp": len(phone_api.at(WA_PATH)),
        "sms": len(phone_api.at("/sms")),
    }
    assert sent == {channel: int(channel == sent_by) for channel in sent}


async def test_a_refused_mailbox_falls_back_to_whatsapp(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver, smtp: SmtpSink
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email="nobody@example.ma")
    smtp.refuse.add("nobody@example.ma")

    assert await phoned.deliver(key) == DeliveryResult(status="sent", channels=["whatsapp"])
    assert smtp.mails == [] and len(phone_api.at(WA_PATH)) == 1


async def test_a_resend_after_a_failure_repeats_the_reference(
    pg_pool: asyncpg.Pool, phoned: Deliveries, phone_api: JsonReceiver
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None, preferred_channel=MessageChannel.SMS)
    phone_api.answers["/sms"] = [503]

    with pytest.raises(ApplicationError):
        await phoned.deliver(key)
    assert (await phoned.deliver(key)).channels == ["sms"]

    first, second = phone_api.at("/sms")
    assert first["reference"] == second["reference"]  # the resend is recognisably the same message
    assert phone_api.at(WA_PATH) == []


async def test_with_no_phone_channel_configured_a_phone_only_customer_is_skipped(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    key, _ = await phone_acknowledgement(pg_pool, email=None)

    result = await deliveries.deliver(key)

    assert result == DeliveryResult(status="skipped", channels=[], reason=PHONE_CLOSED)
    assert "WHATSAPP_TOKEN" in PHONE_CLOSED and "SMS_API_KEY" in PHONE_CLOSED


@pytest.mark.parametrize("preferred", [MessageChannel.WHATSAPP, MessageChannel.SMS])
async def test_the_page_link_is_the_third_parameter_and_in_the_sms(
    pg_pool: asyncpg.Pool,
    phone_settings: DeliverySettings,
    phone_api: JsonReceiver,
    preferred: MessageChannel,
) -> None:
    with_links = Deliveries.from_settings(pg_pool, phone_settings, LINKS)
    key, ref = await phone_acknowledgement(pg_pool, email=None, preferred_channel=preferred)
    assert key.dispute_id is not None and await customer_link_store.issue(pg_pool, key.dispute_id, LINKS)

    await with_links.deliver(key)

    assert phone_api.refused == []
    if preferred == MessageChannel.WHATSAPP:
        [whatsapp] = phone_api.at(WA_PATH)
        texts = [p["text"] for p in whatsapp["template"]["components"][0]["parameters"]]
        assert texts[0] == ref and texts[2].startswith(BASE)
    else:
        [sms] = phone_api.at("/sms")
        assert ref in sms["text"] and sms["text"].split()[-1].startswith(BASE)
