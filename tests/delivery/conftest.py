"""Delivery fixtures: a real SMTP server and HTTP receiver per test, and the activity wired to them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from activities.channels import EmailSender
from activities.delivery import Deliveries
from activities.webhooks import HttpWebhookSender
from devstack.phone_checks import approved_templates, check_sms, check_whatsapp
from infra.delivery_settings import DeliverySettings
from tests.delivery.phone_servers import Check, JsonReceiver
from tests.delivery.servers import WEBHOOK_SECRET, HttpReceiver, SmtpSink

SECRET = WEBHOOK_SECRET
TEAM_EMAILS = {
    "customer_service": "cs@jamla24.test",
    "resolution_team": "rt@jamla24.test",
    "customer_experience": "cx@jamla24.test",
}
OPERATORS = "ops@jamla24.test"
WA_PATH = "/v21.0/1234567890/messages"  # where the phone settings below send WhatsApp
WA_TOKEN, SMS_KEY, SMS_SENDER = "wa-token", "sms-key", "JAMLA24"  # theirs, and what the servers expect


@pytest.fixture
def settings(smtp: SmtpSink, receiver: HttpReceiver) -> DeliverySettings:
    return DeliverySettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
        smtp_timeout=5,
        mail_from="Jamla24 <no-reply@jamla24.test>",
        mail_domain="jamla24.test",
        seller_webhook_url=receiver.url("/seller"),
        alerts_webhook_url=receiver.url("/alerts"),
        webhook_secret=SECRET,
        operators_email=OPERATORS,
        notify_team_emails=TEAM_EMAILS,
    )


@pytest.fixture
def deliveries(pg_pool: asyncpg.Pool, settings: DeliverySettings) -> Deliveries:
    return Deliveries.from_settings(pg_pool, settings)


def with_email(pg_pool: asyncpg.Pool, settings: DeliverySettings, email: EmailSender) -> Deliveries:
    """The activity with another e-mail sender (one that crashes, say) and the real webhook sender."""
    return Deliveries(pg_pool, settings, email, HttpWebhookSender(timeout=5))


@pytest.fixture
async def phone_api() -> AsyncIterator[JsonReceiver]:
    """The Cloud API and the gateway, checking each request as they do, with the credentials below."""
    async with JsonReceiver(checks=phone_checks()) as server:
        yield server


def phone_checks(not_on_whatsapp: frozenset[str] = frozenset(), token: str = WA_TOKEN) -> dict[str, Check]:
    """The checks of the Cloud API at ``WA_PATH`` (expecting ``token``) and of the gateway at ``/sms``."""
    approved = approved_templates()
    return {
        WA_PATH: lambda headers, body: check_whatsapp(headers, body, token, approved, not_on_whatsapp),
        "/sms": lambda headers, body: check_sms(headers, body, SMS_KEY, SMS_SENDER),
    }


@pytest.fixture
def phone_settings(settings: DeliverySettings, phone_api: JsonReceiver) -> DeliverySettings:
    return DeliverySettings(
        **settings.model_dump()
        | {
            "whatsapp_api_url": phone_api.url("/v21.0"),
            "whatsapp_phone_number_id": "1234567890",
            "whatsapp_token": WA_TOKEN,
            "sms_api_url": phone_api.url("/sms"),
            "sms_api_key": SMS_KEY,
            "sms_sender": SMS_SENDER,
            "phone_timeout": 5,
        }
    )


@pytest.fixture
def phoned(pg_pool: asyncpg.Pool, phone_settings: DeliverySettings) -> Deliveries:
    return Deliveries.from_settings(pg_pool, phone_settings)
