"""The erasure's Temporal Schedule: made when the worker starts, the same however often it starts.

One schedule, ``erasure-daily``, starts an ``ErasureWorkflow`` every day at 03:00 in Casablanca (a quiet
hour); a run still going when the next is due makes that one skip. Creating it when it exists updates it
to this definition instead, so a new release's change (the hour, the task queue) reaches it and many
workers starting together leave one schedule.
"""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.retention import ERASURE_SCHEDULE_ID, ERASURE_WORKFLOW

log = logging.getLogger("retention")

DAILY_AT = "0 3 * * *"
TIME_ZONE = "Africa/Casablanca"


def erasure_schedule(task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(ERASURE_WORKFLOW, id="erasure", task_queue=task_queue),
        spec=ScheduleSpec(cron_expressions=[DAILY_AT], time_zone_name=TIME_ZONE),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_erasure_schedule(client: Client, task_queue: str) -> ScheduleHandle:
    """The schedule, created or brought to this definition; safe to call from every worker at start."""
    schedule = erasure_schedule(task_queue)
    try:
        handle = await client.create_schedule(ERASURE_SCHEDULE_ID, schedule)
        log.info("erasure schedule %s created", ERASURE_SCHEDULE_ID)
        return handle
    except ScheduleAlreadyRunningError:
        pass
    handle = client.get_schedule_handle(ERASURE_SCHEDULE_ID)

    def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
        # Keep an operator's pause (and its note) as it is: only the definition is ours.
        return ScheduleUpdate(
            schedule=Schedule(
                schedule.action, schedule.spec, schedule.policy, state=current.description.schedule.state
            )
        )

    await handle.update(update)
    return handle
