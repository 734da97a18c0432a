"""API keys: only a hash is stored, lookups are cached briefly, revocation takes effect."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from api.auth import KeyRole, KeyStore, create_key, is_active, parse, revoke_key
from api.updates import update_id
from workflows.models import Role, SellerAccountStatus


async def test_a_key_is_stored_hashed_and_acts_as_its_actor(pg_pool: asyncpg.Pool) -> None:
    key, token = await create_key(pg_pool, KeyRole.SELLER, "seller-S-1", seller_id="S-1")
    parsed = parse(token)
    assert parsed is not None and parsed[0] == key.key_id
    stored = await pg_pool.fetchval("SELECT secret_hash FROM api_keys WHERE key_id = $1", key.key_id)
    assert parsed[1] not in stored
    found = await KeyStore(pg_pool).authenticate(token)
    assert found is not None
    actor = found.actor()
    assert (actor.role, actor.id, actor.seller_id) == (Role.SELLER, "seller-S-1", "S-1")
    assert await KeyStore(pg_pool).authenticate(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


async def test_revocation_takes_effect_once_the_cache_entry_expires(pg_pool: asyncpg.Pool) -> None:
    key, token = await create_key(pg_pool, KeyRole.AGENT, "agent-9", tier=1)
    store = KeyStore(pg_pool, ttl=0.3)
    assert await store.authenticate(token) is not None
    assert await revoke_key(pg_pool, key.key_id)
    assert not await is_active(pg_pool, token)
    assert await store.authenticate(token) is not None  # still cached
    await asyncio.sleep(0.35)
    assert await store.authenticate(token) is None


@pytest.mark.parametrize("token", ["", "j24", "j24_abc", "j24_abc_short", "xyz_abc_" + "s" * 40])
def test_malformed_keys_do_not_parse(token: str) -> None:
    assert parse(token) is None


async def test_scopes_must_fit_the_role(pg_pool: asyncpg.Pool) -> None:
    with pytest.raises(ValueError, match="tier"):
        await create_key(pg_pool, KeyRole.AGENT, "agent-x")
    with pytest.raises(ValueError, match="seller id"):
        await create_key(pg_pool, KeyRole.OPERATOR, "op", seller_id="S-1")


async def test_an_idempotency_key_names_one_update_per_key_and_action(pg_pool: asyncpg.Pool) -> None:
    key, _ = await create_key(pg_pool, KeyRole.OPERATOR, "op-idem")
    other, _ = await create_key(pg_pool, KeyRole.OPERATOR, "op-idem")
    assert update_id(key, "resolve", "k1") == update_id(key, "resolve", "k1")
    assert update_id(key, "resolve", "k1") != update_id(key, "escalate", "k1")
    assert update_id(key, "resolve", "k1") != update_id(other, "resolve", "k1")
    assert update_id(key, "resolve", None) != update_id(key, "resolve", None)


async def test_a_seller_keys_account_status_comes_with_it(pg_pool: asyncpg.Pool) -> None:
    terminated, unknown = f"S-{uuid.uuid4().hex[:8]}", f"S-{uuid.uuid4().hex[:8]}"
    await pg_pool.execute("INSERT INTO sellers (seller_id, status) VALUES ($1, 'terminated')", terminated)
    tokens = [
        (await create_key(pg_pool, KeyRole.SELLER, f"seller-{terminated}", seller_id=terminated))[1],
        (await create_key(pg_pool, KeyRole.SELLER, f"seller-{unknown}", seller_id=unknown))[1],
        (await create_key(pg_pool, KeyRole.OPERATOR, "op-auth"))[1],
    ]
    store = KeyStore(pg_pool, ttl=0)
    found = [await store.authenticate(token) for token in tokens]
    assert [key.seller_status if key else "missing" for key in found] == [
        SellerAccountStatus.TERMINATED, None, None,
    ]  # fmt: skip


async def test_a_marketplace_key_acts_on_no_dispute(pg_pool: asyncpg.Pool) -> None:
    key, _ = await create_key(pg_pool, KeyRole.MARKETPLACE, "seller-service")
    with pytest.raises(ValueError, match="acts on no dispute"):
        key.actor()
