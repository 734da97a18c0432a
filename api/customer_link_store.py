"""Customer links in PostgreSQL (``customer_links``): made at intake, found by the page, revoked by operators.

How a token is made and why it is kept only as a hash: ``infra.customer_links``.
"""

from __future__ import annotations

import asyncpg

from infra.customer_links import CustomerLinkSettings, new_salt, token_for, token_hash, well_formed

# A dispute that ever had a link gets no other here: a retried intake finds the first (the partial unique
# index settles two retries at once), and one an operator revoked stays revoked.
_ISSUE = """
INSERT INTO customer_links (dispute_id, salt, token_hash, expires_at)
SELECT $1, $2, $3, now() + $4::interval
WHERE NOT EXISTS (SELECT 1 FROM customer_links WHERE dispute_id = $1)
ON CONFLICT DO NOTHING
RETURNING id
"""
_FIND = """
SELECT dispute_id FROM customer_links
WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
"""
_REVOKE = """
UPDATE customer_links SET revoked_at = now(), revoked_by = $2
WHERE dispute_id = $1 AND revoked_at IS NULL
RETURNING id
"""


async def issue(pool: asyncpg.Pool, dispute_id: str, settings: CustomerLinkSettings) -> bool:
    """Give the dispute its link unless it has had one; whether one was made now (False: links off)."""
    if not settings.enabled:
        return False
    salt = new_salt()
    token = token_for(settings.secret, dispute_id, salt)
    made = await pool.fetchval(_ISSUE, dispute_id, salt, token_hash(token), settings.customer_link_ttl)
    return made is not None


async def dispute_of(pool: asyncpg.Pool, token: str) -> str | None:
    """The dispute whose link in force (not revoked, not expired) ``token`` is; None for any other token,
    without telling why."""
    if not well_formed(token):
        return None
    found: str | None = await pool.fetchval(_FIND, token_hash(token))
    return found


async def revoke(pool: asyncpg.Pool, dispute_id: str, by: str) -> int:
    """Revoke the dispute's link in force, if any; how many were revoked (0 or 1)."""
    return len(await pool.fetch(_REVOKE, dispute_id, by))
