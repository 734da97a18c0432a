"""An event's notifications are delivered in the workflow task that recorded it, by a local activity; only
what that attempt could not deliver goes to the delivery activity, which retries until it is taken.

A delivery activity costs the server an activity task and the dispute a workflow task more when it ends:
for a new dispute, about as much as the rest of its opening (README, Performance)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from activities.delivery import Deliveries
from infra.delivery_settings import DeliverySettings
from tests.delivery.servers import SmtpSink
from tests.factories import CUSTOMER
from tests.workflows.driver import AGENT2, OPENING, Disputes, Handle, kinds, opened
from worker import build_worker
from workflows.actions import EscalateAction
from workflows.delivery import DELIVER_EVENT_ACTIVITY
from workflows.dispute import DisputeWorkflow
from workflows.models import Role


async def delivery_activities(handle: Handle) -> int:
    """How many delivery activities the dispute scheduled on the server."""
    scheduled = [
        event.activity_task_scheduled_event_attributes.activity_type.name
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    return scheduled.count(DELIVER_EVENT_ACTIVITY)


def sent_to(smtp: SmtpSink) -> Counter[str]:
    return Counter(address for mail in smtp.mails for address in mail.rcpt_tos)


@pytest.fixture
async def own_mail(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, smtp: SmtpSink, delivery_settings: DeliverySettings
) -> AsyncIterator[Disputes]:
    """Disputes whose e-mail goes to the test's own mail server, so it sees only their messages."""
    settings = delivery_settings.model_copy(update={"smtp_port": smtp.port})
    task_queue = f"disputes-{uuid.uuid4().hex[:8]}"
    async with build_worker(env.client, pg_pool, task_queue, Deliveries.from_settings(pg_pool, settings)):
        yield Disputes(env, pg_pool, task_queue)


async def test_an_opening_delivers_its_notifications_without_a_delivery_activity(
    own_mail: Disputes, smtp: SmtpSink
) -> None:
    handle = await own_mail.start()
    state = await own_mail.until(handle, opened)
    await own_mail.persisted(handle)

    assert kinds(state) == OPENING  # the seller reached by its notice, known in the same task
    assert await delivery_activities(handle) == 0
    seller = f"{state.seller_id}@seller.test"
    assert sent_to(smtp) == {str(CUSTOMER.email): 1, seller: 1}


async def test_what_the_local_attempt_could_not_deliver_the_activity_retries_sending_nothing_twice(
    own_mail: Disputes, smtp: SmtpSink
) -> None:
    seller_id = await own_mail.reachable_seller()
    seller = f"{seller_id}@seller.test"
    smtp.defer.add(seller)  # 451: the seller's mail server asks to come back later
    handle = await own_mail.start(seller_id=seller_id)

    customer = str(CUSTOMER.email)
    await own_mail.until(handle, lambda _: sent_to(smtp)[customer] == 1)
    await own_mail.sleep(timedelta(minutes=3))  # the activity's first retries, skipped over
    assert await delivery_activities(handle) == 1
    assert sent_to(smtp) == {customer: 1}
    assert "seller_reached" not in kinds(await handle.query(DisputeWorkflow.state))

    smtp.defer.clear()
    await own_mail.sleep(timedelta(minutes=10))  # the longest wait between two retries
    state = await own_mail.until(handle, lambda s: "seller_reached" in kinds(s))
    assert sent_to(smtp) == {customer: 1, seller: 1}
    assert await delivery_activities(handle) == 1
    assert state.history[-1].data == {"channels": ["email"]}


async def test_a_clocks_event_is_delivered_by_the_activity_an_agents_in_its_own_task(
    own_mail: Disputes,
) -> None:
    """Clocks fall due by the thousand: their events' messages queue on the server, not in the worker."""
    handle = await own_mail.start()
    await own_mail.until(handle, opened)
    await own_mail.sleep(timedelta(hours=24, seconds=1))
    state = await own_mail.until(handle, lambda s: s.tier == 2)
    await own_mail.persisted(handle)
    by_clocks = [e.kind for e in state.history if e.actor.role == Role.SYSTEM and e.notified]
    assert sorted(by_clocks) == ["escalated", "seller_reminded"]  # at 24 h
    assert await delivery_activities(handle) == 2

    await handle.execute_update(
        DisputeWorkflow.escalate, EscalateAction(actor=AGENT2, reason="Needs customer experience.")
    )
    await own_mail.until(handle, lambda s: s.tier == 3)
    await own_mail.persisted(handle)
    assert await delivery_activities(handle) == 2  # the agent's escalation: delivered in its own task
