"""ErasureWorkflow: the daily erasure of personal data whose retention has run (law 09-08).

Started by a Temporal Schedule (``infra.retention``), never by hand. It calls the idempotent
``erase_expired`` activity in bounded batches until none is full, or ``MAX_BATCHES`` ran: a run is short
and its history small whatever the backlog, and the next day carries on. It never reads or carries any
personal data itself: its input is a time, its results are counts.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.options import STORE_RETRY
from workflows.retention import ERASE_TIMEOUT, MAX_BATCHES, ErasureBatch, ErasureCounts


@workflow.defn(name="ErasureWorkflow")
class ErasureWorkflow:
    @workflow.run
    async def run(self) -> ErasureCounts:
        total = ErasureCounts()
        now = workflow.now()  # one clock for every batch of the run, retries included
        for _ in range(MAX_BATCHES):
            batch: ErasureCounts = await workflow.execute_activity(
                "erase_expired",
                ErasureBatch(now=now),
                result_type=ErasureCounts,
                start_to_close_timeout=ERASE_TIMEOUT,
                retry_policy=STORE_RETRY,
            )
            total = total.plus(batch)
            if not batch.more:
                break
        return total
