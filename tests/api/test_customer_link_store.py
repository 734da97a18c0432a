"""Customer links in PostgreSQL: one per dispute, whatever intake's retries; found by the token only while
in force; revoked for good; and the worker writes the very link the API made."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from activities.customer_links import CustomerLinks
from api import customer_link_store
from infra.customer_links import CustomerLinkSettings, new_salt, token_for

SETTINGS = CustomerLinkSettings(
    customer_link_secret="store-tests-secret-of-at-least-32-chars", public_base_url="https://j24.test"
)


async def token_of(
    pool: asyncpg.Pool, dispute_id: str, settings: CustomerLinkSettings = SETTINGS
) -> str | None:
    """The token as the worker writes it into a message (None: no link in force)."""
    url = await CustomerLinks(pool, settings).url(dispute_id)
    return url.removeprefix("https://j24.test/c/") if url else None


async def test_intake_and_its_retries_make_one_link_that_names_its_dispute(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    made = await asyncio.gather(*(customer_link_store.issue(pg_pool, dispute_id, SETTINGS) for _ in range(4)))
    assert sorted(made) == [False, False, False, True]  # retries at once, or later: the first link stays
    assert not await customer_link_store.issue(pg_pool, dispute_id, SETTINGS)
    token = await token_of(pg_pool, dispute_id)
    assert token is not None
    assert await customer_link_store.dispute_of(pg_pool, token) == dispute_id
    count = "SELECT count(*) FROM customer_links WHERE dispute_id = $1"
    assert await pg_pool.fetchval(count, dispute_id) == 1
    # PostgreSQL has neither the token nor the link.
    row = await pg_pool.fetchrow("SELECT * FROM customer_links WHERE dispute_id = $1", dispute_id)
    assert row is not None
    assert token.encode() not in b"".join(str(value).encode() for value in dict(row).values())


async def test_another_token_names_no_dispute(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    await customer_link_store.issue(pg_pool, dispute_id, SETTINGS)
    secret = SETTINGS.secret
    for other in (token_for(secret, dispute_id, new_salt()), "x" * 43, "not-a-token", ""):
        assert await customer_link_store.dispute_of(pg_pool, other) is None


async def test_a_revoked_link_is_gone_for_good(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    await customer_link_store.issue(pg_pool, dispute_id, SETTINGS)
    token = await token_of(pg_pool, dispute_id)
    assert token is not None

    assert await customer_link_store.revoke(pg_pool, dispute_id, "ops-fatima") == 1
    assert await customer_link_store.dispute_of(pg_pool, token) is None
    assert await token_of(pg_pool, dispute_id) is None  # no message carries it any more
    assert await customer_link_store.revoke(pg_pool, dispute_id, "ops-fatima") == 0
    # A retried intake does not undo the revocation.
    assert not await customer_link_store.issue(pg_pool, dispute_id, SETTINGS)
    assert await token_of(pg_pool, dispute_id) is None
    by = await pg_pool.fetchval("SELECT revoked_by FROM customer_links WHERE dispute_id = $1", dispute_id)
    assert by == "ops-fatima"


async def test_an_expired_link_names_no_dispute(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    await customer_link_store.issue(pg_pool, dispute_id, SETTINGS)
    token = await token_of(pg_pool, dispute_id)
    assert token is not None
    lifetime = await pg_pool.fetchval(
        "SELECT expires_at - created_at FROM customer_links WHERE dispute_id = $1", dispute_id
    )
    assert lifetime == SETTINGS.customer_link_ttl
    await pg_pool.execute(
        "UPDATE customer_links SET expires_at = now() - interval '1 second' WHERE dispute_id = $1", dispute_id
    )
    assert await customer_link_store.dispute_of(pg_pool, token) is None
    assert await token_of(pg_pool, dispute_id) is None


@pytest.mark.parametrize("where", ["api", "worker"])
async def test_without_a_secret_there_are_no_links(pg_pool: asyncpg.Pool, where: str) -> None:
    off = CustomerLinkSettings(customer_link_secret=None)
    dispute_id = uuid.uuid4().hex
    if where == "api":
        assert not await customer_link_store.issue(pg_pool, dispute_id, off)
        assert await token_of(pg_pool, dispute_id) is None
    else:
        await customer_link_store.issue(pg_pool, dispute_id, SETTINGS)
        assert await token_of(pg_pool, dispute_id, off) is None


async def test_a_link_made_under_another_secret_is_not_written_broken(pg_pool: asyncpg.Pool) -> None:
    dispute_id = uuid.uuid4().hex
    await customer_link_store.issue(pg_pool, dispute_id, SETTINGS)
    other = CustomerLinkSettings(
        customer_link_secret="another-secret-of-at-least-32-characters", public_base_url="https://j24.test"
    )
    assert await token_of(pg_pool, dispute_id, other) is None
