"""The daily erasure's activity on a real PostgreSQL: a dispute closed longer than the retention loses
every trace of its customer's personal data, keeps its facts (the SLA report's figures do not move), and
a dispute closed lately or still open keeps everything."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import asyncpg

from activities.erasure import Retention
from api.reports import sla_report
from infra.erasure import MARKER
from tests.activities.erasure_factories import personal, rows_text, store_dispute
from workflows.retention import ErasureBatch

RETENTION = timedelta(days=730)


async def erase_all(pool: asyncpg.Pool, now: datetime) -> int:
    retention, erased = Retention(pool, RETENTION, batch=50), 0
    while True:
        counts = await retention.erase_expired(ErasureBatch(now=now))
        erased += counts.disputes
        if not counts.more:
            return erased


async def test_expired_disputes_lose_personal_data_and_keep_their_report(pg_pool: asyncpg.Pool) -> None:
    now = datetime.now(UTC)
    # Registered together, at a second no other test uses: the report's period holds these three only.
    registered = (now - timedelta(days=1000)).replace(microsecond=0)
    registered += timedelta(seconds=random.randrange(86400))
    texts = {tag: personal(tag) for tag in ("old", "recent", "open")}
    del texts["open"]["summary"]  # not resolved: no summary
    old = await store_dispute(pg_pool, registered, registered + timedelta(days=2), texts["old"])
    recent = await store_dispute(pg_pool, registered, now - timedelta(days=10), texts["recent"])
    still_open = await store_dispute(pg_pool, registered, None, texts["open"])
    period = (registered - timedelta(seconds=1), registered + timedelta(seconds=1))
    before = await sla_report(pg_pool, *period, now)
    for dispute_id, tag in ((old, "old"), (recent, "recent"), (still_open, "open")):
        held = await rows_text(pg_pool, dispute_id)
        assert all(text in held for text in texts[tag].values()), tag

    assert await erase_all(pg_pool, now) >= 1

    erased = await rows_text(pg_pool, old)
    assert [name for name, text in texts["old"].items() if text in erased] == []
    assert MARKER in erased
    row = await pg_pool.fetchrow("SELECT * FROM disputes WHERE dispute_id = $1", old)
    assert row is not None and row["erased_at"] == now
    assert (row["status"], row["outcome"], row["tier"], row["channel"], row["category"]) == (
        "resolved", "refund", 1, "chat", "not_delivered",
    )  # fmt: skip
    for dispute_id, tag in ((recent, "recent"), (still_open, "open")):
        kept = await rows_text(pg_pool, dispute_id)
        assert all(text in kept for text in texts[tag].values()), tag
    after = await sla_report(pg_pool, *period, now)
    assert after.overall.opened == 3
    assert after.model_dump(exclude={"generated_at"}) == before.model_dump(exclude={"generated_at"})

    # Idempotent: nothing left to erase, nothing changes.
    assert await erase_all(pg_pool, now) == 0
    assert await rows_text(pg_pool, old) == erased
