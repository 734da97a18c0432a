"""The customer's acknowledgement carries the dispute's private link, written at delivery time from
PostgreSQL and the secret: the link the page answers, clickable in the HTML part, in every language; and no
link where there is none in force (or none the worker can write), nor in anyone else's message."""

from __future__ import annotations

import asyncpg
import pytest

from activities.delivery import Deliveries
from api import customer_link_store
from api.references import generate
from infra.customer_links import PATH, CustomerLinkSettings
from infra.delivery_settings import DeliverySettings
from tests.delivery.factories import add_seller, open_dispute, queue
from tests.delivery.servers import SmtpSink
from workflows.delivery import DeliveryResult
from workflows.events import RecipientKind
from workflows.models import Language

LINKS = CustomerLinkSettings(
    customer_link_secret="delivery-tests-secret-of-32-characters-or-more",
    public_base_url="https://litiges.jamla24.test",
)
BASE = f"{LINKS.public_base_url}{PATH}/"


@pytest.fixture
def with_links(pg_pool: asyncpg.Pool, settings: DeliverySettings) -> Deliveries:
    return Deliveries.from_settings(pg_pool, settings, LINKS)


def link_in(text: str) -> str | None:
    found = [line.strip() for line in text.splitlines() if line.strip().startswith(BASE)]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize("language", list(Language))
async def test_the_acknowledgement_carries_the_link_the_page_answers(
    pg_pool: asyncpg.Pool, with_links: Deliveries, smtp: SmtpSink, language: Language
) -> None:
    dispute_id, customer, _ = await open_dispute(pg_pool, language=language, reference=generate())
    assert await customer_link_store.issue(pg_pool, dispute_id, LINKS)
    key = await queue(
        pg_pool, dispute_id, "acknowledgement", RecipientKind.CUSTOMER, customer.id, customer=customer
    )

    assert await with_links.deliver(key) == DeliveryResult(status="sent", channels=["email"])

    [mail] = smtp.mails
    link = link_in(mail.part("plain"))
    assert link is not None
    assert await customer_link_store.dispute_of(pg_pool, link.removeprefix(BASE)) == dispute_id
    assert f'<a href="{link}"' in mail.part("html")
    # Nothing of it was queued: the outbox row holds no link, only what the workflow gave.
    queued = await pg_pool.fetchval("SELECT data::text FROM notifications WHERE dispute_id = $1", dispute_id)
    assert link.removeprefix(BASE) not in queued


async def test_no_link_when_none_is_in_force_or_the_worker_has_no_secret(
    pg_pool: asyncpg.Pool, with_links: Deliveries, deliveries: Deliveries, smtp: SmtpSink
) -> None:
    # A dispute opened before links (or with links off at intake).
    never, customer, _ = await open_dispute(pg_pool)
    # A dispute whose link an operator revoked.
    revoked, other, _ = await open_dispute(pg_pool)
    await customer_link_store.issue(pg_pool, revoked, LINKS)
    await customer_link_store.revoke(pg_pool, revoked, "ops-1")
    # A dispute with a link, delivered by a worker without the secret.
    unwritable, third, _ = await open_dispute(pg_pool)
    await customer_link_store.issue(pg_pool, unwritable, LINKS)

    for dispute_id, who, sender in (
        (never, customer, with_links),
        (revoked, other, with_links),
        (unwritable, third, deliveries),
    ):
        kind, to = "acknowledgement", RecipientKind.CUSTOMER
        key = await queue(pg_pool, dispute_id, kind, to, who.id, customer=who)
        assert await sender.deliver(key) == DeliveryResult(status="sent", channels=["email"])

    assert len(smtp.mails) == 3
    for mail in smtp.mails:
        assert PATH + "/" not in mail.part("plain") and "<a href" not in mail.part("html")


async def test_the_seller_never_gets_the_customers_link(
    pg_pool: asyncpg.Pool, with_links: Deliveries, smtp: SmtpSink
) -> None:
    seller_id = await add_seller(pg_pool)
    dispute_id, _, _ = await open_dispute(pg_pool, seller_id=seller_id, description="Not delivered.")
    await customer_link_store.issue(pg_pool, dispute_id, LINKS)
    notice, respond_by = "complaint_notice", "2025-04-05T10:00:00Z"
    key = await queue(pg_pool, dispute_id, notice, RecipientKind.SELLER, seller_id, respond_by=respond_by)

    await with_links.deliver(key)

    assert smtp.mails and all(PATH + "/" not in mail.part("plain") for mail in smtp.mails)
