"""The delivery activity end to end: PostgreSQL outbox, a real SMTP server and a real HTTP receiver."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import Message
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import delivery_lease
from activities.delivery import Deliveries
from activities.email import SmtpSender
from activities.recipients import PHONE_CLOSED
from infra.delivery_settings import DeliverySettings
from tests.activities.factories import new_id
from tests.delivery.conftest import OPERATORS, with_email
from tests.delivery.factories import add_seller, open_dispute, outbox_row, queue
from tests.delivery.servers import HttpReceiver, SmtpSink
from workflows.delivery import DeliveryResult, NotificationKey
from workflows.events import RecipientKind
from workflows.models import DeadlineKind, Language
from workflows.options import DELIVERY_RETRY

CASABLANCA = ZoneInfo("Africa/Casablanca")
# Spelled out here rather than asked of the library under test.
MONTHS = {
    Language.FR: "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    Language.AR: "يناير فبراير مارس أبريل ماي يونيو يوليوز غشت شتنبر أكتوبر نونبر دجنبر",
}
COMMA = {Language.FR: ",", Language.AR: "،"}
CUSTOMER = RecipientKind.CUSTOMER


def local(instant: datetime, language: Language, zone: tzinfo = CASABLANCA) -> str:
    """How the letter must show an instant: day, month, year and time on the Casablanca clock."""
    wall = instant.astimezone(zone)
    month = MONTHS[language].split()[wall.month - 1]
    return f"{wall.day} {month} {wall.year}{COMMA[language]} {wall:%H:%M}"


@pytest.mark.parametrize("language", [Language.FR, Language.AR])
async def test_acknowledgement_carries_the_reference_and_the_local_deadlines(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, language: Language
) -> None:
    dispute_id, customer, deadlines = await open_dispute(pg_pool, language=language)
    key = await queue(pg_pool, dispute_id, "acknowledgement", CUSTOMER, customer.id, customer=customer)

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["email"])

    [mail] = smtp.mails
    assert mail.rcpt_tos == ["salma@example.ma"]
    assert f"[Jamla24 #{dispute_id}]" in mail.message["Subject"]
    due = {d.kind: d.due_at for d in deadlines}
    team, resolution = due[DeadlineKind.RESOLUTION_TEAM], due[DeadlineKind.RESOLUTION]
    # Before Morocco's clocks go forward (UTC+0) and after (UTC+1): both hours must be right.
    assert team.astimezone(CASABLANCA).utcoffset() != resolution.astimezone(CASABLANCA).utcoffset()
    for part in (mail.part("plain"), mail.part("html")):
        assert dispute_id in part
        assert "Salma Bennani" in part
        assert local(team, language) in part
        assert local(resolution, language) in part
        assert local(resolution, language, UTC) not in part  # an hour early: the server's clock
    html = mail.part("html")
    assert (f'lang="{language.value}" dir="rtl"' in html) == (language == Language.AR)

    row = await outbox_row(pg_pool, key)
    assert (row["status"], row["attempts"], row["channels_done"]) == ("sent", 1, ["email"])
    assert row["sent_at"] is not None and row["locked_until"] is None and row["last_error"] is None
    assert row["message_id"] == mail.message_id
    assert row["message_id"].startswith(f"<{dispute_id}.1.acknowledgement.customer.")
    assert customer.id not in row["message_id"]


async def test_a_notification_recorded_as_sent_is_never_sent_again(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    key = await queue(pg_pool, dispute_id, "withdrawn", CUSTOMER, customer.id, customer=customer)

    first = await deliveries.deliver(key)
    again = await deliveries.deliver(key)

    assert first == again == DeliveryResult(status="sent", channels=["email"])
    assert len(smtp.mails) == 1
    assert (await outbox_row(pg_pool, key))["attempts"] == 1


class Crash(BaseException):
    """The worker dies: nothing after this runs, not even the activity's own error handling."""


class SendThenFail:
    """Hands the message to the SMTP server, then fails before the outcome can be recorded."""

    def __init__(self, real: SmtpSender, failure: BaseException) -> None:
        self.real, self.failure = real, failure

    async def send(self, message: Message) -> None:
        await self.real.send(message)
        raise self.failure

    async def close(self) -> None:
        await self.real.close()


