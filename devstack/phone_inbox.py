"""A local stand-in for the WhatsApp Cloud API and the SMS gateway, for the local stack: every message the
service sends is kept as a ``.json`` file (the request's path and body; never its bearer token).

It answers as the real ones do when they take a message: WhatsApp with ``{"messages": [{"id": ...}]}``, an
id its status webhooks would name. ``devstack.mailbox --phone-port`` runs it beside the SMTP mailbox;
WhatsApp's messages go to ``<dir>/whatsapp/``, SMS to ``<dir>/sms/``.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

WHATSAPP_PATH = "/whatsapp"  # WHATSAPP_API_URL; the sender appends /{phone_number_id}/messages
SMS_PATH = "/sms"  # SMS_API_URL


class PhoneInbox:
    """Keeps each POST under ``folder``: whatsapp/ or sms/ after its path; 404 for any other path."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.strip().split("\r\n")
            _, path, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            channel = "whatsapp" if path.startswith(WHATSAPP_PATH) else "sms" if path == SMS_PATH else None
            answer: dict[str, Any] = {"error": "unknown path"}
            status = 404 if channel is None else 200
            if channel is not None:
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
        "WHATSAPP_PHONE_NUMBER_ID": "local",
        "WHATSAPP_TOKEN": "local-whatsapp-token",
        "SMS_API_URL": base + SMS_PATH,
        "SMS_API_KEY": "local-sms-key",
        "SMS_SENDER": "JAMLA24",
    }
