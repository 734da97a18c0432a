"""Customer links in PostgreSQL (``customer_links``): made at intake, found by the page, revoked by operators.

How a token is made and why it is kept only as a hash: ``infra.customer_links``.
"""

from __future__ import annotations

import asyncpg

from infra.customer_links import CustomerLinkSettings, new_salt, token_for, token_hash, well_formed

# A dispute that ever had a link gets no other here: a retried intake finds the first (the partial unique
# index settles two retries at once), and one an operator revoked stays revoked. A template:
# ``api.intake_store`` runs it inside intake's one statement, with its own parameters.
ISSUE = """
INSERT INTO customer_links (dispute_id, salt, token_hash, expires_at)
SELECT {dispute_id}, {salt}, {token_hash}, now() + {ttl}::interval
WHERE NOT EXISTS (SELECT 1 FROM customer_links WHERE dispute_id = {dispute_id})
ON CONFLICT DO NOTHING
RETURNING id
"""
_ISSUE = ISSUE.format(dispute_id="$1", salt="$2", token_hash="$3", ttl="$4")
_FIND = """
SELECT dispute_id FROM customer_links
WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
"""
_REVOKE = """
UPDATE customer_links SET revoked_at = now(), revoked_by = $2
WHERE dispute_id = $1 AND revoked_at IS NULL
RETURNING id
"""


def new_link(dispute_id: str, settings: CustomerLinkSettings) -> tuple[bytes, bytes]:
    """``(salt, token hash)`` of a new link for the dispute: what ``ISSUE`` stores (links on only)."""
    salt = new_salt()
    return salt, token_hash(token_for(settings.secret, dispute_id, salt))


async def issue(pool: asyncpg.Pool, dispute_id: str, settings: CustomerLinkSettings) -> bool:
    """Give the dispute its link unless it has had one; whether one was made now (False: links off).

    Intake itself issues it in its one statement (``api.intake_store``), with the same rule.
    """
    if not settings.enabled:
        return False
    salt, hashed = new_link(dispute_id, settings)
    made = await pool.fetchval(_ISSUE, dispute_id, salt, hashed, settings.customer_link_ttl)
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
