"""An outbox row's lease while a delivery attempt works on it.

The attempt renews the lease every few seconds (an activity heartbeats with each renewal; an event's first
attempt, a local activity, has no heartbeat): a retry that overlaps a live attempt, however slow its
server, finds the lease held and waits instead of sending twice; one after a crash finds it run out by the
time Temporal, missing the heartbeats or the workflow task, schedules it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
from temporalio import activity

from workflows.options import DELIVERY_HEARTBEAT_TIMEOUT

# As long as Temporal waits for an attempt's next heartbeat, and renewed with each: a live attempt keeps
# it, a dead one's runs out by the time Temporal retries it.
LEASE = DELIVERY_HEARTBEAT_TIMEOUT
HEARTBEAT_EVERY = LEASE / 3

# Only by the attempt that holds the lease (``attempts`` numbers it) and while the row is still pending.
_RENEW = """
UPDATE notifications SET locked_until = now() + $3::interval
WHERE id = $1 AND attempts = $2 AND status = 'pending' AND locked_until IS NOT NULL
"""


@contextlib.asynccontextmanager
async def holding(pool: asyncpg.Pool, row_id: int, attempt: int) -> AsyncIterator[None]:
    """Heartbeat and keep the lease of attempt ``attempt`` on row ``row_id`` while the block runs."""
    keeper = asyncio.create_task(_keep(pool, row_id, attempt))
    try:
        yield
    finally:
        keeper.cancel()
        # Stopped before the outcome is recorded, so that it cannot lock the row again after.
        await asyncio.wait([keeper])


async def _keep(pool: asyncpg.Pool, row_id: int, attempt: int) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_EVERY.total_seconds())
        try:
            await pool.execute(_RENEW, row_id, attempt, LEASE)
        except Exception as error:
            # No heartbeat either: if this lasts, the lease runs out as Temporal gives up on the attempt.
            why = type(error).__name__
            activity.logger.warning("notification row %d: lease not renewed (%s)", row_id, why)
            continue
        # Tests also call the activity directly; a local activity (an event's first attempt) has no heartbeat.
        if activity.in_activity() and not activity.info().is_local:
            activity.heartbeat()
