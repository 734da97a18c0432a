"""E-mail over SMTP against a real aiosmtpd server: the message, refusals and an absent server."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import UTC, datetime
from email.message import Message

import pytest
from aiosmtplib.email import flatten_message

from activities.channels import Refused, Unavailable
from activities.email import SmtpSender, build_message
from devstack.processes import free_port
from infra.delivery_settings import DeliverySettings
from tests.delivery.servers import SmtpSink

QUEUED_AT = datetime(2025, 4, 3, 10, 0, tzinfo=UTC)
LONG_ARABIC_SUBJECT = "تم تحويل شكواك إلى فريق تجربة العملاء، وسيتواصل معك أحد أعضائه قريباً [Jamla24 #d-1]"


def message(to: str = "salma@example.ma", subject: str = "[Jamla24 #d-1] تلقّينا شكواك") -> Message:
    return build_message(
        sender="Jamla24 <no-reply@jamla24.test>",
        to=to,
        subject=subject,
        text="مرحباً",
        html='<html lang="ar" dir="rtl"><body><p>مرحباً</p></body></html>',
        message_id="<d-1.1.acknowledgement.customer.ab12@jamla24.test>",
        language="ar",
        date=QUEUED_AT,
    )


async def test_plain_text_with_an_html_alternative(smtp: SmtpSink, settings: DeliverySettings) -> None:
    await SmtpSender(settings).send(message())

    [mail] = smtp.mails
    assert mail.rcpt_tos == ["salma@example.ma"]
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.message["Subject"] == "[Jamla24 #d-1] تلقّينا شكواك"
    assert mail.message_id == "<d-1.1.acknowledgement.customer.ab12@jamla24.test>"
    assert mail.message["Content-Language"] == "ar"
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert mail.message["Date"] == "Thu, 03 Apr 2025 10:00:00 +0000"
    assert mail.part("plain").strip() == "مرحباً"
    assert 'dir="rtl"' in mail.part("html")


@pytest.mark.parametrize(
    "subject",
    [
        # Folded, these lost the space between two words, and gained one before the first.
        LONG_ARABIC_SUBJECT,
        "[Jamla24 #D-2025-0042] Our resolution team is looking into your complaint",
    ],
    ids=["arabic", "english"],
)
async def test_a_subject_longer_than_a_line_reads_as_it_was_written(
    smtp: SmtpSink, settings: DeliverySettings, subject: str
) -> None:
    await SmtpSender(settings).send(message(subject=subject))

    [mail] = smtp.mails
    assert mail.message["Subject"] == subject


@pytest.mark.parametrize("subject", [LONG_ARABIC_SUBJECT, "[Jamla24 #d-1] شكواك"], ids=["long", "short"])
def test_to_an_address_outside_ascii_the_subject_reads_as_it_was_written(subject: str) -> None:
    flat = flatten_message(message("سلمى@example.ma", subject=subject), utf8=True)

    assert email.message_from_bytes(flat, policy=email.policy.default)["Subject"] == subject


def test_an_address_outside_ascii_is_written_as_it_is_for_smtputf8() -> None:
    # An encoded word would no longer be an address; aiosmtplib sends it with SMTPUTF8.
    flat = flatten_message(message("سلمى@example.ma"), utf8=True)

    assert "To: سلمى@example.ma".encode() in flat


@pytest.mark.parametrize("field", ["to", "subject"])
def test_a_line_break_in_a_header_is_refused_before_anything_is_sent(field: str) -> None:
    # A second header (a Bcc, say) would otherwise ride along.
    with pytest.raises(ValueError):
        message(**{field: "salma@example.ma\r\nBcc: someone@example.ma"})


async def test_the_ehlo_name_is_looked_up_once_not_for_each_message(
    smtp: SmtpSink, settings: DeliverySettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []

    def getfqdn(name: str = "") -> str:
        lookups.append(name)
        return "worker-1.jamla24.test"

    monkeypatch.setattr(socket, "getfqdn", getfqdn)
    sender = SmtpSender(settings)
    await sender.send(message())
    await sender.send(message())

    assert [mail.ehlo for mail in smtp.mails] == ["worker-1.jamla24.test"] * 2
    assert len(lookups) == 1


async def test_a_refused_mailbox_is_final_and_the_reason_leaves_the_address_out(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    smtp.refuse.add("gone@example.ma")
    with pytest.raises(Refused) as refused:
        await SmtpSender(settings).send(message("gone@example.ma"))
    assert refused.value.summary == "SMTP 550: recipient refused"
    assert "550 5.1.1 <recipient>: Recipient address rejected" in refused.value.detail
    assert "gone@example.ma" not in refused.value.detail
    assert smtp.mails == []


async def test_a_deferred_mailbox_is_tried_again(smtp: SmtpSink, settings: DeliverySettings) -> None:
    smtp.defer.add("busy@example.ma")
    with pytest.raises(Unavailable) as deferred:
        await SmtpSender(settings).send(message("busy@example.ma"))
    assert deferred.value.summary == "SMTP 451: recipient refused"


async def test_no_server_is_tried_again(settings: DeliverySettings) -> None:
    absent = settings.model_copy(update={"smtp_port": free_port()})
    with pytest.raises(Unavailable, match="SMTP unavailable"):
        await SmtpSender(absent).send(message())


async def test_a_send_is_bounded_as_a_whole_by_the_smtp_timeout(
    smtp: SmtpSink, settings: DeliverySettings
) -> None:
    # Each answer comes within the timeout, the whole conversation does not: the worker's shutdown
    # grace counts on the timeout bounding the whole send.
    smtp.delays = {"RCPT": 0.8, "DATA": 0.8}
    impatient = settings.model_copy(update={"smtp_timeout": 1.0})
    with pytest.raises(Unavailable, match="SMTP unavailable"):
        await SmtpSender(impatient).send(message())
