"""Business hours inside a workflow: the Temporal sandbox lets ``zoneinfo`` read its zone data.

The zone cache is cleared first so the data is really loaded inside the sandbox, from the system's
zone files and from the ``tzdata`` package alike (a slim container image may have no system files).
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import AwareDatetime, BaseModel
from temporalio import workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from workflows.business_hours import BusinessCalendar, add_business_time


class Question(BaseModel):
    start: AwareDatetime
    duration: timedelta
    calendar: BusinessCalendar


@workflow.defn(sandboxed=True)
class BusinessHoursWorkflow:
    @workflow.run
    async def run(self, question: Question) -> datetime:
        return add_business_time(question.start, question.duration, question.calendar)


@pytest.fixture(params=["system zone files", "tzdata package"])
def zone_source(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "tzdata package":
        zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        yield str(request.param)
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


async def test_a_workflow_counts_business_hours_in_casablanca(
    env: WorkflowEnvironment, zone_source: str
) -> None:
    task_queue = f"business-hours-{uuid.uuid4().hex[:8]}"
    # Friday 16 January 2026, 20:30 in Casablanca (UTC+1); 24 business hours end Monday 14:30 (UTC+1).
    question = Question(
        start=datetime(2026, 1, 16, 19, 30, tzinfo=UTC),
        duration=timedelta(hours=24),
        calendar=BusinessCalendar(),
    )
    zoneinfo.ZoneInfo.clear_cache()  # building the question loaded the zone: load it again in the sandbox
    async with Worker(env.client, task_queue=task_queue, workflows=[BusinessHoursWorkflow]):
        due = await env.client.execute_workflow(
            BusinessHoursWorkflow.run,
            question,
            id=f"business-hours-{uuid.uuid4().hex}",
            task_queue=task_queue,
        )
    assert due == datetime(2026, 1, 19, 13, 30, tzinfo=UTC), zone_source
