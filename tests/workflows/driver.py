"""A small driver for workflow tests: start disputes, act on them, and wait for what must follow."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from temporalio.api.enums.v1 import EventType, IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import WorkflowHandle
from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment

from devstack.binaries import find_binary
from tests.factories import dispute_input
from tests.payload_keys import TEST_DATA_CONVERTER
from workflows import search_attributes as sa
from workflows.dispute import DisputeWorkflow
from workflows.dispute_start import start_options
from workflows.models import Actor, DisputeState, Role
from workflows.sla_policy import SlaPolicy

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
EPSILON = timedelta(seconds=1)

AGENT1 = Actor(role=Role.AGENT, id="agent-1", tier=1)
AGENT2 = Actor(role=Role.AGENT, id="agent-2", tier=2)
AGENT3 = Actor(role=Role.AGENT, id="agent-3", tier=3)
OPERATOR = Actor(role=Role.OPERATOR, id="op-1")
CUSTOMER = Actor(role=Role.CUSTOMER, id="cust-1")

Handle = WorkflowHandle[DisputeWorkflow, DisputeState]


def seller(seller_id: str) -> Actor:
    return Actor(role=Role.SELLER, id=f"user-{seller_id}", seller_id=seller_id)


async def time_skipping_env(runtime: Runtime | None = None) -> WorkflowEnvironment:
    """A time-skipping test server of its own, with the dispute search attributes registered."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=TEST_DATA_CONVERTER,
        runtime=runtime,
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={k.name: IndexedValueType.ValueType(k.indexed_value_type) for k in sa.ALL},
        )
    )
    return env


class Disputes:
    def __init__(self, env: WorkflowEnvironment, pool: asyncpg.Pool, task_queue: str) -> None:
        self.env, self.pool, self.task_queue = env, pool, task_queue

    async def start(
        self,
        *,
        contact_ago: timedelta = timedelta(0),
        seller_id: str | None = None,
        policy: SlaPolicy | None = None,
        reachable: bool = True,
        **options: Any,
    ) -> Handle:
        """A new dispute; ``options`` go to ``start_workflow`` (a signal with the start, say).

        Its seller has an e-mail address unless ``reachable`` is False: then no notice ever reaches it.
        """
        now = await self.env.get_current_time()
        dispute = dispute_input(now=now, contact_ago=contact_ago, seller_id=seller_id, policy=policy)
        if reachable:
            await self.reachable_seller(dispute.seller_id)
        # Started as intake starts it: its id, id policies and search attributes.
        options = {**start_options(dispute), **options}
        return await self.env.client.start_workflow(
            DisputeWorkflow.run, dispute, task_queue=self.task_queue, **options
        )

    async def reachable_seller(self, seller_id: str | None = None) -> str:
        """A seller with an e-mail address, so the notices asking it to answer reach it."""
        seller_id = seller_id or f"seller-{uuid.uuid4().hex[:8]}"
        await self.pool.execute(
            "INSERT INTO sellers (seller_id, name, email) VALUES ($1, 'Atlas Shop', $2)"
            " ON CONFLICT (seller_id) DO UPDATE SET email = EXCLUDED.email",
            seller_id,
            f"{seller_id}@seller.test",
        )
        return seller_id

    async def sleep(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    @staticmethod
    async def until(
        handle: Handle, check: Callable[[DisputeState], bool], within: float = 10
    ) -> DisputeState:
        """The state once ``check`` holds; timers fire and activities run on their own schedule."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            state = await handle.query(DisputeWorkflow.state)
            if check(state):
                return state
            assert loop.time() < deadline, f"condition never held; last state: {kinds(state)}"
            await asyncio.sleep(0.05)

    async def persisted(self, handle: Handle) -> DisputeState:
        """The state once the read model has caught up with it."""
        state = await handle.query(DisputeWorkflow.state)
        for _ in range(200):
            revision = await self.pool.fetchval(
                "SELECT revision FROM disputes WHERE dispute_id = $1", state.dispute_id
            )
            state = await handle.query(DisputeWorkflow.state)
            if revision == state.revision:
                return state
            await asyncio.sleep(0.05)
        raise AssertionError(f"read model stuck at revision {revision}, workflow at {state.revision}")

    async def strikes(self, seller_id: str) -> list[str]:
        rows = await self.pool.fetch(
            "SELECT reason FROM seller_strikes WHERE seller_id = $1 ORDER BY id", seller_id
        )
        return [r["reason"] for r in rows]

    async def seller_status(self, seller_id: str) -> str | None:
        status: str | None = await self.pool.fetchval(
            "SELECT status FROM sellers WHERE seller_id = $1", seller_id
        )
        return status


def kinds(state: DisputeState) -> list[str]:
    return [e.kind for e in state.history]


# What a new dispute records on its own at once: its opening, then the seller reached by the complaint
# notice, delivered in the opening's workflow task.
OPENING = ["opened", "seller_reached"]


def opened(state: DisputeState) -> bool:
    """The opening is done: recorded, and the seller's notice delivered."""
    return kinds(state)[: len(OPENING)] == OPENING


def at(state: DisputeState, kind: str) -> list[timedelta]:
    """When (after first contact, to the minute) each event of ``kind`` happened.

    A timer's event is stamped when its workflow task runs, a few milliseconds after it fired.
    """
    minute = timedelta(minutes=1)
    return [round((e.at - state.first_contact_at) / minute) * minute for e in state.history if e.kind == kind]


async def accepted_updates(handle: Handle) -> int:
    """How many updates the server accepted into the history (a refused one never is)."""
    count = 0
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            count += 1
    return count


def data_of(state: DisputeState, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in state.history if e.kind == kind]


@dataclass
class Timer:
    summary: str
    duration: timedelta
    started_at: datetime  # when the workflow task that set it completed: the timer counts from there
    fired_at: datetime | None = None
    cancelled: bool = False

    @property
    def fired(self) -> bool:
        return self.fired_at is not None


async def timer_events(handle: Handle) -> list[Timer]:
    """Every timer the dispute set, in order: its summary, duration, and whether it fired or was cancelled."""
    timers: dict[int, Timer] = {}
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            attributes = event.timer_started_event_attributes
            summary = TEST_DATA_CONVERTER.payload_converter.from_payload(event.user_metadata.summary, str)
            timers[event.event_id] = Timer(
                summary, attributes.start_to_fire_timeout.ToTimedelta(), event.event_time.ToDatetime(UTC)
            )
        elif event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
            fired = event.timer_fired_event_attributes
            timers[fired.started_event_id].fired_at = event.event_time.ToDatetime(UTC)
        elif event.event_type == EventType.EVENT_TYPE_TIMER_CANCELED:
            timers[event.timer_canceled_event_attributes.started_event_id].cancelled = True
    return list(timers.values())
