"""A dispute left alone from intake to breach tells each party exactly what the policy promises, once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import asyncpg
from temporalio.testing import WorkflowEnvironment

from activities.delivery import Deliveries
from infra.delivery_settings import DeliverySettings
from tests.delivery.servers import WEBHOOK_SECRET, HttpReceiver, SmtpSink
from tests.workflows.driver import DAY, HOUR, Disputes
from worker import build_worker

# Issue 4's table for a dispute that is never resolved, with the lifecycle's further tells (the
# customer and the team when the seller's efforts fail, the team when findings are overdue) and
# the operators' early warning.
EXPECTED = {
    ("customer", "acknowledgement"),
    ("customer", "investigation_started"),
    ("customer", "seller_contact_available"),
    ("customer", "transferred_to_customer_experience"),
    ("seller", "complaint_notice"),
    ("seller", "seller_reminder"),
    ("seller", "seller_strike"),
    ("seller", "seller_account_changed"),
    ("team", "dispute_reached_tier"),  # resolution team at 24 h ...
    ("team", "seller_unresponsive"),
    ("team", "findings_overdue"),
    ("operators", "sla_breach_warning"),
    ("operators", "sla_breach"),
    ("operators", "sla_breach_reminder"),
}


async def test_intake_to_breach_notifies_each_party_once(
    env: WorkflowEnvironment, pg_pool: asyncpg.Pool, receiver: HttpReceiver, smtp: SmtpSink
) -> None:
    settings = DeliverySettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
        seller_webhook_url=receiver.url("/seller"),
        alerts_webhook_url=receiver.url("/alerts"),
        webhook_secret=WEBHOOK_SECRET,
    )
    seller_id = f"seller-{uuid.uuid4().hex[:8]}"
    await pg_pool.execute(
        "INSERT INTO sellers (seller_id, email) VALUES ($1, $2)", seller_id, "shop@example.ma"
    )
    task_queue = f"notify-{uuid.uuid4().hex[:6]}"
    async with build_worker(env.client, pg_pool, task_queue, Deliveries.from_settings(pg_pool, settings)):
        disputes = Disputes(env, pg_pool, task_queue)
        handle = await disputes.start(seller_id=seller_id)
        await disputes.sleep(6 * DAY + HOUR)  # past the breach and its first reminder
        await disputes.until(handle, lambda s: s.breach_reminders == 1)
        await disputes.persisted(handle)
        dispute_id = handle.id.removeprefix("dispute-")
        rows = await _delivered(pg_pool, dispute_id)

    sent = Counter((r["recipient_kind"], r["kind"]) for r in rows)
    assert set(sent) == EXPECTED
    # Each once, but the team hears twice of "reached your tier": tier 2, then tier 3.
    assert {k: n for k, n in sent.items() if n != 1} == {("team", "dispute_reached_tier"): 2}
    assert {r["status"] for r in rows} == {"sent"}

    # On the wire, each message exactly once: e-mails by Message-ID, webhooks by delivery id.
    message_ids = [m.message_id for m in smtp.mails if dispute_id in m.message_id]
    assert len(message_ids) == len(set(message_ids)) == len(rows)  # every party here has an e-mail address
    deliveries = [r.headers["x-jamla24-delivery"] for r in receiver.requests if dispute_id in r.body.decode()]
    assert len(deliveries) == len(set(deliveries))
    assert all(r.verified for r in receiver.requests)
    webhook_kinds = [
        receiver.event(i)["kind"] for i, r in enumerate(receiver.requests) if dispute_id in r.body.decode()
    ]
    assert sorted(webhook_kinds) == sorted(k for who, k in EXPECTED if who in ("seller", "operators"))


async def _delivered(pool: asyncpg.Pool, dispute_id: str) -> list[asyncpg.Record]:
    """The outbox rows, once no delivery is pending any more."""
    for _ in range(200):
        rows = await pool.fetch(
            "SELECT recipient_kind, kind, status FROM notifications WHERE dispute_id = $1", dispute_id
        )
        if rows and all(r["status"] != "pending" for r in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries still pending: {[tuple(r) for r in rows]}")
