"""Bad input: a clear 4xx naming what is wrong, and nothing created or changed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.intake import dispute_id_for
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, act, auth, get, intake_body, open_dispute
from workflows.models import Category, Channel
from workflows.sla_policy import SlaPolicy

Mutate = Callable[[Json], Any]


@dataclass(frozen=True)
class Bad:
    """``mutate`` spoils a valid intake body (or ``raw`` replaces it); ``names`` must appear in the answer."""

    names: tuple[str, ...]
    mutate: Mutate | None = None
    raw: str | None = None
    status: int = 422
    extra: dict[str, str] = field(default_factory=dict)


def without(*path: str) -> Mutate:
    def apply(body: Json) -> None:
        for key in path[:-1]:
            body = body[key]
        del body[path[-1]]

    return apply


def setting(value: Any, *path: str) -> Mutate:
    def apply(body: Json) -> None:
        for key in path[:-1]:
            body = body[key]
        body[path[-1]] = value

    return apply


FUTURE = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
DAYS_AGO_2 = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
DAYS_AGO_31 = (datetime.now(UTC) - timedelta(days=31)).isoformat()
YEARS_AHEAD = (datetime.now(UTC) + timedelta(days=800)).date().isoformat()

INTAKE_CASES = {
    "no customer": Bad(("customer", "Field required"), without("customer")),
    "customer unreachable": Bad(
        ("customer", "e-mail address or a phone number"),
        lambda b: [b["customer"].pop("email"), b["customer"].pop("phone")],
    ),
    "bad e-mail": Bad(("customer.email",), setting("amina@", "customer", "email")),
    "phone too short": Bad(
        ("customer.phone", "not a valid phone number"), setting("12345", "customer", "phone")
    ),
    "phone not a number": Bad(
        ("customer.phone", "not a phone number"), setting("call me", "customer", "phone")
    ),
    "unknown language": Bad(
        ("customer.language", "'fr', 'ar' or 'en'"), setting("de", "customer", "language")
    ),
    "unknown preferred channel": Bad(
        ("customer.preferred_channel", "'email', 'whatsapp' or 'sms'"),
        setting("pigeon", "customer", "preferred_channel"),
    ),
    "WhatsApp preferred without a phone": Bad(
        ("customer", "preferred_channel whatsapp needs the customer's phone number"),
        lambda b: [b["customer"].pop("phone"), b["customer"].update(preferred_channel="whatsapp")],
    ),
    "blank customer name": Bad(("customer.name",), setting("   ", "customer", "name")),
    "no customer id": Bad(("customer.id", "Field required"), without("customer", "id")),
    "customer not an object": Bad(("customer",), setting("Amina", "customer")),
    "unknown channel": Bad(("channel", "'phone', 'chat' or 'email'"), setting("fax", "channel")),
    "empty order id": Bad(("order_id",), setting("", "order_id")),
    "no seller": Bad(("seller_id", "Field required"), without("seller_id")),
    "seller id too long": Bad(("seller_id", "at most 128"), setting("S" * 129, "seller_id")),
    "unknown category": Bad(("category", "'not_delivered'", "'other'"), setting("colis ouvert", "category")),
    "description too long": Bad(("description", "at most 10000"), setting("d" * 10_001, "description")),
    "first contact in the future": Bad(("first_contact_at", "future"), setting(FUTURE, "first_contact_at")),
    "first contact without a time zone": Bad(
        ("first_contact_at", "timezone"), setting("2026-01-05T10:00:00", "first_contact_at")
    ),
    "first contact not a date": Bad(
        ("first_contact_at", "datetime"), setting("yesterday", "first_contact_at")
    ),
    "first contact in Unix time": Bad(
        ("first_contact_at", "ISO 8601"), setting(1_700_000_000, "first_contact_at")
    ),
    "first contact in Unix time, as text": Bad(
        ("first_contact_at", "ISO 8601"), setting("1700000000", "first_contact_at")
    ),
    "first contact at an offset of +23:59": Bad(
        ("first_contact_at", "UTC offset +23:59"), setting(f"{DAYS_AGO_2}+23:59", "first_contact_at")
    ),
    "first contact at an offset of +14:30": Bad(
        ("first_contact_at", "UTC offset +14:30"), setting(f"{DAYS_AGO_2}+14:30", "first_contact_at")
    ),
    "first contact 31 days ago": Bad(
        ("first_contact_at", "older than the policy's limit of 30 days (SLA_MAX_FIRST_CONTACT_AGE)"),
        setting(DAYS_AGO_31, "first_contact_at"),
    ),
    "first contact in 1970": Bad(
        ("first_contact_at", "1970-01-01T00:00:00Z is older than the policy's limit of 30 days"),
        setting("1970-01-01T00:00:00Z", "first_contact_at"),
    ),
    "external ref too long": Bad(("external_ref", "at most 200"), setting("r" * 201, "external_ref")),
    "unknown field": Bad(("priority", "Extra inputs are not permitted"), setting("high", "priority")),
    "body not JSON": Bad(("JSON decode error",), raw="{customer: nope"),
    "body a list": Bad(("body",), raw="[]"),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=name) for name, c in INTAKE_CASES.items()])
async def test_bad_intake_is_refused_and_creates_nothing(
    http: httpx.AsyncClient, keys: Keys, temporal_client: Client, case: Bad
) -> None:
    marker = f"S-bad-{uuid.uuid4().hex[:10]}"
    body = intake_body(keys, seller_id=marker, external_ref=f"bad-{uuid.uuid4().hex}")
    if case.mutate is not None:
        case.mutate(body)
    headers = auth(keys.intake) | {"Content-Type": "application/json"}
    if case.raw is not None:
        response = await http.post("/disputes", content=case.raw, headers=headers)
    else:
        response = await http.post("/disputes", json=body, headers=headers)
    assert response.status_code == case.status, response.text
    _names_everything(response, case.names)

    # Nothing was started: not under the id this reference would get, nor for this seller.
    if case.raw is None and "external_ref" not in case.names and "channel" not in case.names:
        dispute_id = dispute_id_for(Channel(body["channel"]), body["external_ref"])
        with pytest.raises(RPCError) as missing:
            await temporal_client.get_workflow_handle(f"dispute-{dispute_id}").describe()
        assert missing.value.status == RPCStatusCode.NOT_FOUND
    assert (await temporal_client.count_workflows(f'SellerId = "{marker}"')).count == 0


async def test_a_category_not_in_the_list_is_refused_naming_every_allowed_one(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    body = intake_body(keys, category="colis ouvert", external_ref=f"bad-{uuid.uuid4().hex}")
    response = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["body", "category"], "enum")
    assert all(f"'{category.value}'" in error["msg"] for category in Category), error["msg"]
    assert "colis" not in response.text


ACTION_CASES = {
    "unknown outcome": ("resolve", {"outcome": "cash", "summary": "x"}, {}, ("outcome", "'refund'")),
    "resolve without summary": ("resolve", {"outcome": "refund"}, {}, ("summary", "Field required")),
    "no questions": ("information-requests", {"questions": []}, {}, ("questions", "at least 1")),
    "too many questions": (
        "information-requests",
        {"questions": [f"Q{i}?" for i in range(21)]},
        {},
        ("questions", "at most 20"),
    ),
    "blank question": ("information-requests", {"questions": [" "]}, {}, ("questions.0",)),
    "empty escalation reason": ("escalate", {"reason": ""}, {}, ("reason",)),
    "empty idempotency key": (
        "escalate",
        {"reason": "Why not."},
        {"Idempotency-Key": ""},
        ("Idempotency-Key",),
    ),
}


@pytest.mark.parametrize(
    ("action", "body", "headers", "names"),
    [pytest.param(*case, id=name) for name, case in ACTION_CASES.items()],
)
async def test_bad_action_is_refused_and_changes_nothing(
    http: httpx.AsyncClient,
    keys: Keys,
    action: str,
    body: Json,
    headers: dict[str, str],
    names: tuple[str, ...],
) -> None:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    response = await http.post(
        f"/disputes/{dispute_id}/{action}", json=body, headers=auth(keys.operator) | headers
    )
    assert response.status_code == 422, response.text
    _names_everything(response, names)
    view = await get(http, keys.operator, dispute_id)
    assert ([e["kind"] for e in view["history"]], view["tier"]) == (["opened"], 1)


READ_CASES = {
    "unknown status filter": ("/disputes?status=lost", 422, ("status", "'open'")),
    "page too large": ("/disputes?limit=1000", 422, ("limit", "less than or equal to 100")),
    "forged cursor": ("/disputes?cursor=bm9wZQ", 422, ("cursor", "not a cursor")),
    "opened_from not a date": ("/disputes?opened_from=yesterday", 422, ("opened_from",)),
    "opened_to in Unix time": ("/disputes?opened_to=0.5", 422, ("opened_to", "YYYY-MM-DD")),
    "opened_from a datetime": (
        "/disputes?opened_from=2026-03-01T00:00:00Z",
        422,
        ("opened_from", "YYYY-MM-DD"),
    ),
    "opened_from before 2000": ("/disputes?opened_from=1999-12-31", 422, ("opened_from", "2000-01-01")),
    "opened_to years ahead": (f"/disputes?opened_to={YEARS_AHEAD}", 422, ("opened_to", "a year from today")),
    "report from Unix time": ("/reports/sla?from=1700000000&to=2026-03-02", 422, ("from", "date")),
    "report to at +23:59": (
        "/reports/sla?from=2026-03-01&to=2026-03-02T00:00:00%2B23:59",
        422,
        ("to", "UTC offset +23:59"),
    ),
    "report from before 2000": ("/reports/sla?from=1970-01-01&to=1970-01-02", 422, ("from", "2000-01-01")),
    "tier out of range": ("/disputes?tier=4", 422, ("tier",)),
    "malformed dispute id": ("/disputes/not%20an%20id", 422, ("dispute_id",)),
    "unknown dispute": (f"/disputes/{uuid.uuid4().hex}", 404, ("No dispute",)),
}


@pytest.mark.parametrize(
    ("path", "status", "names"), [pytest.param(*case, id=name) for name, case in READ_CASES.items()]
)
async def test_bad_read_is_a_clear_4xx(
    http: httpx.AsyncClient, keys: Keys, path: str, status: int, names: tuple[str, ...]
) -> None:
    response = await http.get(path, headers=auth(keys.operator))
    assert response.status_code == status, response.text
    _names_everything(response, names)


async def test_acting_on_an_unknown_dispute_is_404(http: httpx.AsyncClient, keys: Keys) -> None:
    dispute_id = uuid.uuid4().hex
    response = await http.post(
        f"/disputes/{dispute_id}/escalate", json={"reason": "x"}, headers=auth(keys.operator)
    )
    assert response.status_code == 404
    assert response.json()["detail"] == f"No dispute {dispute_id}."


async def test_a_first_contact_within_the_policys_limit_opens_the_dispute(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    first = datetime.now(UTC) - timedelta(days=29)
    created = await open_dispute(http, keys, first_contact_at=first.isoformat())
    assert datetime.fromisoformat(created["first_contact_at"]) == first


async def test_the_first_contact_limit_is_the_policy_the_app_runs_with(
    http: httpx.AsyncClient, keys: Keys, api_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_app.state.resources, "policy", SlaPolicy(max_first_contact_age=timedelta(days=2)))
    three_days = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    body = intake_body(keys, first_contact_at=three_days)
    response = await http.post("/disputes", json=body, headers=auth(keys.intake))
    assert response.status_code == 422, response.text
    _names_everything(response, ("first_contact_at", "older than the policy's limit of 2 days"))
    one_day = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (await open_dispute(http, keys, first_contact_at=one_day))["first_contact_at"]


def _names_everything(response: httpx.Response, names: tuple[str, ...]) -> None:
    """Every one of ``names`` appears in the answer: a field's dotted location or words of the message."""
    detail = response.json()["detail"]
    if isinstance(detail, list):
        text = " ".join(
            ".".join(str(part) for part in item["loc"][1:]) + " " + item["loc"][0] + " " + item["msg"]
            for item in detail
        )
    else:
        text = str(detail)
    for name in names:
        assert name in text, f"{name!r} not in {text!r}"


