"""WhatsApp's delivery and read statuses, as its Cloud API's webhooks report them, kept against the
notification whose message they name (``whatsapp_messages``).

Meta signs each POST with the app's secret (``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>``): an
unsigned or wrongly signed one could be anyone's and changes nothing. Statuses may arrive out of order
(a ``read`` before its ``delivered``), so a status only moves forward; ``failed`` is final, and its error's
code and title are kept (never the number). A failed message's customer was not told: ``failed_messages``
names them, for the route to send each by the next channel (``workflows.late_refusal``).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

SIGNATURE_HEADER = "X-Hub-Signature-256"
_ORDER = ["accepted", "sent", "delivered", "read", "failed"]
_RECORD = """
UPDATE whatsapp_messages SET status = $2, status_at = $3, error = $5
WHERE message_id = $1
  AND array_position($4::text[], status) < array_position($4::text[], $2)
"""
_FAILED = """
SELECT message_id, notification_id FROM whatsapp_messages
WHERE message_id = ANY($1::text[]) AND status = 'failed'
"""


@dataclass(frozen=True)
class Status:
    message_id: str
    status: str
    at: datetime
    error: str | None  # a failure's code and title


def signature(secret: str, body: bytes) -> str:
    """The header's value for ``body``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(signature(secret, body), header.strip())


def statuses(payload: Any) -> list[Status]:
    """Each status the payload reports; anything else in it is ignored."""
    found: list[Status] = []
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
                if what in _ORDER and message_id.isprintable():  # PostgreSQL refuses a NUL: none of ours
                    found.append(Status(message_id, what, when, _error(status.get("errors"))))
    return found


def _error(errors: Any) -> str | None:
    """``131026 Message undeliverable``: the first error's code and title, no more (its details may quote
    the number)."""
    first = errors[0] if isinstance(errors, list) and errors else None
    if not isinstance(first, dict):
        return None
    parts = (str(first[part])[:100] for part in ("code", "title") if part in first)
    return "".join(ch for ch in " ".join(parts) if ch.isprintable()) or None


async def record(pool: asyncpg.Pool, reported: list[Status]) -> int:
    """Record the statuses; answer how many changed a message's."""
    changed = 0
    for status in reported:
        result = await pool.execute(
            _RECORD, status.message_id, status.status, status.at, _ORDER, status.error
        )
        changed += int(result.split()[-1])
    return changed


async def failed_messages(pool: asyncpg.Pool, reported: list[Status]) -> list[tuple[str, int]]:
    """(message id, notification id) of the messages reported here that WhatsApp failed, this time or
    before (a webhook retried after a partial answer must still lead to the next channel)."""
    ids = sorted({s.message_id for s in reported if s.status == "failed"})
    rows = await pool.fetch(_FAILED, ids) if ids else []
    return [(row["message_id"], row["notification_id"]) for row in rows]
