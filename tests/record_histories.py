"""Record the histories of representative disputes into tests/histories/ for replay tests.

    python -m tests.record_histories v2                     # the label prefixes the files
    python -m tests.record_histories v3 seller_reinstated   # only the scenarios named

Run it when the workflow gains behaviour worth protecting; keep the old files, so disputes started
under earlier code keep replaying. It needs nothing running: it starts a time-skipping test server
and an embedded PostgreSQL of its own.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle

from activities.delivery import Deliveries
from devstack.postgres import start_embedded
from infra.delivery_settings import DeliverySettings
from infra.migrate import migrate
from infra.postgres import create_pool
from tests.delivery.servers import SmtpSink
from tests.workflows.driver import (
    AGENT1,
    AGENT2,
    AGENT3,
    CUSTOMER,
    DAY,
    HOUR,
    OPERATOR,
    Disputes,
    Handle,
    seller,
    time_skipping_env,
)
from worker import build_worker
from workflows import late_refusal
from workflows.actions import (
    EscalateAction,
    FlagSellerAction,
    ProvideInformationAction,
    RecordSellerContactAttemptAction,
    RequestInformationAction,
    RequestSellerContactAction,
    ResolveAction,
    SellerResponseAction,
    SubmitFindingsAction,
    WithdrawAction,
)
from workflows.business_hours import BusinessCalendar
from workflows.dispute import DisputeWorkflow
from workflows.late_refusal import WhatsAppFailedWorkflow
from workflows.models import ContactChannel, ContactOutcome, DisputeState, Outcome, SellerEfforts
from workflows.seller_account import SellerAccountChangeWorkflow
from workflows.seller_account import workflow_id as seller_workflow_id
from workflows.seller_payloads import ReinstateRequest
from workflows.sla_policy import SlaPolicy

HISTORIES = Path(__file__).parent / "histories"


async def resolved_at_first_contact(d: Disputes) -> Handle:
    handle = await d.start()
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT1, outcome=Outcome.REFUND, summary="Refunded.")
    )
    return handle


async def resolved_with_the_start(d: Disputes) -> Handle:
    """An operator's resolve signal delivered with the start: the handler runs before ``run``."""
    resolve = ResolveAction(actor=OPERATOR, outcome=Outcome.REFUND, summary="Refunded.")
    return await d.start(start_signal="resolve", start_signal_args=[resolve])


async def investigated_and_resolved(d: Disputes) -> Handle:
    seller_id = f"seller-{uuid.uuid4().hex[:6]}"
    handle = await d.start(seller_id=seller_id)
    await d.sleep(6 * HOUR)
    await handle.execute_update(
        DisputeWorkflow.seller_response, SellerResponseAction(actor=seller(seller_id), message="Checking.")
    )
    await handle.execute_update(
        DisputeWorkflow.escalate, EscalateAction(actor=AGENT1, reason="Needs review.")
    )
    await handle.execute_update(
        DisputeWorkflow.request_information, RequestInformationAction(actor=AGENT2, questions=["Photo?"])
    )
    await handle.execute_update(
        DisputeWorkflow.provide_information, ProvideInformationAction(actor=CUSTOMER, answer="Sent.")
    )
    await handle.execute_update(
        DisputeWorkflow.submit_findings, SubmitFindingsAction(actor=AGENT2, findings="Damaged in transit.")
    )
    await d.sleep(30 * HOUR)
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT2, outcome=Outcome.REPLACEMENT, summary="Replaced.")
    )
    return handle


async def never_resolved(d: Disputes) -> Handle:
    handle = await d.start()
    await d.sleep(7 * DAY + HOUR)
    await d.until(handle, lambda s: s.breach_reminders == 2)
    await d.persisted(handle)
    await handle.signal(
        "resolve",
        ResolveAction(
            actor=AGENT1.model_copy(update={"tier": 3}), outcome=Outcome.STORE_CREDIT, summary="Late credit."
        ),
    )
    return handle


