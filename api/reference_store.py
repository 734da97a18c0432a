"""Dispute references in PostgreSQL (``dispute_references``): given at intake, looked up by every route
that names a dispute.

The table is unique both ways. A retried intake names the same dispute id, so it finds the reference the
first attempt was given; a new random reference that another dispute already has is drawn again.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from api import references

# Any constraint: the dispute already has a reference (a retry), or the reference is taken (drawn again).
# A template: ``api.intake_store`` runs it inside intake's one statement, with its own parameters.
CLAIM = """
INSERT INTO dispute_references (reference, dispute_id) VALUES ({reference}, {dispute_id})
ON CONFLICT DO NOTHING RETURNING reference
"""
_CLAIM = CLAIM.format(reference="$1", dispute_id="$2")
# A statement of its own, so that it sees a concurrent retry's row that the insert waited for.
_OF_DISPUTE = "SELECT reference FROM dispute_references WHERE dispute_id = $1"
_DISPUTE = "SELECT dispute_id FROM dispute_references WHERE reference = $1"
_RELEASE = "DELETE FROM dispute_references WHERE dispute_id = $1 AND reference = $2"

# 32**7 references: a draw that collides is already rare; several in a row mean something else is wrong.
ATTEMPTS = 8


async def allocate(
    pool: asyncpg.Pool, dispute_id: str, draw: Callable[[], str] = references.generate, *, drawn: int = 0
) -> str:
    """The dispute's reference: the one it was given before, or a new one no other dispute has.

    ``drawn``: draws this intake already made (``api.intake_store``'s), counted against ``ATTEMPTS``.
    """
    for _ in range(ATTEMPTS - drawn):
        # A new dispute's intake: one round trip. A retry, or a collision: a second one says which.
        given: str | None = await pool.fetchval(_CLAIM, draw(), dispute_id)
        given = given or await pool.fetchval(_OF_DISPUTE, dispute_id)
        if given is not None:
            return given
    raise RuntimeError(f"no free dispute reference after {ATTEMPTS} draws")


async def dispute_of(pool: asyncpg.Pool, reference: str) -> str | None:
    """The id of the dispute ``reference`` (canonical) names; None if none does."""
    found: str | None = await pool.fetchval(_DISPUTE, reference)
    return found


async def release(pool: asyncpg.Pool, dispute_id: str, reference: str) -> None:
    """Take back a reference given to a dispute that turned out to be started without it (opened before
    references existed): such a dispute keeps being named by its id only."""
    await pool.execute(_RELEASE, dispute_id, reference)
