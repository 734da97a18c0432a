"""Actions that reach a dispute before its workflow has run at all.

An action sent right after intake can arrive in the workflow's first task, together with its start;
Temporal then runs the handlers before the workflow's main method. The dispute must still open first,
and two actions delivered in one task must each be checked against the state the other left.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.delivery import Deliveries
from infra.delivery_settings import DeliverySettings
from tests.workflows.driver import AGENT1, CUSTOMER, Disputes, Handle, kinds
from worker import build_worker
from workflows.actions import EscalateAction, ResolveAction, WithdrawAction
from workflows.dispute import DisputeWorkflow
from workflows.models import Outcome, Status
from workflows.options import ACTION_REFUSED

ADMITTED = 2.0  # seconds for the server to hold the actions before any worker polls


@asynccontextmanager
async def before_any_worker(
    env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    settings: DeliverySettings,
    act: Callable[[Handle], list[Awaitable[Any]]],
) -> AsyncIterator[tuple[Handle, list[Any]]]:
    """Start a dispute with no worker polling, send ``act(handle)``'s actions, then start the worker.

    The actions wait on the server with the start, so the worker's first task carries all of them.
    Yields the dispute and the actions' answers while the worker still runs.
    """
    task_queue = f"first-task-{uuid.uuid4().hex[:8]}"
    disputes = Disputes(env, pool, task_queue)
    handle = await disputes.start()
    pending = [asyncio.ensure_future(call) for call in act(handle)]
    await asyncio.sleep(ADMITTED)
    assert not any(p.done() for p in pending), "an action was answered with no worker running"
    async with build_worker(env.client, pool, task_queue, Deliveries.from_settings(pool, settings)):
        results = await asyncio.gather(*pending, return_exceptions=True)
        yield handle, results


async def delivered_with_the_start(handle: Handle) -> int:
    """How many accepted updates the workflow's first task carried."""
    first_task, count = None, 0
    async for event in handle.fetch_history_events():
        if first_task is None and event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            first_task = event.event_id
        attributes = event.workflow_execution_update_accepted_event_attributes
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            count += attributes.accepted_request_sequencing_event_id < (first_task or 0)
    return count


async def test_an_action_in_the_first_task_follows_the_opening(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, delivery_settings: DeliverySettings
) -> None:
    escalate = EscalateAction(actor=AGENT1, reason="Complex.")

    def act(h: Handle) -> list[Awaitable[Any]]:
        return [h.execute_update(DisputeWorkflow.escalate, escalate)]

    async with before_any_worker(env, pg_pool, delivery_settings, act) as (handle, (state,)):
        assert await delivered_with_the_start(handle) == 1
    assert kinds(state) == ["opened", "escalated"]
    assert [e.seq for e in state.history] == [1, 2]
    assert state.tier == 2


async def test_two_conflicting_actions_in_one_task_take_effect_once(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, delivery_settings: DeliverySettings
) -> None:
    resolve = ResolveAction(actor=AGENT1, outcome=Outcome.REFUND, summary="Refunded in full.")
    withdraw = WithdrawAction(actor=CUSTOMER, reason="Sorted it out myself.")

    def act(h: Handle) -> list[Awaitable[Any]]:
        return [
            h.execute_update(DisputeWorkflow.resolve, resolve),
            h.execute_update(DisputeWorkflow.withdraw, withdraw),
        ]

    async with before_any_worker(env, pg_pool, delivery_settings, act) as (handle, results):
        assert await delivered_with_the_start(handle) == 2  # both validated before either applied
        state = await handle.result()
    answered = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, WorkflowUpdateFailedError)]
    assert len(answered) == len(refused) == 1, results
    cause = refused[0].cause
    assert isinstance(cause, ApplicationError) and cause.type == ACTION_REFUSED
    assert "it can no longer change" in cause.message
    assert state.status in (Status.RESOLVED, Status.WITHDRAWN)
    assert kinds(state)[0] == "opened"
    assert len([k for k in kinds(state) if k in ("resolved", "withdrawn")]) == 1


async def test_the_resolve_signal_in_the_first_task_follows_the_opening(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, delivery_settings: DeliverySettings
) -> None:
    task_queue = f"first-task-{uuid.uuid4().hex[:8]}"
    handle = await Disputes(env, pg_pool, task_queue).start(reachable=False)
    resolve = ResolveAction(actor=AGENT1, outcome=Outcome.REFUND, summary="Refunded in full.")
    await handle.signal(DisputeWorkflow.resolve_signal, resolve)  # waits on the server with the start
    deliveries = Deliveries.from_settings(pg_pool, delivery_settings)
    async with build_worker(env.client, pg_pool, task_queue, deliveries):
        state = await handle.result()
    assert kinds(state) == ["opened", "resolved"]
    assert state.status == Status.RESOLVED