async def seller_failed_contact_released_withdrawn(d: Disputes) -> Handle:
    handle = await d.start(contact_ago=DAY)  # the seller's windows count from registration all the same
    await d.sleep(2 * DAY + HOUR)
    await d.until(handle, lambda s: "seller_account_changed" in [e.kind for e in s.history])
    await handle.execute_update(
        DisputeWorkflow.request_seller_contact, RequestSellerContactAction(actor=CUSTOMER)
    )
    await handle.execute_update(DisputeWorkflow.withdraw, WithdrawAction(actor=CUSTOMER, reason="Settled."))
    return handle


async def seller_unreachable_then_called(d: Disputes) -> Handle:
    """No notice reached the seller: unreachable, then an agent's call reaches it and its windows restart."""
    handle = await d.start(reachable=False)
    await d.sleep(2 * DAY + HOUR)
    state = await d.until(handle, lambda s: s.seller_efforts == SellerEfforts.UNREACHABLE)
    call = RecordSellerContactAttemptAction(
        actor=AGENT1, channel=ContactChannel.PHONE, outcome=ContactOutcome.REACHED
    )
    await handle.execute_update(DisputeWorkflow.record_seller_contact_attempt, call)
    late = SellerResponseAction(actor=seller(state.seller_id), message="Sorry, shipping today.")
    await handle.execute_update(DisputeWorkflow.seller_response, late)
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT3, outcome=Outcome.REPLACEMENT, summary="Resent.")
    )
    return handle


async def seller_flagged(d: Disputes) -> Handle:
    handle = await d.start()
    await handle.execute_update(
        DisputeWorkflow.flag_seller, FlagSellerAction(actor=AGENT1, reason="Hung up.")
    )
    await d.until(handle, lambda s: "seller_account_changed" in [e.kind for e in s.history])
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT1, outcome=Outcome.REJECTED, summary="Closed.")
    )
    return handle


async def paused_for_the_customer(d: Disputes) -> Handle:
    handle = await d.start(policy=SlaPolicy(pause_while_awaiting_customer=True))
    await d.sleep(30 * HOUR)
    await handle.execute_update(
        DisputeWorkflow.request_information, RequestInformationAction(actor=AGENT2, questions=["Invoice?"])
    )
    await d.sleep(DAY)
    await handle.execute_update(
        DisputeWorkflow.provide_information, ProvideInformationAction(actor=CUSTOMER, answer="Attached.")
    )
    await d.sleep(2 * DAY)
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT3, outcome=Outcome.PARTIAL_REFUND, summary="Half.")
    )
    return handle


async def counted_in_business_hours(d: Disputes) -> Handle:
    handle = await d.start(policy=SlaPolicy(business_hours=BusinessCalendar()))
    await d.sleep(3 * DAY)
    await d.until(handle, lambda s: s.tier >= 2)
    await handle.execute_update(
        DisputeWorkflow.resolve, ResolveAction(actor=AGENT2, outcome=Outcome.REPAIR, summary="Repaired.")
    )
    return handle


async def registered_a_month_late(d: Disputes) -> Handle:
    """Every overdue clock at once and one breach reminder for all those missed; the seller's clocks later."""
    handle = await d.start(contact_ago=29 * DAY)
    await d.sleep(2 * DAY + HOUR)
    await d.until(handle, lambda s: s.breach_reminders == 26)
    await handle.signal("resolve", ResolveAction(actor=OPERATOR, outcome=Outcome.REFUND, summary="Refunded."))
    return handle


async def open_for_months(d: Disputes) -> Handle:
    """Open long enough to continue as new: the first run's history ends with it."""
    handle = await d.start()
    await d.sleep(5 * DAY)
    for day in range(1, 150):  # a reminder a day, each in its own workflow task, until the history is long
        await d.sleep(DAY)

        def reminded(state: DisputeState, n: int = day) -> bool:
            return state.breach_reminders == n

        await d.until(handle, reminded)
        if (await handle.describe()).run_id != handle.first_execution_run_id:
            break
    await handle.signal("resolve", ResolveAction(actor=OPERATOR, outcome=Outcome.REFUND, summary="Refunded."))
    return handle


