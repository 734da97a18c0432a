"""A local stand-in for the WhatsApp Cloud API and an SMS gateway: records each JSON POST, checks it as the
real service would (``checks``, by path: ``devstack.phone_checks``) and answers its refusal, or the next
status queued for its path, or 200 with a WhatsApp-style ``messages[0].id``."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from devstack.phone_checks import Refusal

# A path's check: the request's headers (lower-case names) and JSON body -> the refusal, or None.
Check = Callable[[dict[str, str], Any], Refusal | None]


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class JsonReceiver:
    posts: list[Posted] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # the message ids answered, in order
    answers: dict[str, list[int]] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)  # what the checks refused, in order
    port: int = 0
    _server: asyncio.Server | None = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Any]:
        return [p.body for p in self.posts if p.path == path]

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.strip().split("\r\n")
            _, path, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in lines)}
            body = json.loads(await reader.readexactly(int(headers.get("content-length", "0"))))
            self.posts.append(Posted(path, headers, body))
            check = self.checks.get(path)
            refusal = check(headers, body) if check is not None else None
            queued = self.answers.get(path) or []
            if refusal is not None:
                self.refused.append(refusal)
                status, answer = refusal.status, json.dumps(refusal.answer).encode()
            else:
                status = queued.pop(0) if queued else 200
                self.ids.append(f"wamid.{uuid.uuid4().hex}")  # unique across tests sharing the database
                answer = json.dumps({"messages": [{"id": self.ids[-1]}]}).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(answer)}"
                f"\r\nConnection: close\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
        finally:
            writer.close()
