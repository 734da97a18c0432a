"""What a new dispute costs Temporal: one patch marker for every patch, and no search attribute upserted
that its start already gave. Each marker and each upsert is a history event, and each upsert a write to
Temporal's visibility store, for every dispute opened."""

from __future__ import annotations

import json
import uuid

import asyncpg
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.testing import WorkflowEnvironment

from activities.delivery import Deliveries
from infra.delivery_settings import DeliverySettings
from infra.settings import WorkerSettings
from tests.workflows.driver import AGENT1, Disputes, Handle, opened
from worker import build_worker
from workflows import patches
from workflows import search_attributes as sa
from workflows.actions import EscalateAction
from workflows.delivery import DELIVER_EVENT_ACTIVITY
from workflows.dispute import DisputeWorkflow

CHANGE_VERSION = "TemporalChangeVersion"


async def history(handle: Handle) -> list[HistoryEvent]:
    return [event async for event in handle.fetch_history_events()]


def patch_ids(events: list[HistoryEvent]) -> list[str]:
    ids = []
    for event in events:
        marker = event.marker_recorded_event_attributes
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED and marker.marker_name == "core_patch":
            ids.append(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return ids


def upserted(events: list[HistoryEvent]) -> list[set[str]]:
    """The search attributes of each upsert, in order."""
    return [
        set(event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
        for event in events
        if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
    ]


async def test_a_new_dispute_records_one_patch_marker_and_upserts_only_what_changed(
    disputes: Disputes,
) -> None:
    handle = await disputes.start()
    await disputes.persisted(handle)

    opening = await history(handle)
    assert patch_ids(opening) == [patches.LATEST]
    assert upserted(opening) == [{CHANGE_VERSION}]  # the SDK's record of the patch, and nothing else

    await handle.execute_update(
        DisputeWorkflow.escalate, EscalateAction(actor=AGENT1, reason="Senior needed.")
    )
    await disputes.persisted(handle)
    escalated = await history(handle)
    assert patch_ids(escalated) == [patches.LATEST]  # the escalation's own patch is covered too
    assert upserted(escalated)[1:] == [{sa.DISPUTE_TIER.name}]
    attributes = (await handle.describe()).typed_search_attributes
    assert (attributes.get(sa.DISPUTE_STATUS), attributes.get(sa.DISPUTE_TIER)) == ("open", "2")
    assert attributes.get(sa.SLA_BREACHED) is False


def scheduled(events: list[HistoryEvent]) -> list[str]:
    """The activity types scheduled on the server, in order."""
    return [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


async def opened_holding(
    held: frozenset[str], env: WorkflowEnvironment, pg_pool: asyncpg.Pool, settings: DeliverySettings
) -> list[HistoryEvent]:
    """The opening of a dispute started by a worker that holds ``held``."""
    task_queue = f"disputes-{uuid.uuid4().hex[:8]}"
    deliveries = Deliveries.from_settings(pg_pool, settings)
    async with build_worker(env.client, pg_pool, task_queue, deliveries, WorkerSettings(held_patches=held)):
        disputes = Disputes(env, pg_pool, task_queue)
        handle = await disputes.start()
        await disputes.persisted(handle)
        await disputes.until(handle, opened)
    return await history(handle)


async def test_a_worker_holding_this_releases_patches_starts_disputes_as_the_previous_release_did(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, delivery_settings: DeliverySettings
) -> None:
    """During a rolling deploy, disputes started on the new release must replay on the old one."""
    held = frozenset({patches.ALL_THROUGH_LOCAL_DELIVERY, patches.LOCAL_DELIVERY})
    opening = await opened_holding(held, env, pg_pool, delivery_settings)

    assert patch_ids(opening) == [patches.ALL_ABOVE]
    assert scheduled(opening) == [DELIVER_EVENT_ACTIVITY]  # its notifications delivered by an activity


async def test_a_worker_holding_two_releases_patches_starts_disputes_as_the_release_before_those_did(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, delivery_settings: DeliverySettings
) -> None:
    held = frozenset(
        {
            patches.ALL_THROUGH_LOCAL_DELIVERY,
            patches.LOCAL_DELIVERY,
            patches.ALL_ABOVE,
            patches.START_ATTRIBUTES,
        }
    )
    opening = await opened_holding(held, env, pg_pool, delivery_settings)

    recorded = set(patch_ids(opening))
    assert not recorded & held
    assert {patches.SELLER_CLOCKS, patches.PERSIST_IN_ONE_STEP, patches.SELLER_REACH} <= recorded
    assert any(
        {sa.DISPUTE_STATUS.name, sa.SELLER_ID.name} <= u for u in upserted(opening)
    )  # again, as before