async def seller_reinstated(d: Disputes) -> WorkflowHandle[Any, Any]:
    seller_id = f"seller-{uuid.uuid4().hex[:6]}"
    struck = [await d.start(seller_id=seller_id) for _ in range(2)]
    await d.sleep(2 * DAY + HOUR)
    for handle in struck:
        await d.until(handle, lambda s: "seller_account_changed" in [e.kind for e in s.history])
    request = ReinstateRequest(
        seller_id=seller_id, change_key="record-1", reason="Explained the delays.", by=OPERATOR
    )
    return await d.env.client.start_workflow(
        SellerAccountChangeWorkflow.run,
        request,
        id=seller_workflow_id(seller_id, request.change_key),
        task_queue=d.task_queue,
    )


async def whatsapp_failed_sent_again(d: Disputes) -> WorkflowHandle[Any, Any]:
    """WhatsApp reported the customer's acknowledgement failed after taking it: sent again by the next
    channel. The recording worker has no WhatsApp, so the acknowledgement's row is made to look as if
    WhatsApp alone had taken it, as its status webhook would then find it."""
    handle = await d.start()
    state = await d.persisted(handle)
    acknowledged = "SELECT status FROM notifications WHERE dispute_id = $1 AND kind = 'acknowledgement'"
    for _ in range(200):  # the acknowledgement's own delivery done, so that nothing else holds its row
        if await d.pool.fetchval(acknowledged, state.dispute_id) == "sent":
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the acknowledgement was not sent")
    message_id = f"wamid.record-{uuid.uuid4().hex}"
    row: int = await d.pool.fetchval(
        "UPDATE notifications SET status = 'sent', channels_done = ARRAY['whatsapp'], locked_until = NULL"
        " WHERE dispute_id = $1 AND kind = 'acknowledgement' RETURNING id",
        state.dispute_id,
    )
    await d.pool.execute(
        "INSERT INTO whatsapp_messages (message_id, notification_id, status, error)"
        " VALUES ($1, $2, 'failed', '131026 Message undeliverable')",
        message_id,
        row,
    )
    return await d.env.client.start_workflow(
        WhatsAppFailedWorkflow.run,
        message_id,
        task_queue=d.task_queue,
        **late_refusal.start_options(row),
    )


SCENARIOS: list[Callable[[Disputes], Awaitable[WorkflowHandle[Any, Any]]]] = [
    resolved_at_first_contact,
    resolved_with_the_start,
    investigated_and_resolved,
    never_resolved,
    seller_failed_contact_released_withdrawn,
    seller_unreachable_then_called,
    seller_flagged,
    paused_for_the_customer,
    counted_in_business_hours,
    seller_reinstated,
    registered_a_month_late,
    open_for_months,
    whatsapp_failed_sent_again,
]


async def record(
    scenario: Callable[[Disputes], Awaitable[WorkflowHandle[Any, Any]]], dsn: str, version: str
) -> Path:
    async with await time_skipping_env() as env:
        pool = await create_pool(dsn)
        task_queue = "record"
        async with SmtpSink() as mail:
            deliveries = Deliveries.from_settings(
                pool, DeliverySettings(smtp_host="127.0.0.1", smtp_port=mail.port, smtp_tls="none")
            )
            async with build_worker(env.client, pool, task_queue, deliveries):
                handle = await scenario(Disputes(env, pool, task_queue))
                await handle.result()
                # The first run's: a dispute that continued as new ends it with the continue-as-new.
                first = env.client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
                history = await first.fetch_history()
        await pool.close()
    path = HISTORIES / f"{version}-{scenario.__name__}.json"
    path.write_text(history.to_json())
    return path


async def main() -> None:
    HISTORIES.mkdir(exist_ok=True)
    version = sys.argv[1] if len(sys.argv) > 1 else "v1"
    chosen = set(sys.argv[2:])  # scenario names; none: all of them
    with tempfile.TemporaryDirectory() as folder:
        dsn = start_embedded(Path(folder) / "pg", cleanup="delete")
        await migrate(dsn)
        for scenario in SCENARIOS:
            if not chosen or scenario.__name__ in chosen:
                print("recorded", await record(scenario, dsn, version))


if __name__ == "__main__":
    asyncio.run(main())
