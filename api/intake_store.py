"""What intake writes to PostgreSQL before it starts a dispute, in one statement: the dispute's reference,
its customer's link, and what intake found of its seller.

One statement rather than one per table: each is a round trip (and a commit) on the request's path, and
side by side on separate connections they were no faster. The rules stay each table's own: the
statement is put together from ``api.reference_store``'s, ``api.customer_link_store``'s and
``api.seller_accounts``' templates, so a retried intake still finds the same reference, the same link
(or none, once revoked) and the same seller status as the first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from api import customer_link_store, reference_store, references, seller_accounts
from infra.customer_links import CustomerLinkSettings
from workflows.models import SellerAccountStatus

_DISPUTE, _SELLER, _REFERENCE = "$1", "$2", "$3"
_LINK = {"salt": "$4", "token_hash": "$5", "ttl": "$6"}

# The reference: the one just claimed, else the one the dispute already had when the statement began (a
# retry). Neither (a collision, or a concurrent retry's row this statement cannot see): NULL, and
# ``record`` asks again in a statement of its own.
_GIVEN = f"""
SELECT reference FROM (
    SELECT reference, 1 AS pick FROM claimed
    UNION ALL SELECT reference, 2 FROM dispute_references WHERE dispute_id = {_DISPUTE}
) candidates ORDER BY pick LIMIT 1
"""


def _statement(with_link: bool) -> str:
    """The statement; ``with_link``: customer links are on. Every CTE runs, read or not."""
    claim = reference_store.CLAIM.format(reference=_REFERENCE, dispute_id=_DISPUTE).strip()
    seller = seller_accounts.INTAKE_CTES.format(dispute_id=_DISPUTE, seller_id=_SELLER).strip()
    status = seller_accounts.INTAKE_STATUS.format(dispute_id=_DISPUTE).strip()
    link = customer_link_store.ISSUE.format(dispute_id=_DISPUTE, **_LINK).strip() if with_link else None
    ctes = [f"claimed AS ({claim})", seller, *([f"issued AS ({link})"] if link else [])]
    return f"WITH {', '.join(ctes)}\nSELECT ({_GIVEN.strip()}) AS reference, ({status}) AS seller_status"


_RECORD = {with_link: _statement(with_link) for with_link in (False, True)}


@dataclass(frozen=True)
class Recorded:
    """What the dispute starts with: its reference, and its seller's status as intake found it."""

    reference: str
    seller_status: SellerAccountStatus


async def record(
    pool: asyncpg.Pool,
    dispute_id: str,
    seller_id: str,
    links: CustomerLinkSettings | None = None,
    draw: Callable[[], str] = references.generate,
) -> Recorded:
    """Give the dispute its reference and its customer's link (``links`` on), and record its seller's
    status; a retry of the same intake: what the first was given and found.

    Intake calls it before it starts a dispute. The seller gets a bare account if it has none: a dispute
    the API accepted names a seller the API already knows, where the read model would name it only once
    a worker recorded the dispute. A start that then fails leaves an active account with no strike, as
    any seller a dispute names has. A restricted or terminated seller's dispute is accepted all the same:
    the status flags it to operators.
    """
    link = links if links is not None and links.enabled else None
    arguments: list[object] = [dispute_id, seller_id, draw()]
    if link is not None:
        arguments += [*customer_link_store.new_link(dispute_id, link), link.customer_link_ttl]
    row = await pool.fetchrow(_RECORD[link is not None], *arguments)
    assert row is not None  # a SELECT without FROM: always one row
    # Rare: the draw collided, or a concurrent retry claimed first. The first draw counts.
    reference = row["reference"] or await reference_store.allocate(pool, dispute_id, draw, drawn=1)
    return Recorded(reference=reference, seller_status=SellerAccountStatus(row["seller_status"]))
