"""API keys: who is calling, with which role, acting as which actor.

A key reads ``j24_<key id>_<secret>``. PostgreSQL keeps only the SHA-256 of the secret (the secret is a
long random token, so a fast hash is enough); the key is shown once, when it is created. Lookups are
cached in-process for ``ttl`` seconds, so a revoked key stops working within that time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime
from enum import StrEnum

import asyncpg
from pydantic import BaseModel

from workflows.models import Actor, Role, SellerAccountStatus

PREFIX = "j24"
DEFAULT_CACHE_TTL = 5.0  # seconds a revoked key may still be accepted by a running API


class KeyRole(StrEnum):
    INTAKE = "intake"
    AGENT = "agent"
    SELLER = "seller"
    OPERATOR = "operator"
    # The marketplace's seller service: keeps the seller directory, acts on no dispute.
    MARKETPLACE = "marketplace"


# The role each key's requests act as in dispute histories; a marketplace key acts on none.
_ACTS_AS = {
    KeyRole.INTAKE: Role.INTAKE,
    KeyRole.AGENT: Role.AGENT,
    KeyRole.SELLER: Role.SELLER,
    KeyRole.OPERATOR: Role.OPERATOR,
}


class ApiKey(BaseModel):
    """A key as stored (never its secret)."""

    key_id: str
    role: KeyRole
    actor_id: str
    tier: int | None = None
    seller_id: str | None = None
    label: str | None = None
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    # A seller key's account status when the key was looked up (cached with it): a terminated seller's
    # keys are refused (``api.deps``). None for the other roles, and for a seller with no account row.
    seller_status: SellerAccountStatus | None = None

    def actor(self) -> Actor:
        """The actor this key's requests act as, in dispute histories."""
        role = _ACTS_AS.get(self.role)
        if role is None:
            raise ValueError(f"a {self.role.value} key acts on no dispute")
        return Actor(role=role, id=self.actor_id, tier=self.tier, seller_id=self.seller_id)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a well-formed key, else None."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or not key_id or len(secret) < 32:
        return None
    return key_id, secret


async def create_key(
    pool: asyncpg.Pool,
    role: KeyRole,
    actor_id: str,
    *,
    tier: int | None = None,
    seller_id: str | None = None,
    label: str | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key; return it and its token, which is never shown again."""
    if (role == KeyRole.AGENT) != (tier is not None):
        raise ValueError("an agent key needs a tier (1, 2 or 3), and only an agent key has one")
    if (role == KeyRole.SELLER) != bool(seller_id):
        raise ValueError("a seller key needs a seller id, and only a seller key has one")
    if tier is not None and tier not in (1, 2, 3):
        raise ValueError("tier must be 1, 2 or 3")
    key = ApiKey(
        key_id=secrets.token_hex(6), role=role, actor_id=actor_id, tier=tier, seller_id=seller_id, label=label
    )
    secret = secrets.token_urlsafe(32)
    row = await pool.fetchrow(
        "INSERT INTO api_keys (key_id, secret_hash, role, tier, seller_id, actor_id, label)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at",
        key.key_id,
        _hash(secret),
        key.role.value,
        tier,
        seller_id,
        actor_id,
        label,
    )
    assert row is not None
    key.created_at = row["created_at"]
    return key, f"{PREFIX}_{key.key_id}_{secret}"


async def revoke_key(pool: asyncpg.Pool, key_id: str) -> bool:
    """Revoke a key; False if there is no such key or it was already revoked."""
    status = await pool.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL", key_id
    )
    return status.endswith(" 1")


async def list_keys(pool: asyncpg.Pool) -> list[ApiKey]:
    rows = await pool.fetch(
        "SELECT key_id, role, tier, seller_id, actor_id, label, created_at, revoked_at"
        " FROM api_keys ORDER BY created_at, key_id"
    )
    return [ApiKey.model_validate(dict(row)) for row in rows]


async def is_active(pool: asyncpg.Pool, token: str) -> bool:
    """Whether ``token`` is a stored key that has not been revoked."""
    return await _lookup(pool, token) is not None


# The key, and its seller's account status in the same round trip (a seller key's only).
_LOOKUP = """
SELECT k.key_id, k.secret_hash, k.role, k.tier, k.seller_id, k.actor_id, k.label, k.created_at, k.revoked_at,
       s.status AS seller_status
FROM api_keys k LEFT JOIN sellers s ON k.role = 'seller' AND s.seller_id = k.seller_id
WHERE k.key_id = $1
"""


async def _lookup(pool: asyncpg.Pool, token: str) -> ApiKey | None:
    parsed = parse(token)
    if parsed is None:
        return None
    key_id, secret = parsed
    row = await pool.fetchrow(_LOOKUP, key_id)
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["secret_hash"], _hash(secret)):
        return None
    return ApiKey.model_validate({k: v for k, v in dict(row).items() if k != "secret_hash"})


class KeyStore:
    """Authenticates tokens against ``api_keys``, caching accepted keys for ``ttl`` seconds.

    Only accepted keys are cached: a key created a moment ago works at once, and a revoked one stops
    working once its cache entry expires. A seller key's account status is cached with it, so a
    termination refuses the seller's keys within ``ttl`` too.
    """

    def __init__(self, pool: asyncpg.Pool, ttl: float = DEFAULT_CACHE_TTL) -> None:
        self._pool = pool
        self.ttl = ttl
        self._cache: dict[str, tuple[float, ApiKey]] = {}

    async def authenticate(self, token: str) -> ApiKey | None:
        now = time.monotonic()
        cached = self._cache.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        key = await _lookup(self._pool, token)
        if key is None:
            self._cache.pop(token, None)
        elif self.ttl > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (now + self.ttl, key)
        return key
