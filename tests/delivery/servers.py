"""Real servers in the test process: an SMTP server (aiosmtpd) and a small HTTP receiver.

Both listen on a loopback port the OS picks and record what they get, so a test sees exactly what
went over the wire.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Self, cast

from aiosmtpd.smtp import SMTP, Envelope, Session

from activities.webhooks import DELIVERY_HEADER, Verdict, Verifier

WEBHOOK_SECRET = "test-webhook-secret"  # what the tests' receivers verify and their senders sign with


@dataclass
class Mail:
    rcpt_tos: list[str]
    message: EmailMessage
    ehlo: str | None = None  # the name the client gave in EHLO (or HELO)
    at: float = field(default_factory=time.monotonic)  # when the server had it all

    @property
    def message_id(self) -> str:
        # A Message-ID longer than a line is folded onto the next one; unfolded, the space goes.
        return str(self.message["Message-ID"]).strip()

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return cast(str, body.get_content())


class SmtpSink:
    """Keeps every message; refuses the addresses in ``refuse`` (550) and defers those in ``defer`` (451).

    ``delays`` makes it slow: seconds it waits before answering ``RCPT`` or ``DATA``. A message is kept
    as soon as it has arrived, before the slow answer, as a server that scans it and then delivers it
    does: a client that gives up waiting has sent it all the same.

    ``connections`` counts the connections clients opened, ``goodbyes`` the ones they closed with QUIT.
    ``hang_up_at`` names the commands (``MAIL``,
    ``DATA``) at which it next hangs up, once each: at ``MAIL`` with a 421, as a server closing an idle
    connection; at ``DATA`` once it has the message but before it answers.
    """

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        self.refuse: set[str] = set()
        self.defer: set[str] = set()
        self.delays: dict[str, float] = {}
        self.hang_up_at: set[str] = set()
        self.connections = 0
        self.goodbyes = 0
        self._goodbye = asyncio.Event()
        self._mail = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._sessions: list[SMTP] = []

    def hang_up(self) -> None:
        """Close every open connection, as a server restarting does."""
        for session in self._sessions:
            if session.transport is not None:
                session.transport.close()

    def _connected(self) -> SMTP:
        self.connections += 1
        session = SMTP(self, hostname="sink.localhost")
        self._sessions.append(session)
        return session

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.goodbyes += 1
        self._goodbye.set()
        return "221 Bye"

    async def said_goodbye(self, times: int) -> None:
        """Wait until clients have closed ``times`` connections with QUIT (off their sends' path, so it may
        come a little after a send returned)."""
        while self.goodbyes < times:
            self._goodbye.clear()
            await self._goodbye.wait()

    async def received(self, n: int) -> None:
        """Wait until ``n`` messages have arrived (the sender may still be waiting for the answer)."""
        while len(self.mails) < n:
            self._mail.clear()
            await self._mail.wait()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if "MAIL" in self.hang_up_at:
            self.hang_up_at.discard("MAIL")
            await server.push("421 4.4.2 sink.localhost closing idle connection")
            assert server.transport is not None
            server.transport.close()
            return "421 4.4.2 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        await asyncio.sleep(self.delays.get("RCPT", 0))
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.defer:
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        self.mails.append(Mail(list(envelope.rcpt_tos), message, session.host_name))
        self._mail.set()
        if "DATA" in self.hang_up_at:
            self.hang_up_at.discard("DATA")
            assert server.transport is not None
            server.transport.close()
        await asyncio.sleep(self.delays.get("DATA", 0))
        return "250 OK"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._connected, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.hang_up()  # clients keep connections open between messages
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


@dataclass
class Request:
    path: str  # as the request line has it, query included
    headers: dict[str, str]
    body: bytes
    verdict: Verdict

    @property
    def verified(self) -> bool:
        """Signed for this receiver, and fresh (a copy of a delivery already processed is too)."""
        return self.verdict in (Verdict.ACCEPTED, Verdict.REPLAYED)


@dataclass
class HttpReceiver:
    """Answers POSTs with the next status queued for the path (200 when none), checking each as a real
    receiver does (``activities.webhooks.Verifier``): a forged or stale request gets 401, a copy of a
    delivery already processed 200 (dropped, its queued answer kept), a new one its answer, and once
    answered 2xx its delivery id is remembered.

    Each path is a receiver of its own, with ``secret`` or the secrets ``by_path`` gives it.
    """

    secret: str
    by_path: dict[str, list[str]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    port: int = 0
    _server: asyncio.Server | None = None
    _verifiers: dict[str, Verifier] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verifier(self, path: str) -> Verifier:
        """The checks of the receiver at ``path`` (its secrets may be changed: a rotation)."""
        path = path.split("?", 1)[0]
        if path not in self._verifiers:
            secrets = self.by_path.get(path, [self.secret])
            self._verifiers[path] = Verifier(secrets, clock=lambda: self.clock())
        return self._verifiers[path]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def event(self, i: int) -> Any:
        return json.loads(self.requests[i].body)

    def processed(self, path: str | None = None) -> list[Any]:
        """The events this receiver acted on (accepted and answered 2xx), at ``path`` or anywhere."""
        return [
            json.loads(r.body)
            for r in self.requests
            if r.verdict == Verdict.ACCEPTED and (path is None or r.path == path)
        ]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.strip().split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            verifier = self.verifier(path)
            verdict = verifier.check(method, path, headers, body)
            self.requests.append(Request(path, headers, body, verdict))
            if verdict in (Verdict.FORGED, Verdict.STALE):
                status = 401
            elif verdict == Verdict.REPLAYED:
                status = 200  # already processed: the copy is dropped
            else:
                queued = self.answers.get(path) or []
                status = queued.pop(0) if queued else 200
                if 200 <= status < 300:
                    verifier.processed(headers.get(DELIVERY_HEADER.lower(), ""))
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".encode())
            await writer.drain()
        finally:
            writer.close()
