"""A local SMTP server that keeps every message it gets as a ``.eml`` file, for the local stack.

``python -m devstack.mailbox --port 1025 --dir .data/mail``: point the worker at it (SMTP_HOST=127.0.0.1,
SMTP_PORT=1025, SMTP_TLS=none) and open the files with any mail program to read what the service sent.
Files are named by arrival time and Message-ID, so they sort in the order they came; a resend of the
same message (same Message-ID) shows up as a second file next to the first. With ``--phone-port`` it also
keeps the WhatsApp and SMS messages (``devstack.phone_inbox``), under ``--phone-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from devstack import phone_inbox

HOSTNAME = "mailbox.localhost"
_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


class Mailbox:
    """An aiosmtpd handler that writes each message to ``folder``, with its envelope on top."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message_id = BytesHeaderParser().parsebytes(content).get("Message-ID", "") or "no-message-id"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.folder / f"{stamp}-{_UNSAFE.sub('_', message_id.strip('<> '))[:120]}.eml"
        # The envelope says who it was really sent to, which the headers need not.
        envelope_lines = [
            f"X-Envelope-From: {envelope.mail_from}",
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}",
        ]
        await asyncio.to_thread(_write, path, ("\r\n".join(envelope_lines) + "\r\n").encode() + content)
        return "250 OK: kept in the local mailbox"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(path)  # a reader never sees half a message


async def serve(folder: Path, host: str = "127.0.0.1", port: int = 1025) -> asyncio.Server:
    """Start the mailbox; the server is listening when this returns."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    mailbox = Mailbox(folder)
    loop = asyncio.get_running_loop()
    # A fixed hostname: the default looks up this machine's FQDN, which can stall without DNS.
    return await loop.create_server(lambda: SMTP(mailbox, hostname=HOSTNAME), host, port)


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path(".data") / "mail")
    parser.add_argument("--phone-port", type=int, default=None)
    parser.add_argument("--phone-dir", type=Path, default=Path(".data") / "phone")
    args = parser.parse_args(argv)
    server = await serve(args.dir, args.host, args.port)
    phones = None
    if args.phone_port is not None:
        phones = await phone_inbox.serve(args.phone_dir, args.host, args.phone_port)
        where = f"{args.host}:{args.phone_port}, kept in {args.phone_dir}"
        print(f"mailbox: WhatsApp and SMS on {where}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mailbox: SMTP on {args.host}:{args.port}, messages kept in {args.dir.resolve()}", flush=True)
    async with server:
        await stop.wait()
    if phones is not None:
        phones.close()
        await phones.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
