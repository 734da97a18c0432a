"""A request carried out as a workflow update: its id, its time limit, and what a refusal or silence answers.

Shared by every route that updates a workflow (a dispute's actions, a seller's reinstatement), so that a
retried request names the same update and a worker that does not answer is the same 503 everywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError

from api import errors
from api.auth import ApiKey

ACTION_TIMEOUT = timedelta(seconds=10)  # a running worker answers in milliseconds


def update_id(key: ApiKey, action: str, idempotency_key: str | None) -> str:
    """The update's id: the same for a retried request (same key, action and Idempotency-Key)."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    digest = hashlib.sha256(f"{key.key_id}\n{action}\n{idempotency_key}".encode()).hexdigest()
    return f"{action}-{digest[:32]}"


@asynccontextmanager
async def answered(what: str) -> AsyncIterator[None]:
    """Wrap an update sent with ``rpc_timeout=ACTION_TIMEOUT``: the workflow's refusal is a 409 with its
    reason, and no answer within ``ACTION_TIMEOUT`` a 503 with Retry-After (``what`` names the request
    in it). The update may still take effect then, which a retry with the same id makes sure of, once.
    """
    try:
        async with asyncio.timeout(ACTION_TIMEOUT.total_seconds()):
            yield
    except WorkflowUpdateFailedError as error:
        raise errors.refusal(error) from None
    except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError):
        raise errors.unavailable(
            f"No worker took the {what} within {ACTION_TIMEOUT.total_seconds():.0f} s; it may still take "
            "effect: retry with the same Idempotency-Key to make sure it does, once."
        ) from None
