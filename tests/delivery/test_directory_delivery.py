"""Deliveries read the seller directory: a seller is greeted by its name, reached at its address and own
receiver, and written to in its language; teams and operators in the staff's (``STAFF_LANGUAGE``)."""

from __future__ import annotations

import asyncpg
import pytest

from activities.delivery import Deliveries
from activities.webhooks import Verdict, Verifier
from api import seller_directory
from infra.delivery_settings import DeliverySettings
from tests.activities.factories import new_id
from tests.delivery.conftest import OPERATORS, SECRET
from tests.delivery.factories import open_dispute, queue
from tests.delivery.servers import HttpReceiver, SmtpSink
from workflows.delivery import DeliveryResult
from workflows.events import RecipientKind
from workflows.models import Language

RESPOND_BY = "2025-04-04T10:00:00+00:00"


async def directory_seller(
    pg_pool: asyncpg.Pool, language: str | None, *, webhook_url: str | None = None
) -> tuple[str, str]:
    """A seller as the directory keeps it; its id and e-mail address."""
    seller_id = new_id("seller")
    email = f"{seller_id}@souk-nour.ma"
    await pg_pool.execute(
        "INSERT INTO sellers (seller_id, name, email, language, webhook_url, directory_updated_at)"
        " VALUES ($1, 'Souk Nour', $2, $3, $4, now())",
        seller_id,
        email,
        language,
        webhook_url,
    )
    return seller_id, email


async def test_an_arabic_seller_reads_its_complaint_notice_in_arabic(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id, email = await directory_seller(pg_pool, "ar")
    # A French-speaking customer: the seller's language is its own, not the dispute's.
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id, language=Language.FR)
    key = await queue(
        pg_pool, dispute_id, "complaint_notice", RecipientKind.SELLER, seller_id, respond_by=RESPOND_BY
    )

    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["webhook", "email"])

    [mail] = smtp.mails
    assert mail.rcpt_tos == [email]
    assert "شكوى من أحد العملاء" in str(mail.message["Subject"])
    assert mail.message["Content-Language"] == "ar"
    assert "Souk Nour" in mail.part("plain") and "الطلب" in mail.part("plain")
    assert 'lang="ar" dir="rtl"' in mail.part("html")
    event = receiver.event(0)
    assert event["language"] == "ar" and "شكوى" in event["title"]


async def test_a_seller_the_directory_gave_no_language_reads_french(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    seller_id, _ = await directory_seller(pg_pool, None)
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id, language=Language.EN)
    key = await queue(
        pg_pool, dispute_id, "complaint_notice", RecipientKind.SELLER, seller_id, respond_by=RESPOND_BY
    )

    await deliveries.deliver(key)

    [mail] = smtp.mails
    assert mail.message["Content-Language"] == "fr"


async def test_a_seller_with_a_receiver_of_its_own_gets_the_event_there_signed_with_its_own_secret(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id, _ = await directory_seller(pg_pool, "en", webhook_url=receiver.url("/souk-nour"))
    secret, _, _ = await seller_directory.rotate_secret(pg_pool, seller_id)
    receiver.by_path["/souk-nour"] = [secret]  # the seller's receiver knows its secret only
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id)
    key = await queue(
        pg_pool, dispute_id, "complaint_notice", RecipientKind.SELLER, seller_id, respond_by=RESPOND_BY
    )

    result = await deliveries.deliver(key)

    assert result == DeliveryResult(status="sent", channels=["webhook", "seller_webhook", "email"])
    assert [(r.path, r.verified) for r in receiver.requests] == [("/seller", True), ("/souk-nour", True)]
    assert receiver.event(1)["recipient"] == {"kind": "seller", "ref": seller_id}
    assert receiver.event(1)["language"] == "en"
    # The portal's copy of the same event does not verify at the seller's receiver, nor the reverse.
    portal, own = receiver.requests
    assert Verifier([secret]).check("POST", "/souk-nour", portal.headers, portal.body) == Verdict.FORGED
    assert Verifier([SECRET]).check("POST", "/seller", own.headers, own.body) == Verdict.FORGED


async def test_a_sellers_url_without_a_secret_gets_nothing_unsigned(
    pg_pool: asyncpg.Pool, settings: DeliverySettings, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    no_portal = Deliveries.from_settings(pg_pool, settings.model_copy(update={"seller_webhook_url": None}))
    seller_id, _ = await directory_seller(pg_pool, "fr", webhook_url=receiver.url("/souk-nour"))
    await pg_pool.execute("UPDATE sellers SET email = NULL WHERE seller_id = $1", seller_id)
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id)
    key = await queue(
        pg_pool, dispute_id, "complaint_notice", RecipientKind.SELLER, seller_id, respond_by=RESPOND_BY
    )

    result = await no_portal.deliver(key)

    assert (result.status, result.channels, receiver.requests) == ("skipped", [], [])
    assert result.reason is not None and "has no secret yet" in result.reason


async def test_each_rotation_keeps_the_previous_secret_signing_and_drops_the_one_before(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    seller_id, _ = await directory_seller(pg_pool, "fr", webhook_url=receiver.url("/souk-nour"))
    first, _, one = await seller_directory.rotate_secret(pg_pool, seller_id)
    second, _, two = await seller_directory.rotate_secret(pg_pool, seller_id)
    third, _, still_two = await seller_directory.rotate_secret(pg_pool, seller_id)
    assert (one, two, still_two) == (1, 2, 2) and len({first, second, third}) == 3
    receiver.by_path["/souk-nour"] = [second]  # the seller's receiver has not moved to the newest yet
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id)
    key = await queue(
        pg_pool, dispute_id, "complaint_notice", RecipientKind.SELLER, seller_id, respond_by=RESPOND_BY
    )

    assert "seller_webhook" in (await deliveries.deliver(key)).channels

    own = next(r for r in receiver.requests if r.path == "/souk-nour")
    assert own.verdict == Verdict.ACCEPTED
    assert Verifier([third]).check("POST", "/souk-nour", own.headers, own.body) == Verdict.ACCEPTED
    assert Verifier([first]).check("POST", "/souk-nour", own.headers, own.body) == Verdict.FORGED


async def test_teams_and_operators_read_the_staff_language(
    pg_pool: asyncpg.Pool, settings: DeliverySettings, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    english = Deliveries.from_settings(pg_pool, settings.model_copy(update={"staff_language": Language.EN}))
    # An Arabic-speaking customer's dispute: the staff's messages keep the staff's language.
    dispute_id, _, _ = await open_dispute(pg_pool, language=Language.AR)
    alert = await queue(pg_pool, dispute_id, "sla_breach", RecipientKind.OPERATORS, "operators")
    team = await queue(
        pg_pool, dispute_id, "dispute_reached_tier", RecipientKind.TEAM, "resolution_team", tier=2
    )

    assert (await english.deliver(alert)).status == (await english.deliver(team)).status == "sent"

    by_address = {m.rcpt_tos[0]: m for m in smtp.mails}
    assert str(by_address[OPERATORS].message["Subject"]).endswith("Resolution deadline missed")
    assert "Dispute passed to your team (tier 2)" in str(by_address["rt@jamla24.test"].message["Subject"])
    assert {m.message["Content-Language"] for m in smtp.mails} == {"en"}
    assert receiver.event(0)["language"] == "en"
    assert receiver.event(0)["title"].endswith("Resolution deadline missed")


def test_the_staff_language_is_french_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAFF_LANGUAGE", raising=False)
    assert DeliverySettings().staff_language == Language.FR
    monkeypatch.setenv("STAFF_LANGUAGE", "ar")
    assert DeliverySettings().staff_language == Language.AR
