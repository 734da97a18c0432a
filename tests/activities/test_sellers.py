from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest
from temporalio.exceptions import ApplicationError

from activities.sellers import SellerAccounts, SellerContact
from tests.activities.factories import AGENT, T0, new_id, strike
from workflows.models import Actor, Role, SellerAccountStatus, StrikeReason
from workflows.seller_payloads import ContactReleaseRequest, ReinstateRequest, StrikeResult
from workflows.sla_policy import SlaPolicy

ACTIVE, WARNED, RESTRICTED, TERMINATED = SellerAccountStatus


async def changes(pool: asyncpg.Pool, seller_id: str) -> list[tuple[str, str, str]]:
    rows = await pool.fetch(
        "SELECT from_status, to_status, reason FROM seller_account_changes WHERE seller_id = $1 ORDER BY id",
        seller_id,
    )
    return [(r["from_status"], r["to_status"], r["reason"]) for r in rows]


async def strike_count(pool: asyncpg.Pool, seller_id: str) -> int:
    count = await pool.fetchval("SELECT count(*) FROM seller_strikes WHERE seller_id = $1", seller_id)
    return int(count)


async def test_default_thresholds(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    results = [await sellers.record_strike(strike(seller_id, at=T0 + timedelta(days=d))) for d in range(4)]

    assert [(r.previous_status, r.status, r.strikes_in_window) for r in results] == [
        (ACTIVE, WARNED, 1),
        (WARNED, RESTRICTED, 2),
        (RESTRICTED, TERMINATED, 3),
        (TERMINATED, TERMINATED, 4),
    ]
    assert all(r.recorded for r in results)
    assert await changes(pg_pool, seller_id) == [
        ("active", "warned", "1 strike within 90 days"),
        ("warned", "restricted", "2 strikes within 90 days"),
        ("restricted", "terminated", "3 strikes within 90 days"),
    ]
    assert (
        await pg_pool.fetchval("SELECT status FROM sellers WHERE seller_id = $1", seller_id) == "terminated"
    )


async def test_custom_policy_and_window(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    policy = SlaPolicy(
        seller_strike_window=timedelta(hours=1),
        strikes_to_warn=2,
        strikes_to_restrict=3,
        strikes_to_terminate=3,
    )
    minutes = [0, 10, 100, 110, 120]
    results = [
        await sellers.record_strike(strike(seller_id, at=T0 + timedelta(minutes=m), policy=policy))
        for m in minutes
    ]

    # At 100 min the first two strikes have left the one-hour window.
    assert [(r.strikes_in_window, r.status) for r in results] == [
        (1, ACTIVE),
        (2, WARNED),
        (1, WARNED),
        (2, WARNED),
        (3, TERMINATED),
    ]
    assert [c[1:] for c in await changes(pg_pool, seller_id)] == [
        ("warned", "2 strikes within 1 hour"),
        ("terminated", "3 strikes within 1 hour"),
    ]


async def test_strikes_outside_window_do_not_count_and_status_never_drops(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    await sellers.record_strike(strike(seller_id, at=T0))
    await sellers.record_strike(strike(seller_id, at=T0 + timedelta(days=1)))

    late = await sellers.record_strike(strike(seller_id, at=T0 + timedelta(days=120)))

    assert (late.strikes_in_window, late.previous_status, late.status) == (1, RESTRICTED, RESTRICTED)
    assert not late.changed
    assert len(await changes(pg_pool, seller_id)) == 2


async def test_rerun_records_nothing_and_answers_the_same(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    first_request = strike(seller_id, at=T0)
    first = await sellers.record_strike(first_request)
    # Another dispute's strike changes the account before the retry arrives.
    await sellers.record_strike(strike(seller_id, at=T0 + timedelta(hours=1)))

    again = await sellers.record_strike(first_request)

    assert first == StrikeResult(recorded=True, strikes_in_window=1, previous_status=ACTIVE, status=WARNED)
    assert again == first.model_copy(update={"recorded": False})
    assert await strike_count(pg_pool, seller_id) == 2
    assert len(await changes(pg_pool, seller_id)) == 2


async def test_one_dispute_can_strike_once_per_reason(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id, dispute_id = SellerAccounts(pg_pool), new_id("s"), new_id("d")
    unresponsive = await sellers.record_strike(strike(seller_id, dispute_id))
    refused = await sellers.record_strike(strike(seller_id, dispute_id, reason=StrikeReason.REFUSED))

    assert (unresponsive.status, refused.status) == (WARNED, RESTRICTED)
    assert await strike_count(pg_pool, seller_id) == 2


async def test_concurrent_strikes_on_one_seller_are_serialised(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    requests = [strike(seller_id, at=T0 + timedelta(minutes=i)) for i in range(10)]

    # Latest first: the outcome must not depend on the order the strikes commit in.
    results = await asyncio.gather(*(sellers.record_strike(r) for r in reversed(requests)))

    assert await strike_count(pg_pool, seller_id) == 10
    assert (
        await pg_pool.fetchval("SELECT status FROM sellers WHERE seller_id = $1", seller_id) == "terminated"
    )
    assert [c[:2] for c in await changes(pg_pool, seller_id)] == [
        ("active", "warned"),
        ("warned", "restricted"),
        ("restricted", "terminated"),
    ]
    assert sum(r.changed for r in results) == 3


async def test_contact_release_is_recorded_once_and_gives_the_customer_facing_details(
    pg_pool: asyncpg.Pool,
) -> None:
    sellers, seller_id, dispute_id = SellerAccounts(pg_pool), new_id("s"), new_id("d")
    await pg_pool.execute(
        "INSERT INTO sellers (seller_id, name, email, phone, customer_name, customer_email, customer_phone)"
        " VALUES ($1, 'Atlas Souk', 'owner@atlas.ma', '+212661406136', 'Atlas Souk (service client)',"
        " 'service@atlas.ma', '+212522000000')",
        seller_id,
    )
    request = ContactReleaseRequest(seller_id=seller_id, dispute_id=dispute_id, seq=5, at=T0, by=AGENT)

    first = await sellers.release_contact(request)
    again = await sellers.release_contact(request)

    expected = SellerContact(
        seller_id=seller_id,
        name="Atlas Souk (service client)",
        email="service@atlas.ma",
        phone="+212522000000",
    )
    assert first == again == expected
    releases = await pg_pool.fetch("SELECT * FROM seller_contact_releases WHERE dispute_id = $1", dispute_id)
    assert [(r["seller_id"], r["seq"], r["released_at"]) for r in releases] == [(seller_id, 5, T0)]


async def test_jamla24s_own_contact_with_the_seller_is_never_released(pg_pool: asyncpg.Pool) -> None:
    """A seller that gave no customer-facing details is named to the customer by its display name only."""
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    await pg_pool.execute(
        "INSERT INTO sellers (seller_id, name, email, phone) VALUES ($1, 'Atlas Souk', 'owner@atlas.ma',"
        " '+212661406136')",
        seller_id,
    )
    request = ContactReleaseRequest(seller_id=seller_id, dispute_id=new_id("d"), seq=5, at=T0, by=AGENT)

    assert await sellers.release_contact(request) == SellerContact(seller_id=seller_id, name="Atlas Souk")


async def test_contact_of_unknown_seller_is_empty(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    request = ContactReleaseRequest(seller_id=seller_id, dispute_id=new_id("d"), seq=5, at=T0, by=AGENT)

    assert await sellers.release_contact(request) == SellerContact(seller_id=seller_id)


async def test_bad_data_fails_for_good(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), new_id("s")
    request = strike(seller_id).model_copy(update={"seq": 2**40})
    with pytest.raises(ApplicationError) as failure:
        await sellers.record_strike(request)

    assert failure.value.non_retryable and failure.value.type == "BadData"
    assert await strike_count(pg_pool, seller_id) == 0


OPERATOR = Actor(role=Role.OPERATOR, id="ops-fatima")


def reinstatement(seller_id: str, key: str | None = None, **changes: object) -> ReinstateRequest:
    values = {
        "seller_id": seller_id,
        "change_key": key or new_id("change"),
        "reason": "The strikes came from a carrier outage.",
        "by": OPERATOR,
    }
    return ReinstateRequest.model_validate(values | changes)


async def struck(pool: asyncpg.Pool, strikes: int) -> str:
    """A fresh seller with ``strikes`` strikes in the window (default policy: 2 restrict, 3 terminate)."""
    sellers, seller_id = SellerAccounts(pool), new_id("s")
    for i in range(strikes):
        await sellers.record_strike(strike(seller_id, at=T0 + timedelta(hours=i)))
    return seller_id


async def test_an_operator_reinstates_a_restricted_account_once_per_key(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), await struck(pg_pool, 2)
    request = reinstatement(seller_id)

    change = await sellers.reinstate(request)
    again = await sellers.reinstate(request)

    assert again == change
    assert (change.seller_id, change.from_status, change.to_status) == (seller_id, RESTRICTED, ACTIVE)
    assert (change.actor, change.reason, change.dispute_id) == (OPERATOR, request.reason, None)
    assert (await changes(pg_pool, seller_id))[-1] == ("restricted", "active", request.reason)
    assert len(await changes(pg_pool, seller_id)) == 3
    assert await pg_pool.fetchval("SELECT status FROM sellers WHERE seller_id = $1", seller_id) == "active"
    # The strikes stay in the window: the next one counts three and terminates the account.
    third = await sellers.record_strike(strike(seller_id, at=T0 + timedelta(days=1)))
    assert (third.previous_status, third.status) == (ACTIVE, TERMINATED)


@pytest.mark.parametrize(
    ("strikes", "lift_termination", "refusal"),
    [
        (0, False, "already active: there is no restriction to lift"),
        (3, False, '"lift_termination": true'),
    ],
    ids=["active", "terminated"],
)
async def test_a_reinstatement_with_nothing_to_lift_is_refused_for_good(
    pg_pool: asyncpg.Pool, strikes: int, lift_termination: bool, refusal: str
) -> None:
    sellers = SellerAccounts(pg_pool)
    seller_id = await struck(pg_pool, strikes) if strikes else new_id("s")  # unknown: active by default

    with pytest.raises(ApplicationError) as refused:
        await sellers.reinstate(reinstatement(seller_id, lift_termination=lift_termination))

    assert refused.value.type == "ActionRefused" and refused.value.non_retryable
    assert refusal in refused.value.message and seller_id in refused.value.message
    assert len(await changes(pg_pool, seller_id)) == strikes


async def test_a_termination_is_lifted_only_when_the_operator_says_so(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), await struck(pg_pool, 3)

    change = await sellers.reinstate(reinstatement(seller_id, lift_termination=True))

    assert (change.from_status, change.to_status) == (TERMINATED, ACTIVE)
    assert await pg_pool.fetchval("SELECT status FROM sellers WHERE seller_id = $1", seller_id) == "active"


async def test_concurrent_reinstatements_lift_once(pg_pool: asyncpg.Pool) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), await struck(pg_pool, 2)

    results = await asyncio.gather(
        *(sellers.reinstate(reinstatement(seller_id)) for _ in range(5)), return_exceptions=True
    )

    # The row lock lets one through; the others find nothing left to lift.
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, ApplicationError) for r in results if isinstance(r, BaseException))
    assert [c[:2] for c in await changes(pg_pool, seller_id)][-1] == ("restricted", "active")
    assert len(await changes(pg_pool, seller_id)) == 3
