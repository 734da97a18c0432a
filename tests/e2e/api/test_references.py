"""A dispute's reference through the API, on the real stack: given at intake, accepted wherever an id is,
told to the customer, shown in Temporal."""

from __future__ import annotations

import json
import logging
import uuid

import asyncpg
import httpx
import pytest
from temporalio.client import Client

from api import dispute_reads, intake
from api.intake import build_input
from api.references import ALPHABET, PREFIX, check_symbol, parse
from api.schemas import IntakeRequest
from infra.settings import TASK_QUEUE
from tests.delivery.servers import SmtpSink
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, act, auth, eventually, get, intake_body, open_dispute
from workflows.models import Actor, Role
from workflows.sla_policy import SlaPolicy


def unknown_reference() -> str:
    """A reference that checks, and that no dispute has (its body from a fresh uuid)."""
    body = "".join(ALPHABET[b % 32] for b in uuid.uuid4().bytes[:7])
    return f"{PREFIX}{body}{check_symbol(body)}"


def misspelt(reference: str) -> str:
    """The reference with its last symbol (the check) replaced by another."""
    wrong = ALPHABET[(ALPHABET.index(reference[-1]) + 1) % 32]
    return reference[:-1] + wrong


def spellings(reference: str) -> list[str]:
    """How a person may type it: as given, lower case, without the dash, without the prefix, with spaces."""
    symbols = reference.removeprefix(PREFIX)
    return [
        reference,
        reference.lower(),
        f"j24{symbols.lower()}",
        symbols,
        f"J24 {symbols[:4]} {symbols[4:]}",
    ]


async def test_intake_gives_a_reference_and_a_retry_the_same_one(http: httpx.AsyncClient, keys: Keys) -> None:
    body = intake_body(keys, external_ref=f"chat-{uuid.uuid4().hex[:8]}")
    first = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert first.status_code == 201, first.text
    reference = first.json()["reference"]
    assert parse(reference) == reference and reference.startswith("J24-") and len(reference) == 12

    again = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert again.status_code == 200, again.text
    assert (again.json()["dispute_id"], again.json()["reference"]) == (first.json()["dispute_id"], reference)
    # Another intake, another reference.
    assert (await open_dispute(http, keys))["reference"] != reference


