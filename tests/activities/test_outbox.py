from __future__ import annotations

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError

from activities.outbox import Outbox
from tests.activities.factories import new_id
from workflows.events import NotificationKind, RecipientKind
from workflows.models import Language, NotificationRequest


def notice(
    dispute_id: str, seq: int, kind: str, to: RecipientKind, ref: str = "cust-1"
) -> NotificationRequest:
    return NotificationRequest(
        dispute_id=dispute_id,
        seq=seq,
        kind=NotificationKind(kind),
        recipient_kind=to,
        recipient_ref=ref,
        email="salma@example.ma" if to == RecipientKind.CUSTOMER else None,
        language=Language.AR,
        data={"tier": 2, "reference": dispute_id},
    )


async def test_queues_all_then_nothing_on_retry(pg_pool: asyncpg.Pool) -> None:
    outbox, dispute_id = Outbox(pg_pool), new_id("d")
    requests = [
        notice(dispute_id, 1, "acknowledgement", RecipientKind.CUSTOMER),
        notice(dispute_id, 1, "complaint_notice", RecipientKind.SELLER, "seller-1"),
        notice(dispute_id, 1, "sla_breach", RecipientKind.OPERATORS, "ops-a"),
        notice(dispute_id, 1, "sla_breach", RecipientKind.OPERATORS, "ops-b"),
    ]

    assert await outbox.queue_notifications(requests) == 4
    assert await outbox.queue_notifications(requests) == 0
    # A retry that adds one message queues only that one.
    assert (
        await outbox.queue_notifications(
            [*requests, notice(dispute_id, 2, "seller_reminder", RecipientKind.SELLER)]
        )
        == 1
    )

    rows = await pg_pool.fetch(
        "SELECT * FROM notifications WHERE dispute_id = $1 ORDER BY seq, kind, recipient_ref", dispute_id
    )
    assert len(rows) == 5
    first = rows[0]
    # The request's address is not copied: delivery reads it from the dispute's row.
    assert (first["kind"], first["recipient_kind"], first["email"], first["phone"]) == (
        "acknowledgement",
        "customer",
        None,
        None,
    )
    assert (first["status"], first["attempts"], first["language"]) == ("pending", 0, "ar")
    assert first["data"] == {"tier": 2, "reference": dispute_id}


async def test_duplicates_within_one_call_count_once(pg_pool: asyncpg.Pool) -> None:
    outbox, dispute_id = Outbox(pg_pool), new_id("d")
    same = notice(dispute_id, 1, "acknowledgement", RecipientKind.CUSTOMER)
    assert await outbox.queue_notifications([same, same]) == 1
    assert await outbox.queue_notifications([]) == 0


async def test_bad_data_fails_for_good_and_queues_nothing(pg_pool: asyncpg.Pool) -> None:
    outbox, dispute_id = Outbox(pg_pool), new_id("d")
    good = notice(dispute_id, 1, "acknowledgement", RecipientKind.CUSTOMER)
    # Beyond PostgreSQL's integer: no retry will ever store it.
    bad = notice(dispute_id, 2**40, "seller_reminder", RecipientKind.SELLER)
    with pytest.raises(ApplicationError) as failure:
        await outbox.queue_notifications([good, bad])

    assert failure.value.non_retryable and failure.value.type == "BadData"
    assert await pg_pool.fetchval("SELECT count(*) FROM notifications WHERE dispute_id = $1", dispute_id) == 0
