"""The customer's link as a message writes it, derived at delivery time from PostgreSQL and the secret.

The token never travels through the workflow (its inputs and histories are kept and shown to operators):
the delivery reads the dispute's salt and writes the link again (``infra.customer_links``).
"""

from __future__ import annotations

import hmac

import asyncpg
from temporalio import activity

from infra.customer_links import CustomerLinkSettings, token_for, token_hash

_IN_FORCE = """
SELECT salt, token_hash FROM customer_links
WHERE dispute_id = $1 AND revoked_at IS NULL AND expires_at > now()
"""


class CustomerLinks:
    def __init__(self, pool: asyncpg.Pool, settings: CustomerLinkSettings) -> None:
        self._pool = pool
        self._settings = settings

    async def url(self, dispute_id: str) -> str | None:
        """The dispute's link in force; None if it has none (opened before links, or revoked, or expired),
        if links are off, or if the secret changed since it was made (the link written now would not
        work: better no link than a broken one)."""
        if not self._settings.enabled:
            return None
        row = await self._pool.fetchrow(_IN_FORCE, dispute_id)
        if row is None:
            return None
        token = token_for(self._settings.secret, dispute_id, bytes(row["salt"]))
        if not hmac.compare_digest(token_hash(token), bytes(row["token_hash"])):
            activity.logger.warning(
                "dispute %s: its customer link was made under another CUSTOMER_LINK_SECRET; sent without it",
                dispute_id,
            )
            return None
        return self._settings.url(token)
