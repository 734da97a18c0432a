"""The notification outbox: messages queued in PostgreSQL, delivered by a sender outside the workflow."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from activities.errors import bad_data_is_final
from workflows.models import NotificationRequest

_QUEUE = """
INSERT INTO notifications (dispute_id, seq, kind, recipient_kind, recipient_ref, email, phone, language, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (dispute_id, seq, kind, recipient_kind, recipient_ref) DO NOTHING
"""


class Outbox:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="queue_notifications")
    async def queue_notifications(self, requests: list[NotificationRequest]) -> int:
        """Queue all the messages in one transaction; return how many were new (a retry queues none)."""
        if not requests:
            return 0
        new = 0
        with bad_data_is_final("queue_notifications"):
            async with self._pool.acquire() as conn, conn.transaction():
                for r in requests:
                    status = await conn.execute(
                        _QUEUE,
                        r.dispute_id,
                        r.seq,
                        r.kind,
                        r.recipient_kind.value,
                        r.recipient_ref,
                        r.email,
                        r.phone,
                        r.language.value,
                        r.model_dump(mode="json", include={"data"})["data"],
                    )
                    new += status.endswith(" 1")
        activity.logger.info(
            "queued %d new of %d notifications (%s)",
            new,
            len(requests),
            ", ".join(sorted({f"{r.dispute_id}#{r.seq} {r.kind}" for r in requests})),
        )
        return new
