"""Webhooks: a JSON event POSTed to a receiver, signed so the receiver can trust it and refuse replays.

The signature is ``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with the shared secret. A receiver
checks it with ``verify_signature`` (or the same few lines in its own language), rejects a timestamp
older than a few minutes, and may drop a delivery id it has already seen: a retry after a crash
repeats the same ``X-Jamla24-Delivery``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from activities.channels import Refused, Unavailable

TIMESTAMP_HEADER = "X-Jamla24-Timestamp"
SIGNATURE_HEADER = "X-Jamla24-Signature"
DELIVERY_HEADER = "X-Jamla24-Delivery"
REPLAY_TOLERANCE = 300.0  # seconds a signed request stays valid
# Worth another try later: a timeout, rate limiting, and a receiver that did not accept our signature
# (a secret rotated on one side only is fixed in the settings, and the waiting events then go through).
_TRY_AGAIN = {401, 408, 425, 429}


def encode(event: dict[str, Any]) -> bytes:
    """The body exactly as signed and sent."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float | None = None,
    tolerance: float = REPLAY_TOLERANCE,
) -> bool:
    """Whether a request is ours and fresh: the signature matches and the timestamp is within
    ``tolerance`` seconds of ``now`` (default: the current time). A replayed request fails once stale.
    """
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


class HttpWebhookSender:
    """POSTs signed events with httpx; a client may be injected (connection reuse, tests)."""

    def __init__(
        self,
        secret: str,
        *,
        timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._timeout = timeout
        self._client = client
        self._clock = clock

    async def post(self, url: str, event: dict[str, Any], delivery_id: str) -> None:
        body = encode(event)
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
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
