"""``Idempotency-Key``: one key names one request.

A retry with the same key (same API key, same action, same dispute or seller account) takes effect once
and answers as the first did; the same key with a different body is a mistake the client must hear
about (422), not a request silently answered with another one's result.

Why PostgreSQL and not Temporal: Temporal deduplicates an update by its id alone and answers a retry with
the first outcome without looking at its arguments. Comparing them there would mean reading the first
update's input back out of the dispute's history on every retry, or teaching both workflows to remember
a digest per update (a change every running dispute would replay). One row per key (migration 0006), an
idempotent insert and a read of the digest kept, serves disputes and seller accounts alike, before
anything is sent to Temporal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Set

import asyncpg
from pydantic import BaseModel

from api import errors

_CLAIM = (
    "INSERT INTO idempotency_keys (subject, request_id, digest) VALUES ($1, $2, $3)"
    " ON CONFLICT (subject, request_id) DO NOTHING"
)
_FIRST = "SELECT digest FROM idempotency_keys WHERE subject = $1 AND request_id = $2"


def digest(request: BaseModel, exclude: Set[str] = frozenset()) -> str:
    """SHA-256 of the request as validated (trimmed, normalised), ``exclude``'s fields left out."""
    canonical = json.dumps(
        request.model_dump(mode="json", exclude=set(exclude)), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    pool: asyncpg.Pool, subject: str, request_id: str, request_digest: str, *, action: str
) -> None:
    """Remember the request this key is first used for; 422 if it was used for another request.

    Two statements, not one: after waiting for a concurrent first use of the key to commit, the insert
    does nothing, and only a new statement sees the row that use wrote.
    """
    async with pool.acquire() as conn:
        await conn.execute(_CLAIM, subject, request_id, request_digest)
        first = await conn.fetchval(_FIRST, subject, request_id)
    if first != request_digest:
        raise errors.invalid(
            ("header", "Idempotency-Key"),
            f"this Idempotency-Key was already used for a different request ({action}); a retry must send "
            "the same body, and a new request needs a new Idempotency-Key",
        )
