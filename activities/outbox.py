"""The notification outbox: messages queued in PostgreSQL, delivered by a sender outside the workflow."""

from __future__ import annotations

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from temporalio import activity

from activities.errors import bad_data_is_final
from workflows.models import NotificationRequest

# Either key may conflict: a dispute's (the table's) or an account change's (a partial unique index).
# Never the request's e-mail or phone: the customer's contact lives in the dispute's row only, where the
# delivery reads it at send time and the erasure finds it (the columns stay for rows queued before).
_QUEUE = """
INSERT INTO notifications
    (dispute_id, seq, kind, recipient_kind, recipient_ref, language, data, account_change_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
"""
Connection = asyncpg.Connection | PoolConnectionProxy


async def queue(conn: Connection, requests: list[NotificationRequest]) -> int:
    """Queue the messages on ``conn`` (inside the caller's transaction); how many were new."""
    new = 0
    for r in requests:
        status = await conn.execute(
            _QUEUE,
            r.dispute_id,
            r.seq,
            r.kind,
            r.recipient_kind.value,
            r.recipient_ref,
            r.language.value,
            r.model_dump(mode="json", include={"data"})["data"],
            r.account_change_id,
        )
        new += status.endswith(" 1")
    return new


def describe(requests: list[NotificationRequest]) -> str:
    """What a log line says of queued messages: their subjects and kinds, never their recipients."""
    return ", ".join(sorted({f"{_subject(r)} {r.kind}" for r in requests}))


class Outbox:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="queue_notifications")
    async def queue_notifications(self, requests: list[NotificationRequest]) -> int:
        """Queue all the messages in one transaction; return how many were new (a retry queues none)."""
        if not requests:
            return 0
        with bad_data_is_final("queue_notifications"):
            async with self._pool.acquire() as conn, conn.transaction():
                new = await queue(conn, requests)
        activity.logger.info("queued %d new of %d notifications (%s)", new, len(requests), describe(requests))
        return new


def _subject(request: NotificationRequest) -> str:
    if request.dispute_id is None:
        return f"account-change-{request.account_change_id}"
    return f"{request.dispute_id}#{request.seq}"
