"""A local stand-in for the WhatsApp Cloud API and the SMS gateway, for the local stack: every message the
service sends is kept as a ``.json`` file (the request's path and body; never its bearer token).

It checks each request as the real ones do (``devstack.phone_checks``: the token or key, the body's shape,
an approved template and its parameters) and answers a refusal as they would; a message taken is answered
as they answer it: WhatsApp with ``{"messages": [{"id": ...}]}``, an id its status webhooks would name.
``devstack.mailbox --phone-port`` runs it beside the SMTP mailbox; WhatsApp's messages go to
``<dir>/whatsapp/``, SMS to ``<dir>/sms/``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.phone_checks import Refusal, approved_templates, check_sms, check_whatsapp

WHATSAPP_PATH = "/whatsapp"  # WHATSAPP_API_URL; the sender appends /{phone_number_id}/messages
SMS_PATH = "/sms"  # SMS_API_URL
PHONE_NUMBER_ID = "local"
WHATSAPP_TOKEN = "local-whatsapp-token"
SMS_KEY = "local-sms-key"
SMS_SENDER = "JAMLA24"


class PhoneInbox:
    """Keeps each POST under ``folder``: whatsapp/ or sms/ after its path; 404 for any other path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._approved = approved_templates()

    def _check(self, channel: str, headers: dict[str, str], body: Any) -> Refusal | None:
        if channel == "sms":
            return check_sms(headers, body, SMS_KEY, SMS_SENDER)
        return check_whatsapp(headers, body, WHATSAPP_TOKEN, self._approved)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.strip().split("\r\n")
            _, path, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            whatsapp = f"{WHATSAPP_PATH}/{PHONE_NUMBER_ID}/messages"
            channel = "whatsapp" if path == whatsapp else "sms" if path == SMS_PATH else None
            answer: dict[str, Any] = {"error": "unknown path"}
            status = 404 if channel is None else 200
            refusal = self._check(channel, headers, json.loads(body or b"null")) if channel else None
            if refusal is not None:
                status, answer = refusal.status, refusal.answer
            elif channel is not None:
                message_id = f"wamid.local-{uuid.uuid4().hex}"
                answer = {"messages": [{"id": message_id}]} if channel == "whatsapp" else {"id": message_id}
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
                kept = {"path": path, "body": json.loads(body or b"null"), "answered": answer}
                text = json.dumps(kept, ensure_ascii=False, indent=2)
                await asyncio.to_thread(_write, self.folder / channel / f"{stamp}.json", text)
            data = json.dumps(answer).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + data
            )
            await writer.drain()
        except (ValueError, asyncio.IncompleteReadError):
            writer.write(b"HTTP/1.1 400 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        finally:
            writer.close()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # a reader never sees half a message


async def serve(folder: Path, host: str = "127.0.0.1", port: int = 1026) -> asyncio.Server:
    """Start the inbox; the server is listening when this returns."""
    return await asyncio.start_server(PhoneInbox(folder).handle, host, port)


def settings(port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """The worker's environment that sends WhatsApp and SMS to the inbox at ``port``."""
    base = f"http://{host}:{port}"
    return {
        "WHATSAPP_API_URL": base + WHATSAPP_PATH,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_TOKEN": WHATSAPP_TOKEN,
        "SMS_API_URL": base + SMS_PATH,
        "SMS_API_KEY": SMS_KEY,
        "SMS_SENDER": SMS_SENDER,
    }
