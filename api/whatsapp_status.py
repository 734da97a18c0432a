"""WhatsApp's delivery and read statuses, as its Cloud API's webhooks report them, kept against the
notification whose message they name (``whatsapp_messages``).

Meta signs each POST with the app's secret (``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>``): an
unsigned or wrongly signed one could be anyone's and changes nothing. Statuses may arrive out of order
(a ``read`` before its ``delivered``), so a status only moves forward; ``failed`` is final.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import asyncpg

SIGNATURE_HEADER = "X-Hub-Signature-256"
_ORDER = ["accepted", "sent", "delivered", "read", "failed"]
_RECORD = """
UPDATE whatsapp_messages SET status = $2, status_at = $3
WHERE message_id = $1
  AND array_position($4::text[], status) < array_position($4::text[], $2)
"""


def signature(secret: str, body: bytes) -> str:
    """The header's value for ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, body), header.strip())


def statuses(payload: Any) -> list[tuple[str, str, datetime]]:
    """(message id, status, when) of each status the payload reports; anything else in it is ignored."""
    found: list[tuple[str, str, datetime]] = []
    entries = payload.get("entry", []) if isinstance(payload, dict) else []
    for entry in entries if isinstance(entries, list) else []:
        for change in entry.get("changes", []) if isinstance(entry, dict) else []:
            value = change.get("value", {}) if isinstance(change, dict) else {}
            for status in value.get("statuses", []) if isinstance(value, dict) else []:
                try:
                    when = datetime.fromtimestamp(int(status["timestamp"]), UTC)
                    message_id, what = str(status["id"]), str(status["status"])
                except (KeyError, TypeError, ValueError):
                    continue
                if what in _ORDER:
                    found.append((message_id, what, when))
    return found


async def record(pool: asyncpg.Pool, payload: Any) -> int:
    """Record the payload's statuses; answer how many changed a message's."""
    changed = 0
    for message_id, status, when in statuses(payload):
        result = await pool.execute(_RECORD, message_id, status, when, _ORDER)
        changed += int(result.split()[-1])
    return changed
