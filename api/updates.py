"""A request carried out as a workflow update: its id, its time limit, and what a refusal or silence answers.

Shared by every route that updates a workflow (a dispute's actions, whether an API key or the customer's
own page sends them; a seller's reinstatement), so that a retried request names the same update and a
worker that does not answer is the same 503 everywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
from fastapi import HTTPException
from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api import dispute_reads, errors, read_model
from api.auth import ApiKey
from workflows.models import DisputeState

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


async def execute(
    client: Client, pool: asyncpg.Pool, dispute_id: str, update: Any, action: BaseModel, request_id: str
) -> DisputeState:
    """Send ``action`` as the update ``update`` of the dispute's workflow, named ``request_id`` (a retry
    with the same id is answered, not applied again); the dispute's state after it.

    Refused: 409 with the workflow's reason; a dispute no longer running: 409 (closed) or 404 (none);
    no worker in time: 503 (``answered``).
    """
    handle = dispute_reads.handle_for(client, dispute_id)
    try:
        async with answered("action"):
            state: DisputeState = await handle.execute_update(
                update, action, id=request_id, rpc_timeout=ACTION_TIMEOUT
            )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise await _closed_or_missing(client, pool, dispute_id) from None
        raise
    return state


async def _closed_or_missing(client: Client, pool: asyncpg.Pool, dispute_id: str) -> HTTPException:
    """An update finds no running workflow: the dispute is closed (409) or does not exist (404)."""
    if await dispute_reads.describe(client, dispute_id) is None:
        return errors.not_found(dispute_id)
    status = await read_model.status(pool, dispute_id)
    return errors.conflict(f"Dispute {dispute_id} is already {status or 'closed'}; it can no longer change.")