# --- A 422 never repeats the request. ---

SECRET = "Zq7-private"  # in every spoiled value below: it must not come back in the answer


def _spoiled_intake(keys: Keys) -> Json:
    body = intake_body(keys, external_ref=f"bad-{uuid.uuid4().hex}")
    body["customer"] |= {
        "name": SECRET * 40,  # too long
        "email": f"{SECRET}@mar_ker.ma",  # email-validator's reason quotes the characters it refuses
        "phone": f"{SECRET} 42",
        "language": SECRET,
    }
    return body | {
        "channel": SECRET,
        "category": SECRET * 20,
        "first_contact_at": SECRET,
        "order_id": {"id": SECRET},
        "urgency": SECRET,
    }


async def test_a_422_names_each_field_and_never_repeats_what_was_sent(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    response = await http.post("/disputes", json=_spoiled_intake(keys), headers=auth(keys.intake))
    assert response.status_code == 422, response.text
    assert SECRET not in response.text
    detail = response.json()["detail"]
    assert all(set(error) == {"loc", "msg", "type"} for error in detail), detail
    named = {".".join(str(part) for part in error["loc"][1:]) for error in detail}
    assert named >= {
        "customer.name", "customer.email", "customer.phone", "customer.language", "channel", "category",
        "first_contact_at", "order_id", "urgency",
    }  # fmt: skip
    email = next(error for error in detail if error["loc"] == ["body", "customer", "email"])
    assert email["msg"] == "Value error, not a valid e-mail address; write it as name@example.ma"

    dispute_id = (await open_dispute(http, keys))["dispute_id"]
    resolve = await act(http, keys.operator, dispute_id, "resolve", {"outcome": SECRET, "summary": SECRET})
    assert resolve.status_code == 422
    assert SECRET not in resolve.text
    assert [error["loc"] for error in resolve.json()["detail"]] == [["body", "outcome"]]


async def test_a_lone_surrogate_gets_a_422_that_renders(http: httpx.AsyncClient, keys: Keys) -> None:
    """JSON can carry half a UTF-16 pair (``"\\ud800"``), which UTF-8 cannot encode: the answer must."""
    headers = auth(keys.intake) | {"Content-Type": "application/json"}
    in_a_field = intake_body(keys)
    in_a_field["customer"]["language"] = "x\ud800y"
    in_a_name = intake_body(keys) | {"sp\ud800ecial": 1}
    for body, loc in ((in_a_field, ["body", "customer", "language"]), (in_a_name, ["body"])):
        # json.dumps escapes the surrogate (ensure_ascii), as a client sends it
        response = await http.post("/disputes", content=json.dumps(body), headers=headers)
        assert response.status_code == 422, response.text
        assert loc in [error["loc"] for error in response.json()["detail"]]