async def test_a_dispute_reads_the_same_by_its_reference_however_typed(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    created = await open_dispute(http, keys)
    dispute_id, reference = created["dispute_id"], created["reference"]
    by_id = await get(http, keys.operator, dispute_id)
    assert (by_id["dispute_id"], by_id["reference"]) == (dispute_id, reference)

    for typed in spellings(reference):
        view = await get(http, keys.operator, typed)
        assert (view["dispute_id"], view["reference"], view["workflow_id"]) == (
            dispute_id,
            reference,
            f"dispute-{dispute_id}",
        ), typed
        assert view["history"] == by_id["history"]


async def test_an_action_takes_a_reference_for_the_id(http: httpx.AsyncClient, keys: Keys) -> None:
    created = await open_dispute(http, keys)
    response = await act(http, keys.agent1, created["reference"], "escalate", {"reason": "Needs the team."})
    assert response.status_code == 200, response.text
    assert (response.json()["dispute_id"], response.json()["tier"]) == (created["dispute_id"], 2)

    lower = created["reference"].lower().replace("-", "")
    response = await act(http, keys.agent2, lower, "findings", {"findings": "The carrier lost it."})
    assert response.status_code == 200, response.text
    assert (await get(http, keys.operator, created["dispute_id"]))["findings"] == "The carrier lost it."


async def test_a_list_shows_each_disputes_reference(http: httpx.AsyncClient, keys: Keys) -> None:
    created = await open_dispute(http, keys, seller_id=f"S-{uuid.uuid4().hex[:8]}")
    seller_id = created["seller_id"]

    async def listed() -> list[Json]:
        response = await http.get("/disputes", params={"seller_id": seller_id}, headers=auth(keys.operator))
        assert response.status_code == 200, response.text
        items: list[Json] = response.json()["items"]
        return items

    [item] = await eventually(listed)
    assert (item["dispute_id"], item["reference"]) == (created["dispute_id"], created["reference"])


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_reference_that_does_not_check_is_a_422_naming_the_path(
    http: httpx.AsyncClient, keys: Keys, method: str
) -> None:
    reference = (await open_dispute(http, keys))["reference"]
    wrong = misspelt(reference)
    if method == "GET":
        response = await http.get(f"/disputes/{wrong}", headers=auth(keys.operator))
    else:
        response = await act(http, keys.operator, wrong, "escalate", {"reason": "Needs the team."})
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["path", "dispute_id"]
    assert "does not check" in error["msg"]
    assert reference[4:] not in response.text and wrong[4:] not in response.text
    assert (await get(http, keys.operator, reference))["tier"] == 1  # nothing happened


async def test_an_unknown_reference_is_answered_as_an_unknown_id(http: httpx.AsyncClient, keys: Keys) -> None:
    unknown, missing_id = unknown_reference(), uuid.uuid4().hex
    response = await http.get(f"/disputes/{unknown}", headers=auth(keys.operator))
    assert (response.status_code, response.json()["detail"]) == (404, f"No dispute {unknown}.")
    response = await act(http, keys.agent1, unknown.lower(), "escalate", {"reason": "Needs the team."})
    assert (response.status_code, response.json()["detail"]) == (404, f"No dispute {unknown}.")

    # A seller cannot tell it from another seller's dispute, nor from an unknown id.
    theirs = (await open_dispute(http, keys, seller_id=keys.other_seller_id))["reference"]
    answers = []
    for named in (unknown, theirs, missing_id):
        response = await http.get(f"/disputes/{named}", headers=auth(keys.seller))
        answers.append((response.status_code, response.json()["detail"].replace(named, "<named>")))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 403


@pytest.mark.parametrize("route", ["POST escalate", "POST withdraw", "DELETE customer-link"])
async def test_a_key_that_may_not_act_learns_nothing_of_the_dispute_it_names(
    http: httpx.AsyncClient, keys: Keys, route: str
) -> None:
    """Its role is refused before the dispute is looked up: a seller on an agent's, a customer's or an
    operator's route gets the same 403 for another seller's dispute, by reference or id, as for one that
    does not exist."""
    method, path = route.split()
    theirs = await open_dispute(http, keys, seller_id=keys.other_seller_id)
    answers = set()
    for named in (theirs["reference"], theirs["dispute_id"], unknown_reference(), uuid.uuid4().hex):
        body = {"reason": "Not mine."} if method == "POST" else None
        response = await http.request(
            method, f"/disputes/{named}/{path}", json=body, headers=auth(keys.seller)
        )
        answers.add((response.status_code, response.json()["detail"].replace(named, "<named>")))
    assert len(answers) == 1, answers
    [(status, _)] = answers
    assert status == 403


async def test_a_key_that_may_not_read_disputes_is_refused_before_the_path_is_read(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    wrong = misspelt((await open_dispute(http, keys))["reference"])
    response = await http.get(f"/disputes/{wrong}", headers=auth(keys.marketplace))
    assert response.status_code == 403, response.text  # not the 422 an operator gets for it


async def test_a_seller_reads_and_answers_its_own_dispute_by_its_reference(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    reference = (await open_dispute(http, keys))["reference"]
    assert (await get(http, keys.seller, reference.lower()))["reference"] == reference
    response = await act(http, keys.seller, reference, "seller-response", {"message": "Shipped again."})
    assert response.status_code == 200, response.text
    assert response.json()["seller_efforts"] == "responded"
    response = await act(http, keys.other_seller, reference, "seller-response", {"message": "Not mine."})
    assert response.status_code == 403


async def test_the_acknowledgement_tells_the_customer_the_reference(
    http: httpx.AsyncClient, keys: Keys, mail_server: SmtpSink
) -> None:
    address = f"amina-{uuid.uuid4().hex[:8]}@example.ma"
    customer = intake_body(keys)["customer"] | {"email": address}
    created = await open_dispute(http, keys, customer=customer)
    dispute_id, reference = created["dispute_id"], created["reference"]

    async def acknowledged() -> list[str]:
        return [
            mail.part("plain")
            for mail in mail_server.mails
            if address in mail.rcpt_tos and reference in str(mail.message["Subject"])
        ]

    [text] = await eventually(acknowledged)
    assert reference in text and dispute_id not in text


async def test_temporal_shows_the_reference_in_the_workflows_summary(
    http: httpx.AsyncClient, keys: Keys, temporal_client: Client
) -> None:
    created = await open_dispute(http, keys)
    description = await dispute_reads.describe(temporal_client, created["dispute_id"])
    assert description is not None
    summary = await description.static_summary()
    assert summary is not None
    assert summary.startswith(f"dispute {created['reference']} (id {created['dispute_id']}): chat complaint")
    assert "Amina" not in summary


async def test_the_access_log_names_the_dispute_by_its_id(
    http: httpx.AsyncClient, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    created = await open_dispute(http, keys)
    caplog.set_level(logging.INFO, logger="api.access")
    await get(http, keys.operator, created["reference"].lower())
    [line] = [record for record in caplog.records if record.name == "api.access"]
    assert getattr(line, "dispute_id", None) == created["dispute_id"]
    assert created["reference"].lower() not in json.dumps(line.__dict__, default=str)


async def test_a_dispute_opened_before_references_keeps_its_id_and_gets_none(
    http: httpx.AsyncClient, keys: Keys, temporal_client: Client, pg_pool: asyncpg.Pool
) -> None:
    body = intake_body(keys, external_ref=f"chat-{uuid.uuid4().hex[:8]}")
    older = build_input(IntakeRequest.model_validate(body), SlaPolicy(), Actor(role=Role.INTAKE, id="chat"))
    await intake.open_dispute(temporal_client, older, TASK_QUEUE)  # as the API started disputes before
    assert older.reference is None

    retried = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert retried.status_code == 200, retried.text
    assert (retried.json()["dispute_id"], retried.json()["reference"]) == (older.dispute_id, None)
    assert (await get(http, keys.operator, older.dispute_id))["reference"] is None
    # The reference the retry was given on the way is taken back: none names the dispute.
    count = "SELECT count(*) FROM dispute_references WHERE dispute_id = $1"
    assert await pg_pool.fetchval(count, older.dispute_id) == 0
