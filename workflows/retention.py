"""What the daily erasure speaks: pure models, passed through the sandbox (see ``worker.PASSED_THROUGH``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

ERASURE_WORKFLOW = "ErasureWorkflow"
ERASURE_SCHEDULE_ID = "erasure-daily"
# A day's batches; what a day leaves (a backlog after a long outage, a first run) the next day takes.
MAX_BATCHES = 50
ERASE_TIMEOUT = timedelta(minutes=2)


class ErasureBatch(BaseModel):
    """Erase what expired by ``now`` (the workflow's time: a retried batch erases by the same clock)."""

    now: datetime


class ErasureCounts(BaseModel):
    """How many rows were erased; ``more`` when the batch was full and others may be waiting."""

    disputes: int = 0
    events: int = 0
    notifications: int = 0
    more: bool = False

    def plus(self, other: ErasureCounts) -> ErasureCounts:
        return ErasureCounts(
            disputes=self.disputes + other.disputes,
            events=self.events + other.events,
            notifications=self.notifications + other.notifications,
            more=other.more,
        )
