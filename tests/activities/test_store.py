from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.store import DisputeStore
from tests.activities.factories import customer, new_id, record
from workflows.models import SellerEfforts, Status


async def dispute_row(pool: asyncpg.Pool, dispute_id: str) -> dict[str, Any]:
    row = await pool.fetchrow("SELECT * FROM disputes WHERE dispute_id = $1", dispute_id)
    assert row is not None
    return dict(row)


async def event_seqs(pool: asyncpg.Pool, dispute_id: str) -> list[int]:
    rows = await pool.fetch("SELECT seq FROM dispute_events WHERE dispute_id = $1 ORDER BY seq", dispute_id)
    return [r["seq"] for r in rows]


async def test_first_event_writes_event_and_read_model(pg_pool: asyncpg.Pool) -> None:
    store, dispute_id = DisputeStore(pg_pool), new_id("d")
    first = record(dispute_id, 1, customer=customer(), external_ref=new_id("ref"))
    # Inside a real activity context, as the worker runs it.
    await ActivityEnvironment().run(store.record_event, first)

    row = await dispute_row(pg_pool, dispute_id)
    assert (row["revision"], row["status"], row["tier"], row["channel"]) == (1, "open", 1, "chat")
    assert (row["customer_name"], row["customer_email"]) == ("Salma Bennani", "salma@example.ma")
    assert row["deadlines"] == first.summary.model_dump(mode="json")["deadlines"]
    event = await pg_pool.fetchrow("SELECT * FROM dispute_events WHERE dispute_id = $1", dispute_id)
    assert event is not None
    assert event["actor"] == first.event.actor.model_dump(mode="json")
    assert event["data"] == first.event.data
    assert event["notified"] == ["customer"]
    assert event["at"] == first.event.at


async def test_rerun_inserts_nothing_and_leaves_row_unchanged(pg_pool: asyncpg.Pool) -> None:
    store, dispute_id = DisputeStore(pg_pool), new_id("d")
    first = record(dispute_id, 1, customer=customer())
    await store.record_event(first)
    before = await dispute_row(pg_pool, dispute_id)

    await store.record_event(first)

    assert await event_seqs(pg_pool, dispute_id) == [1]
    assert await dispute_row(pg_pool, dispute_id) == before


async def test_later_event_updates_row_and_keeps_contact(pg_pool: asyncpg.Pool) -> None:
    store, dispute_id = DisputeStore(pg_pool), new_id("d")
    await store.record_event(record(dispute_id, 1, customer=customer()))
    await store.record_event(
        record(dispute_id, 2, "escalated", tier=2, status=Status.AWAITING_CUSTOMER, sla_breached=True)
    )

    row = await dispute_row(pg_pool, dispute_id)
    assert (row["revision"], row["tier"], row["status"], row["sla_breached"]) == (
        2,
        2,
        "awaiting_customer",
        True,
    )
    assert row["customer_phone"] == "+212600000000"
    assert await event_seqs(pg_pool, dispute_id) == [1, 2]


async def test_the_reference_is_in_the_row_and_a_dispute_without_one_has_none(pg_pool: asyncpg.Pool) -> None:
    store, with_one, without = DisputeStore(pg_pool), new_id("d"), new_id("d")
    await store.record_event(record(with_one, 1, customer=customer(), reference="J24-7KX4M2QJ"))
    await store.record_event(record(with_one, 2, "escalated", tier=2, reference="J24-7KX4M2QJ"))
    await store.record_event(record(without, 1, customer=customer()))

    assert (await dispute_row(pg_pool, with_one))["reference"] == "J24-7KX4M2QJ"
    assert (await dispute_row(pg_pool, with_one))["state"]["reference"] == "J24-7KX4M2QJ"
    assert (await dispute_row(pg_pool, without))["reference"] is None


async def test_older_revision_never_overwrites_newer(pg_pool: asyncpg.Pool) -> None:
    store, dispute_id = DisputeStore(pg_pool), new_id("d")
    await store.record_event(record(dispute_id, 1, customer=customer()))
    failed = record(dispute_id, 3, "seller_efforts_failed", seller_efforts=SellerEfforts.FAILED)
    await store.record_event(failed)
    newer = await dispute_row(pg_pool, dispute_id)

    # A retry of event 2 that lands late: its event is kept, its summary is not.
    await store.record_event(record(dispute_id, 2, "seller_reminded", tier=2))

    assert await dispute_row(pg_pool, dispute_id) == newer
    assert newer["revision"] == 3 and newer["tier"] == 1 and newer["seller_efforts"] == "failed"
    assert await event_seqs(pg_pool, dispute_id) == [1, 2, 3]


async def test_contact_from_late_first_event_is_kept(pg_pool: asyncpg.Pool) -> None:
    store, dispute_id = DisputeStore(pg_pool), new_id("d")
    await store.record_event(record(dispute_id, 2, "escalated", tier=2))
    await store.record_event(record(dispute_id, 1, customer=customer()))

    row = await dispute_row(pg_pool, dispute_id)
    assert (row["revision"], row["tier"], row["customer_email"]) == (2, 2, "salma@example.ma")


async def test_bad_data_fails_for_good_and_writes_nothing(pg_pool: asyncpg.Pool) -> None:
    store, dispute_id = DisputeStore(pg_pool), new_id("d")
    with pytest.raises(ApplicationError) as failure:
        await store.record_event(record(dispute_id, 1, tier=7))

    assert failure.value.non_retryable and failure.value.type == "BadData"
    assert "disputes_tier_check" in failure.value.message
    assert await pg_pool.fetchval("SELECT count(*) FROM disputes WHERE dispute_id = $1", dispute_id) == 0
    assert await event_seqs(pg_pool, dispute_id) == []


async def test_external_ref_taken_by_another_dispute_is_bad_data(pg_pool: asyncpg.Pool) -> None:
    store, ref = DisputeStore(pg_pool), new_id("ref")
    await store.record_event(record(new_id("d"), 1, external_ref=ref))
    with pytest.raises(ApplicationError) as failure:
        await store.record_event(record(new_id("d"), 1, external_ref=ref, customer=customer()))

    assert failure.value.non_retryable and failure.value.type == "BadData"
    # The failure names the constraint, never the values (PII).
    assert "disputes_external_ref_key" in failure.value.message
    assert ref not in failure.value.message and "Salma" not in failure.value.message
