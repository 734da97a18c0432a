"""The seller directory through the API: the marketplace and operators keep it (``PUT /sellers/{id}``),
operators, the marketplace and the seller itself read it, another seller learns nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from api.auth import KeyRole, create_key
from api.deps import get_policy
from tests.delivery.servers import Mail, SmtpSink
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, act, auth, eventually, get, open_dispute
from workflows.sla_policy import SlaPolicy

ENTRY: Json = {
    "name": "Souk Nour",
    "email": "owner@souk-nour.ma",
    "phone": "06 61 40 61 36",
    "language": "ar",
    "customer_contact": {"name": "Souk Nour", "email": "service@souk-nour.ma", "phone": "05 22 00 00 00"},
    "webhook_url": "https://souk-nour.ma/jamla24/events",
}
STORED: Json = {
    "name": "Souk Nour",
    "email": "owner@souk-nour.ma",
    "phone": "+212661406136",
    "language": "ar",
    "customer_contact": {"name": "Souk Nour", "email": "service@souk-nour.ma", "phone": "+212522000000"},
    "webhook_url": "https://souk-nour.ma/jamla24/events",
}


@pytest.fixture
def marketplace(keys: Keys) -> str:
    return keys.marketplace


async def put(http: httpx.AsyncClient, token: str, seller_id: str, body: Json) -> httpx.Response:
    return await http.put(f"/sellers/{seller_id}", json=body, headers=auth(token))


def entry(response: httpx.Response) -> Json:
    contact: Json = response.json()["contact"]
    return {k: v for k, v in contact.items() if k != "updated_at"}


async def test_the_marketplace_creates_an_entry_and_the_same_entry_again_changes_nothing(
    http: httpx.AsyncClient, marketplace: str, keys: Keys
) -> None:
    seller_id = f"S-{uuid.uuid4().hex[:10]}"

    created = await put(http, marketplace, seller_id, ENTRY)
    again = await put(http, marketplace, seller_id, ENTRY)

    assert created.status_code == 201, created.text
    assert (created.json()["seller_id"], created.json()["status"]) == (seller_id, "active")
    assert entry(created) == STORED and created.json()["contact"]["updated_at"]
    assert again.status_code == 200, again.text
    assert again.json() == created.json()  # updated_at included: nothing changed
    read = await http.get(f"/sellers/{seller_id}", headers=auth(keys.operator))
    assert read.status_code == 200 and read.json() == created.json()


async def test_an_operator_updates_an_entry_and_a_field_left_out_is_cleared(
    http: httpx.AsyncClient, marketplace: str, keys: Keys
) -> None:
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    assert (await put(http, marketplace, seller_id, ENTRY)).status_code == 201

    updated = await put(http, keys.operator, seller_id, {"name": "Souk Nour SARL", "language": "en"})

    assert updated.status_code == 200, updated.text
    assert entry(updated) == {
        "name": "Souk Nour SARL", "email": None, "phone": None, "language": "en",
        "customer_contact": {"name": None, "email": None, "phone": None}, "webhook_url": None,
    }  # fmt: skip
    read = await http.get(f"/sellers/{seller_id}", headers=auth(marketplace))
    assert read.status_code == 200 and entry(read) == entry(updated)


async def test_a_seller_reads_its_own_entry_and_another_seller_nothing(
    http: httpx.AsyncClient, marketplace: str, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    _, token = await create_key(pg_pool, KeyRole.SELLER, f"seller-{seller_id}", seller_id=seller_id)
    assert (await put(http, marketplace, seller_id, ENTRY)).status_code == 201

    own = await http.get(f"/sellers/{seller_id}", headers=auth(token))
    theirs = await http.get(f"/sellers/{seller_id}", headers=auth(keys.other_seller))

    assert own.status_code == 200, own.text
    assert entry(own) == STORED
    assert theirs.status_code == 403
    assert "owner@souk-nour.ma" not in theirs.text and "Souk" not in theirs.text


@pytest.mark.parametrize("who", ["seller", "intake", "agent3"])
async def test_only_the_marketplace_and_operators_keep_the_directory(
    http: httpx.AsyncClient, keys: Keys, who: str
) -> None:
    response = await put(http, getattr(keys, who), keys.seller_id, ENTRY)
    assert response.status_code == 403
    assert "marketplace or operator" in response.json()["detail"]


async def test_the_marketplace_acts_on_no_dispute(http: httpx.AsyncClient, marketplace: str) -> None:
    response = await http.get("/disputes", headers=auth(marketplace))
    assert response.status_code == 403


async def test_a_bad_entry_is_refused_naming_each_field_and_never_its_value(
    http: httpx.AsyncClient, marketplace: str, pg_pool: asyncpg.Pool
) -> None:
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    response = await put(
        http,
        marketplace,
        seller_id,
        {
            "name": "Souk\rNour",
            "email": "owner-at-souk",
            "customer_contact": {"phone": "not 4 phone"},
            "webhook_url": "http://souk-nour.ma/hooks",
        },
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["body", "name"], ["body", "email"], ["body", "customer_contact", "phone"], ["body", "webhook_url"],
    ]  # fmt: skip
    for value in ("owner-at-souk", "not 4 phone", "souk-nour.ma/hooks"):
        assert value not in response.text
    assert await pg_pool.fetchval("SELECT count(*) FROM sellers WHERE seller_id = $1", seller_id) == 0


@pytest.fixture
def short_seller_window(api_app: FastAPI) -> Iterator[None]:
    """New disputes give the seller 1 s (its efforts end at 2 s); the other clocks keep their days."""
    policy = SlaPolicy(seller_response_window=timedelta(seconds=1))
    api_app.dependency_overrides[get_policy] = lambda: policy
    yield
    del api_app.dependency_overrides[get_policy]


def mails_about(mail_server: SmtpSink, reference: str, address: str) -> list[Mail]:
    return [m for m in mail_server.mails if address in m.rcpt_tos and reference in str(m.message["Subject"])]


async def test_an_arabic_seller_gets_its_complaint_notice_in_arabic_at_its_directory_address(
    http: httpx.AsyncClient, keys: Keys, mail_server: SmtpSink
) -> None:
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    address = f"{seller_id.lower()}@souk-nour.ma"
    entry = {"name": "Souk Nour", "email": address, "language": "ar"}
    assert (await put(http, keys.marketplace, seller_id, entry)).status_code == 201

    # The customer writes in French: the seller still reads Arabic.
    reference = (await open_dispute(http, keys, seller_id=seller_id))["reference"]

    async def notice() -> list[Mail]:
        return mails_about(mail_server, reference, address)

    [mail] = await eventually(notice, within=20)
    assert "شكوى من أحد العملاء" in str(mail.message["Subject"])
    assert mail.message["Content-Language"] == "ar"
    assert "Souk Nour" in mail.part("plain")


@pytest.mark.usefixtures("short_seller_window")
async def test_the_customer_receives_the_customer_facing_details_of_the_directory(
    http: httpx.AsyncClient, keys: Keys, mail_server: SmtpSink
) -> None:
    # Jamla24 has no channel to this seller (unreachable: its efforts end), but customers may be given
    # the shop's service line; the owner's mobile, Jamla24's own contact, never goes to them.
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    entry = {
        "name": "Souk Nour",
        "phone": "06 61 40 61 36",
        "customer_contact": {"name": "Souk Nour (service client)", "email": "service@souk-nour.ma",
                             "phone": "05 22 00 00 00"},
    }  # fmt: skip
    assert (await put(http, keys.operator, seller_id, entry)).status_code == 201
    created = await open_dispute(http, keys, seller_id=seller_id)
    dispute_id, reference = created["dispute_id"], created["reference"]

    async def ended() -> bool:
        return bool((await get(http, keys.intake, dispute_id))["seller_efforts"] == "unreachable")

    await eventually(ended, within=20)
    response = await act(http, keys.intake, dispute_id, "seller-contact")
    assert response.status_code == 200, response.text

    async def released() -> list[Mail]:
        found = mails_about(mail_server, reference, "amina@example.ma")
        return [m for m in found if str(m.message["Subject"]).endswith("Les coordonnées du vendeur")]

    [mail] = await eventually(released, within=20)
    text = mail.part("plain")
    assert "Souk Nour (service client)" in text
    assert "service@souk-nour.ma" in text and "+212522000000" in text
    assert "+212661406136" not in text  # Jamla24's own line to the seller


async def test_a_seller_rotates_its_own_webhook_secret_and_no_one_reads_it_back(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    _, token = await create_key(pg_pool, KeyRole.SELLER, f"seller-{seller_id}", seller_id=seller_id)
    url = f"/sellers/{seller_id}/webhook-secrets"

    first = await http.post(url, headers=auth(token))
    second = await http.post(url, headers=auth(keys.marketplace))
    third = await http.post(url, headers=auth(keys.operator))

    assert [r.status_code for r in (first, second, third)] == [201, 201, 201], third.text
    assert [r.json()["signing"] for r in (first, second, third)] == [1, 2, 2]
    secrets = [r.json()["secret"] for r in (first, second, third)]
    assert len(set(secrets)) == 3 and all(s.startswith("whsec_") for s in secrets)
    account = await http.get(f"/sellers/{seller_id}", headers=auth(keys.operator))
    assert not [s for s in secrets if s in account.text]
    stored = await pg_pool.fetch(
        "SELECT secret FROM seller_webhook_secrets WHERE seller_id = $1 ORDER BY id", seller_id
    )
    assert [row["secret"] for row in stored] == secrets[1:]  # the two newest sign; the first is gone
    refused = [
        await http.post(url, headers=auth(keys.other_seller)),
        await http.post(url, headers=auth(keys.agent3)),
        await http.post(url, headers=auth(keys.intake)),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
