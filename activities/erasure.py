"""The daily erasure's activity: one bounded batch of closed disputes whose retention has run."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from temporalio import activity

from infra import erasure
from workflows.retention import ErasureBatch, ErasureCounts


class Retention:
    """``erase_expired``, with the pool and the retention (``DATA_RETENTION``) injected."""

    def __init__(self, pool: asyncpg.Pool, retention: timedelta, batch: int = erasure.BATCH) -> None:
        self._pool = pool
        self._retention = retention
        self._batch = batch

    @activity.defn(name="erase_expired")
    async def erase_expired(self, request: ErasureBatch) -> ErasureCounts:
        """Erase up to one batch of disputes closed before ``now - retention``, in one transaction.

        Idempotent: an erased dispute is no longer found, so a retry erases only what is left.
        """
        cutoff = request.now - self._retention
        async with self._pool.acquire() as conn, conn.transaction():
            found = await erasure.expired(conn, cutoff, self._batch)
            done = await erasure.erase(conn, found, request.now)
        if found:
            activity.logger.info(
                "erased %d disputes closed before %s (%d events, %d notifications)",
                done.disputes, cutoff.isoformat(), done.events, done.notifications,
            )  # fmt: skip
        return ErasureCounts(
            disputes=done.disputes,
            events=done.events,
            notifications=done.notifications,
            more=len(found) == self._batch,
        )
