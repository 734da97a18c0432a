"""E-mail: the message (plain text with an HTML alternative) and its delivery over SMTP."""

from __future__ import annotations

import asyncio
import re
import socket
from datetime import datetime
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

import aiosmtplib

from activities.channels import Refused, Unavailable
from activities.smtp_connections import SmtpConnections
from infra.delivery_settings import DeliverySettings

_DETAIL_LIMIT = 300  # characters of a server's answer kept in the outbox row


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    language: str,
    date: datetime,
) -> Message:
    """The message, with headers that make a resend recognisably the same one.

    ``message_id`` comes from the outbox row, so a resend after a crash carries the same Message-ID;
    ``date`` is when the notification was queued, so the resend's Date is the same too. Raises
    ``ValueError`` for a header that cannot be written (a line break in it).
    """
    headers = {
        "From": sender,
        "To": to,
        "Subject": subject,
        "Date": format_datetime(date),
        "Message-ID": message_id,
        # RFC 3834: out-of-office robots should not answer a notification.
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
    }
    if any("\r" in value or "\n" in value for value in headers.values()):
        raise ValueError("a line break in a header")  # a header of its own slipped in, say
    if not (sender.isascii() and to.isascii()):
        return _international(headers, text, html)
    # The standard library's older message classes: they write what they are given without parsing every
    # header into a syntax tree and back, which building and flattening each message spent most of its
    # time on (a third of the worker's CPU while it delivered a burst of escalations).
    # They also fold a long subject without losing the space between two words, which the modern one
    # did in Arabic (and it began an English one with a space).
    parts = [MIMEText(text, "plain", "utf-8"), MIMEText(html, "html", "utf-8")]
    message = MIMEMultipart("alternative", _subparts=parts)
    for name, value in headers.items():
        # Only the subject can be outside ASCII here: an encoded word (RFC 2047).
        message[name] = value if value.isascii() else Header(value, "utf-8", header_name=name).encode()
    return message


def _international(headers: dict[str, str], text: str, html: str) -> EmailMessage:
    """An address outside ASCII: sent with SMTPUTF8, the address written as it is, which only the
    modern message class does (the older one would write it as an encoded word, no longer an address).
    With SMTPUTF8 its headers go out in UTF-8, unfolded into encoded words, so the subject stays whole."""
    message = EmailMessage()
    for name, value in headers.items():
        if name != "Content-Language":
            message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = headers["Content-Language"]  # after the content, which resets Content-*
    return message


class SmtpSender:
    """Sends through the SMTP server of the settings, on connections kept open between messages."""

    def __init__(self, settings: DeliverySettings) -> None:
        self._settings = settings
        # The name EHLO gives, looked up once: left to aiosmtplib, each connection asks for it on a thread
        # of its own (a reverse DNS lookup where the host's name is not local).
        self._connections = SmtpConnections(settings, socket.getfqdn())

    async def close(self) -> None:
        await self._connections.close()

    async def send(self, message: Message) -> None:
        try:
            # aiosmtplib's timeout bounds each step; this bounds the whole conversation, so that the
            # worker's shutdown grace, derived from it, covers a send under way.
            async with asyncio.timeout(self._settings.smtp_timeout):
                await self._connections.send(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusals = exc.recipients
            code = max((r.code for r in refusals), default=0)
            detail = "; ".join(f"{r.code} {r.message}" for r in refusals)
            raise _failure(code, "recipient refused", detail, str(message["To"])) from None
        except aiosmtplib.SMTPRecipientRefused as exc:
            raise _failure(
                exc.code, "recipient refused", f"{exc.code} {exc.message}", str(message["To"])
            ) from None
        except aiosmtplib.SMTPDataError as exc:
            # A 5xx after DATA is about this message (its content, the mailbox): the same every time.
            raise _failure(
                exc.code, "message refused", f"{exc.code} {exc.message}", str(message["To"])
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            # Sender, greeting or login refused: our configuration, not the recipient. Fixing the settings
            # must let the waiting messages through, so this is retried whatever the code.
            raise Unavailable(
                f"SMTP {exc.code} ({type(exc).__name__})", _clip(f"{exc.code} {exc.message}")
            ) from None
        except (aiosmtplib.SMTPException, OSError) as exc:  # OSError includes TimeoutError
            raise Unavailable(f"SMTP unavailable ({type(exc).__name__})") from None


def _failure(code: int, what: str, detail: str, address: str) -> Refused | Unavailable:
    """5xx refuses for good; 4xx (a full mailbox, greylisting) asks to try again later."""
    kind = Refused if code >= 500 else Unavailable
    # Servers often quote the address; the outbox row keeps the answer, without it.
    redacted = re.sub(re.escape(address), "recipient", detail, flags=re.IGNORECASE) if address else detail
    return kind(f"SMTP {code}: {what}", _clip(redacted))


def _clip(text: str) -> str:
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"
