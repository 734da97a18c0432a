"""Webhooks: a JSON event POSTed to a receiver, signed with that receiver's own secret so that it can
trust the event, tell it was meant for it, and refuse a replay.

Every receiver has a secret of its own (the seller portal, the operators' alerts, each seller's own URL):
an event signed for one never verifies at another. The signature covers the request, not only its body:

    X-Jamla24-Timestamp: 1772791200                       (seconds since the epoch, when it was signed)
    X-Jamla24-Delivery:  <the message's id>               (the same on every resend of one message)
    X-Jamla24-Signature: v1=<hex>[,v1=<hex>]

each ``<hex>`` the HMAC-SHA256, with one of the receiver's secrets, of::

    v1 \\n <timestamp> \\n <delivery id> \\n POST \\n <path and query> \\n <body>

(newlines between the parts, no spaces; the path and query as the receiver's URL has them). While a
secret is rotated the header carries one signature per secret, so a receiver holding either the old or
the new one accepts the event. ``Verifier`` is what a receiver does (the README gives the same steps): a
signature made with one of its secrets, a timestamp within ``REPLAY_TOLERANCE`` of now, and a delivery id
it has not processed yet; a resend of a message it already has is a copy to drop, not a new event.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx

from activities.channels import Refused, Unavailable

TIMESTAMP_HEADER = "X-Jamla24-Timestamp"
SIGNATURE_HEADER = "X-Jamla24-Signature"
DELIVERY_HEADER = "X-Jamla24-Delivery"
SCHEME = "v1"
REPLAY_TOLERANCE = 300.0  # seconds a signed request stays valid
# Worth another try later: a timeout, rate limiting, and a receiver that did not accept our signature
# (a secret rotated on one side only is fixed in the settings, and the waiting events then go through).
_TRY_AGAIN = {401, 408, 425, 429}


def encode(event: dict[str, Any]) -> bytes:
    """The body exactly as signed and sent."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def target(url: str) -> str:
    """What a request to ``url`` names on its request line, and so what is signed: ``/path?query``."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def sign(secret: str, timestamp: str, delivery_id: str, method: str, path: str, body: bytes) -> str:
    """One signature, ``v1=<hex>``."""
    signed = "\n".join((SCHEME, timestamp, delivery_id, method.upper(), path)).encode() + b"\n" + body
    return f"{SCHEME}={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def signature_header(
    secrets: Sequence[str], timestamp: str, delivery_id: str, method: str, path: str, body: bytes
) -> str:
    """``X-Jamla24-Signature``: a signature with each secret, the current one first."""
    return ",".join(sign(secret, timestamp, delivery_id, method, path, body) for secret in secrets)


class Verdict(StrEnum):
    ACCEPTED = "accepted"  # ours, fresh, new: process it (then ``Verifier.processed``)
    FORGED = "forged"  # no signature made with one of the receiver's secrets for this request
    STALE = "stale"  # signed too long ago (or in the future): a replay, or a clock far off
    REPLAYED = "replayed"  # a delivery already processed: a resend or a replay, to drop


class Verifier:
    """A receiver's checks, in order: the signature (with any of ``secrets``: two during a rotation), the
    timestamp's window, the delivery id. Ids are kept in memory here; a real receiver keeps them where it
    keeps the events, at least ``tolerance`` long (a replay after that is stale anyway).
    """

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        tolerance: float = REPLAY_TOLERANCE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.secrets = list(secrets)
        self._tolerance = tolerance
        self._clock = clock
        self._seen: set[str] = set()

    def check(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Verdict:
        """What to do with a request; ``headers`` with lower-case names."""
        timestamp = headers.get(TIMESTAMP_HEADER.lower(), "")
        delivery_id = headers.get(DELIVERY_HEADER.lower(), "")
        sent = {s.strip() for s in headers.get(SIGNATURE_HEADER.lower(), "").split(",") if s.strip()}
        expected = {sign(secret, timestamp, delivery_id, method, path, body) for secret in self.secrets}
        if not any(hmac.compare_digest(a, b) for a in sent for b in expected):
            return Verdict.FORGED
        try:
            age = self._clock() - int(timestamp)
        except ValueError:
            return Verdict.FORGED
        if abs(age) > self._tolerance:
            return Verdict.STALE
        return Verdict.REPLAYED if delivery_id in self._seen else Verdict.ACCEPTED

    def processed(self, delivery_id: str) -> None:
        """Remember a delivery once its event is processed: a copy of it is then dropped."""
        self._seen.add(delivery_id)


class HttpWebhookSender:
    """POSTs signed events with httpx; a client may be injected (connection reuse, tests)."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._timeout = timeout
        self._client = client
        self._clock = clock

    async def post(self, url: str, event: dict[str, Any], delivery_id: str, secrets: Sequence[str]) -> None:
        """POST ``event`` to ``url``, signed with each of the receiver's ``secrets`` (current first)."""
        if not secrets:
            raise Refused("webhook: no secret for this receiver")  # routing never sends one without
        body = encode(event)
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature_header(secrets, timestamp, delivery_id, "POST", target(url), body),
            DELIVERY_HEADER: delivery_id,
        }
        try:
            # httpx's timeout bounds each read and write; this bounds the whole POST, answer included,
            # so that the worker's shutdown grace, derived from it, covers a send under way.
            async with asyncio.timeout(self._timeout):
                if self._client is not None:
                    response = await self._client.post(
                        url, content=body, headers=headers, timeout=self._timeout
                    )
                else:
                    async with httpx.AsyncClient(timeout=self._timeout) as client:
                        response = await client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise Unavailable(f"webhook unreachable ({type(exc).__name__})") from None
        code = response.status_code
        if 200 <= code < 300:
            return
        detail = f"HTTP {code} {response.text[:200]}".strip()
        if code >= 500 or code in _TRY_AGAIN:
            raise Unavailable(f"webhook HTTP {code}", detail)
        # Any other answer (400, 404, 410, a redirect) will be the same next time.
        raise Refused(f"webhook HTTP {code}", detail)