@pytest.mark.parametrize("failure", [Crash("killed"), RuntimeError("bug after sending")])
async def test_a_resend_after_a_crash_mid_send_carries_the_same_message_id(
    pg_pool: asyncpg.Pool,
    settings: DeliverySettings,
    deliveries: Deliveries,
    smtp: SmtpSink,
    failure: BaseException,
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    key = await queue(pg_pool, dispute_id, "acknowledgement", CUSTOMER, customer.id, customer=customer)
    failing = with_email(pg_pool, settings, SendThenFail(SmtpSender(settings), failure))

    with pytest.raises(type(failure)):
        await failing.deliver(key)
    row = await outbox_row(pg_pool, key)
    assert (row["status"], row["channels_done"], len(smtp.mails)) == ("pending", [], 1)

    if isinstance(failure, Crash):
        # The dead attempt's lease still holds: a retry now waits rather than racing it...
        with pytest.raises(ApplicationError) as busy:
            await deliveries.deliver(key)
        assert busy.value.type == "DeliveryBusy" and not busy.value.non_retryable
        # It comes back as the lease runs out, not after a growing backoff.
        retry_in = busy.value.next_retry_delay
        assert retry_in is not None and timedelta(0) < retry_in <= delivery_lease.LEASE + timedelta(seconds=1)
        assert len(smtp.mails) == 1
        # ...until the lease runs out.
        await pg_pool.execute(
            "UPDATE notifications SET locked_until = now() - interval '1 second' WHERE id = $1", row["id"]
        )
    assert (await deliveries.deliver(key)).status == "sent"

    first, second = smtp.mails
    assert first.message_id == second.message_id == row["message_id"]
    assert first.message["Date"] == second.message["Date"]
    assert (await outbox_row(pg_pool, key))["attempts"] == 2


async def test_a_slow_send_heartbeats_and_keeps_its_lease(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shortened: the server takes twice the lease to answer, and the attempt renews it meanwhile.
    monkeypatch.setattr(delivery_lease, "LEASE", timedelta(seconds=1))
    monkeypatch.setattr(delivery_lease, "HEARTBEAT_EVERY", timedelta(seconds=0.2))
    smtp.delays = {"DATA": 3.0}
    dispute_id, customer, _ = await open_dispute(pg_pool)
    key = await queue(pg_pool, dispute_id, "acknowledgement", CUSTOMER, customer.id, customer=customer)
    env = ActivityEnvironment()
    heartbeats: list[tuple[object, ...]] = []
    env.on_heartbeat = lambda *details: heartbeats.append(details)

    slow = asyncio.create_task(env.run(deliveries.deliver, key))
    await asyncio.sleep(1.5)  # past the lease as first taken; the server has the message, not answered

    # A retry now (Temporal would not make one while the heartbeats come) finds the lease still held.
    with pytest.raises(ApplicationError) as busy:
        await deliveries.deliver(key)
    assert busy.value.type == "DeliveryBusy"
    assert not slow.done() and len(smtp.mails) == 1
    assert (await slow).status == "sent"
    assert len(smtp.mails) == 1
    assert len(heartbeats) >= 5
    row = await outbox_row(pg_pool, key)
    assert (row["status"], row["attempts"], row["locked_until"]) == ("sent", 1, None)


async def test_a_refused_address_ends_as_a_recorded_failure(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool, email="nobody@example.ma")
    smtp.refuse.add("nobody@example.ma")
    key = await queue(pg_pool, dispute_id, "acknowledgement", CUSTOMER, customer.id, customer=customer)

    with pytest.raises(ApplicationError) as refused:
        await deliveries.deliver(key)

    error = refused.value
    assert error.type == "DeliveryRefused" and error.non_retryable
    assert error.type in (DELIVERY_RETRY.non_retryable_error_types or [])
    assert "SMTP 550" in error.message and "nobody@" not in error.message
    assert error.details == (
        {"status": "failed", "channels": [], "reason": "email: SMTP 550: recipient refused"},
    )
    row = await outbox_row(pg_pool, key)
    assert row["status"] == "failed" and row["sent_at"] is None and row["locked_until"] is None
    assert "550 5.1.1 <recipient>: Recipient address rejected" in row["last_error"]
    assert smtp.mails == []
    # Final: asked again, it answers the recorded failure and tries nothing.
    again = await deliveries.deliver(key)
    assert again == DeliveryResult(status="failed", channels=[], reason="email: SMTP 550: recipient refused")
    assert (await outbox_row(pg_pool, key))["attempts"] == 1


async def test_a_temporary_refusal_is_retried_and_then_sent(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool, email="greylisted@example.ma")
    smtp.defer.add("greylisted@example.ma")
    key = await queue(pg_pool, dispute_id, "acknowledgement", CUSTOMER, customer.id, customer=customer)

    with pytest.raises(ApplicationError) as deferred:
        await deliveries.deliver(key)
    assert deferred.value.type == "DeliveryUnavailable" and not deferred.value.non_retryable
    row = await outbox_row(pg_pool, key)
    assert row["status"] == "pending" and row["locked_until"] is None and "451" in row["last_error"]

    smtp.defer.clear()
    assert (await deliveries.deliver(key)).status == "sent"
    row = await outbox_row(pg_pool, key)
    assert (row["attempts"], row["last_error"], len(smtp.mails)) == (2, None, 1)


async def test_a_phone_only_customer_is_skipped(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool, email=None)
    key = await queue(pg_pool, dispute_id, "acknowledgement", CUSTOMER, customer.id, customer=customer)

    skipped = DeliveryResult(status="skipped", channels=[], reason=PHONE_CLOSED)
    assert await deliveries.deliver(key) == skipped
    assert await deliveries.deliver(key) == skipped
    row = await outbox_row(pg_pool, key)
    assert (row["status"], row["attempts"]) == ("skipped", 1)
    assert smtp.mails == []


async def test_the_seller_gets_a_signed_event_and_an_email(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id = await add_seller(pg_pool)
    complaint = "Payée le 3,\ntoujours pas livrée."
    dispute_id, customer, deadlines = await open_dispute(pg_pool, seller_id=seller_id, description=complaint)
    respond_by = next(d.due_at for d in deadlines if d.kind == DeadlineKind.SELLER_FAILURE)
    key = await queue(
        pg_pool,
        dispute_id,
        "complaint_notice",
        RecipientKind.SELLER,
        seller_id,
        respond_by=respond_by.isoformat(),
    )

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["webhook", "email"])

    [request] = receiver.requests
    assert request.path == "/seller" and request.verified
    message_id = (await outbox_row(pg_pool, key))["message_id"]
    assert request.headers["x-jamla24-delivery"] == message_id.strip("<>")
    event = receiver.event(0)
    assert event["type"] == "seller.complaint_notice"
    assert (event["dispute_id"], event["recipient"]) == (dispute_id, {"kind": "seller", "ref": seller_id})
    # The complaint as the customer wrote it, so that the seller can answer it.
    assert event["data"] == {"respond_by": respond_by.isoformat(), "description": complaint}
    assert event["dispute"]["order_id"] == "order-1"
    assert local(respond_by, Language.FR) in event["text"] and complaint in event["text"]
    # The seller learns of the complaint, not who made it.
    for secret in (customer.name, "salma@example.ma", customer.id, "+212"):
        assert secret not in request.body.decode()

    [mail] = smtp.mails
    assert mail.rcpt_tos == ["shop@seller.test"]
    assert mail.message_id == message_id
    assert "Bonjour Atlas Shop" in mail.part("plain") and local(respond_by, Language.FR) in mail.part("plain")
    plain = mail.part("plain").replace("\r\n", "\n")
    assert complaint in plain and "commande non livrée" in plain


async def test_a_retry_sends_only_on_the_channel_that_failed(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id = await add_seller(pg_pool)
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id)
    key = await queue(pg_pool, dispute_id, "seller_strike", RecipientKind.SELLER, seller_id, reason="refused")
    receiver.answers["/seller"] = [503]

    with pytest.raises(ApplicationError) as unavailable:
        await deliveries.deliver(key)
    assert unavailable.value.type == "DeliveryUnavailable" and not unavailable.value.non_retryable
    assert (await outbox_row(pg_pool, key))["channels_done"] == ["email"]

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["email", "webhook"])
    assert len(smtp.mails) == 1  # the e-mail went out once
    first, second = receiver.requests
    assert first.headers["x-jamla24-delivery"] == second.headers["x-jamla24-delivery"]


async def test_a_portal_refusal_is_final_and_keeps_what_went_out(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id = await add_seller(pg_pool)
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id)
    key = await queue(
        pg_pool, dispute_id, "seller_account_changed", RecipientKind.SELLER, seller_id, status="warned"
    )
    receiver.answers["/seller"] = [404]

    with pytest.raises(ApplicationError) as refused:
        await deliveries.deliver(key)

    assert refused.value.type == "DeliveryRefused" and refused.value.non_retryable
    row = await outbox_row(pg_pool, key)
    assert (row["status"], row["channels_done"]) == ("failed", ["email"])
    assert row["channels_failed"]["webhook"]["summary"] == "webhook HTTP 404"
    assert len(smtp.mails) == 1 and len(receiver.requests) == 1


async def test_a_channel_without_an_address_or_url_is_skipped_not_failed(
    pg_pool: asyncpg.Pool, settings: DeliverySettings, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    unconfigured = Deliveries.from_settings(pg_pool, settings.model_copy(update={"seller_webhook_url": None}))
    seller_id = await add_seller(pg_pool, email=None)
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id)
    key = await queue(
        pg_pool, dispute_id, "seller_strike", RecipientKind.SELLER, seller_id, reason="unresponsive"
    )

    result = await unconfigured.deliver(key)

    assert result.status == "skipped" and result.reason is not None and "seller portal" in result.reason
    assert smtp.mails == [] and receiver.requests == []


async def test_a_team_gets_an_email_at_its_address(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    key = await queue(
        pg_pool, dispute_id, "dispute_reached_tier", RecipientKind.TEAM, "resolution_team", tier=2
    )

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["email"])

    [mail] = smtp.mails
    assert mail.rcpt_tos == ["rt@jamla24.test"]
    assert mail.message["Subject"] == f"[Jamla24 #{dispute_id}] Litige transmis à votre équipe (niveau 2)"
    assert "l'équipe de résolution" in mail.part("plain")
    assert customer.name not in mail.part("plain")
    assert receiver.requests == []


async def test_operators_are_alerted_by_webhook_and_email(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    key = await queue(
        pg_pool, dispute_id, "sla_breach_reminder", RecipientKind.OPERATORS, "operators", reminder=3
    )

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["webhook", "email"])

    [request] = receiver.requests
    assert request.path == "/alerts" and request.verified
    assert receiver.event(0)["type"] == "operators.sla_breach_reminder"
    assert customer.name not in request.body.decode()
    [mail] = smtp.mails
    assert mail.rcpt_tos == [OPERATORS] and "Rappel n° 3" in mail.message["Subject"]


async def test_a_notification_waits_for_its_dispute_to_be_recorded(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    key = await queue(pg_pool, new_id("d"), "sla_breach", RecipientKind.OPERATORS, "operators")

    with pytest.raises(ApplicationError) as waiting:
        await deliveries.deliver(key)

    assert waiting.value.type == "DisputeNotRecorded" and not waiting.value.non_retryable
    row = await outbox_row(pg_pool, key)
    assert row["status"] == "pending" and row["locked_until"] is None
    assert smtp.mails == []


async def test_what_cannot_be_written_fails_for_good(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    # A message no template exists for: the customer's acknowledgement sent to a team.
    unknown = await queue(pg_pool, dispute_id, "acknowledgement", RecipientKind.TEAM, "resolution_team")
    incomplete = await queue(
        pg_pool, dispute_id, "findings", CUSTOMER, customer.id, customer=customer
    )  # no text

    for key, reason in ((unknown, "TemplateNotFound"), (incomplete, "UndefinedError")):
        with pytest.raises(ApplicationError) as bad:
            await deliveries.deliver(key)
        assert bad.value.type == "BadData" and bad.value.non_retryable
        row = await outbox_row(pg_pool, key)
        assert row["status"] == "failed" and reason in row["last_error"]
    assert smtp.mails == []


async def test_a_notification_not_in_the_outbox_is_bad_data(deliveries: Deliveries) -> None:
    key = NotificationKey(
        dispute_id="d-none", seq=1, kind="acknowledgement", recipient_kind=CUSTOMER, recipient_ref="c"
    )
    with pytest.raises(ApplicationError) as missing:
        await deliveries.deliver(key)
    assert missing.value.type == "BadData" and missing.value.non_retryable


async def test_a_stopping_worker_closes_the_mail_connections_kept_open(
    pg_pool: asyncpg.Pool, smtp: SmtpSink, deliveries: Deliveries
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool)
    key = await queue(pg_pool, dispute_id, "withdrawn", CUSTOMER, customer.id, customer=customer)
    await deliveries.deliver(key)
    await deliveries.close()

    assert (smtp.connections, smtp.goodbyes) == (1, 1)
