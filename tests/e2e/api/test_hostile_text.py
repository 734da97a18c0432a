"""Text that cannot be stored or shown, in every text the API takes: a 422 naming where, nothing done.

The table is built from the app itself: every route of its OpenAPI schema, each of its path, query and
header parameters, and every field of its request body that travels as a JSON string (walked through
the body's model, nested models and lists included). A new route, parameter or field is in it without
anyone having to remember; ``test_the_table_covers_every_text_field_of_every_request_model`` fails if a
request model is not reachable from a route.
"""

from __future__ import annotations

import copy
import json
import types
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api import schemas
from api.app import create_app
from api.deps import API_KEY_HEADER, CHECKED_HEADERS
from api.intake import dispute_id_for
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, auth, eventually, open_dispute
from workflows.models import Channel

HOSTILE = {"NUL": "\x00", "lone surrogate": "\ud800", "escape": "\x1b"}

Where = Literal["body", "path", "query", "header"]
Loc = tuple[str | int, ...]

# Who may call each route: the text checks come first for parameters, but a body is validated after the
# key's role is checked. A route missing here fails test_every_route_is_in_the_table.
ROLE = {
    ("POST", "/disputes"): "intake",
    ("GET", "/disputes"): "operator",
    ("GET", "/disputes/{dispute_id}"): "operator",
    ("POST", "/disputes/{dispute_id}/resolve"): "operator",
    ("POST", "/disputes/{dispute_id}/escalate"): "operator",
    ("POST", "/disputes/{dispute_id}/information-requests"): "operator",
    ("POST", "/disputes/{dispute_id}/information"): "intake",
    ("POST", "/disputes/{dispute_id}/findings"): "operator",
    ("POST", "/disputes/{dispute_id}/seller-response"): "seller",
    ("POST", "/disputes/{dispute_id}/seller-flags"): "operator",
    ("POST", "/disputes/{dispute_id}/seller-contact"): "intake",
    ("POST", "/disputes/{dispute_id}/withdraw"): "intake",
    ("POST", "/disputes/{dispute_id}/seller-contact-attempts"): "operator",
    ("DELETE", "/disputes/{dispute_id}/customer-link"): "operator",
    ("GET", "/sellers/{seller_id}"): "operator",
    ("PUT", "/sellers/{seller_id}"): "marketplace",
    ("POST", "/sellers/{seller_id}/webhook-secrets"): "marketplace",
    ("POST", "/sellers/{seller_id}/reinstate"): "operator",
    ("GET", "/reports/sla"): "operator",
    ("POST", "/customers/{customer_id}/erasure"): "operator",
    ("GET", "/erasures"): "operator",
    ("GET", "/contact-reads"): "operator",
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/metrics"): None,
    ("GET", "/webhooks/whatsapp"): None,  # signed by Meta, or its verify token: no API key
    ("POST", "/webhooks/whatsapp"): None,
}
# Valid values of the required query parameters, so that only the spoiled one is wrong.
REQUIRED_QUERY = {"/reports/sla": {"from": "2026-03-01", "to": "2026-03-02"}}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: type[BaseModel] | None
    params: tuple[tuple[Where, str], ...]  # path, query and header parameters, the API key's header too


@dataclass(frozen=True)
class Case:
    route: Route
    where: Where
    loc: Loc  # the spoiled text's place: a parameter's name, or a body field's path
    bad: str

    @property
    def expected_loc(self) -> list[str | int]:
        return [self.where, *self.loc]


def _model_of(schema: dict[str, Any] | None) -> type[BaseModel] | None:
    if schema is None:
        return None
    refs = [schema, *schema.get("anyOf", [])]
    names = [ref["$ref"].rsplit("/", 1)[1] for ref in refs if "$ref" in ref]
    model = getattr(schemas, names[0])
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


def routes(app: FastAPI) -> list[Route]:
    """Every route of the app's OpenAPI schema, with its body's model and its parameters."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            params: list[tuple[Where, str]] = [(p["in"], p["name"]) for p in operation.get("parameters", [])]
            if operation.get("security"):
                params.append(("header", API_KEY_HEADER))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            found.append(Route(method.upper(), path, _model_of(body.get("schema")), tuple(params)))
    return found


# A place in a body: its path, and the model and field it belongs to.
Place = tuple[Loc, type[BaseModel], str]


def _json_strings(annotation: Any, loc: Loc, owner: type[BaseModel], name: str) -> Iterator[Place]:
    """The places under ``annotation`` (``owner``'s field ``name``) whose values travel as JSON strings."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _json_strings(get_args(annotation)[0], loc, owner, name)
    elif origin in (Union, types.UnionType):
        for option in get_args(annotation):
            yield from _json_strings(option, loc, owner, name)
    elif origin is list:
        yield from _json_strings(get_args(annotation)[0], (*loc, 0), owner, name)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield from _places(annotation, loc)
    elif isinstance(annotation, type) and issubclass(annotation, str | datetime | date):
        yield loc, owner, name  # text, enums and dates


def _places(model: type[BaseModel], loc: Loc = ()) -> Iterator[Place]:
    for name, info in model.model_fields.items():
        yield from _json_strings(info.annotation, (*loc, info.alias or name), model, name)


def text_fields(model: type[BaseModel]) -> list[Loc]:
    """Where a body of ``model`` holds text, nested models and lists included."""
    return list(dict.fromkeys(loc for loc, _, _ in _places(model)))


def table(app: FastAPI) -> list[Case]:
    cases = []
    for route in routes(app):
        places: list[tuple[Where, Loc]] = [(where, (name,)) for where, name in route.params]
        if route.body is not None:
            places += [("body", loc) for loc in text_fields(route.body)]
        for where, loc in places:
            for bad in HOSTILE.values():
                cases.append(Case(route, where, loc, bad))
    return cases


APP = create_app()  # only its routes and models: the tests' own app serves the requests
CASES = table(APP)


def _case_id(case: Case) -> str:
    name = next(name for name, bad in HOSTILE.items() if bad == case.bad)
    place = ".".join(str(part) for part in case.loc)
    return f"{case.route.method} {case.route.path} {case.where} {place} {name}"


def test_every_route_is_in_the_table() -> None:
    assert {(route.method, route.path) for route in routes(APP)} == set(ROLE)
    headers = {name for route in routes(APP) for where, name in route.params if where == "header"}
    assert headers <= set(CHECKED_HEADERS), "every header the app reads must be checked (api/deps.py)"


def test_the_table_covers_every_text_field_of_every_request_model() -> None:
    """Every text field of every request model (unknown fields refused) is spoiled in some route's body."""
    request_models = {
        model
        for model in vars(schemas).values()
        if isinstance(model, type)
        and issubclass(model, BaseModel)
        and model.model_config.get("extra") == "forbid"
    }
    bodies = {case.route.body for case in CASES if case.where == "body"}
    spoiled = {(case.route.body, case.loc) for case in CASES if case.where == "body"}
    covered = {
        (owner, name)
        for body in bodies
        if body is not None
        for loc, owner, name in _places(body)
        if (body, loc) in spoiled
    }
    for model in request_models:
        for _, owner, name in _places(model):
            assert (owner, name) in covered, f"{owner.__name__}.{name} is not in the table"
    nested = {"customer.id", "customer.name", "customer.email", "customer.phone", "questions.0"}
    assert nested <= {".".join(map(str, case.loc)) for case in CASES if case.where == "body"}


# --- The requests. ---


@dataclass
class Scene:
    """A dispute and a seller account the spoiled requests name, and how they stood before."""

    dispute_id: str
    seller_id: str
    revision: int
    history: int
    account_changes: int
    keys: Keys


@pytest.fixture(scope="module")
async def scene(http: httpx.AsyncClient, keys: Keys) -> Scene:
    dispute_id = (await open_dispute(http, keys))["dispute_id"]

    async def recorded() -> bool:  # the seller is known (intake records it before the dispute starts)
        found = await http.get(f"/sellers/{keys.seller_id}", headers=auth(keys.operator))
        return found.status_code == 200

    await eventually(recorded)
    view, account = await _standing(http, keys, dispute_id, keys.seller_id)
    return Scene(dispute_id, keys.seller_id, view["revision"], len(view["history"]), account, keys)


async def _standing(http: httpx.AsyncClient, keys: Keys, dispute_id: str, seller_id: str) -> tuple[Json, int]:
    view = await http.get(f"/disputes/{dispute_id}", headers=auth(keys.operator))
    account = await http.get(f"/sellers/{seller_id}", headers=auth(keys.operator))
    assert (view.status_code, account.status_code) == (200, 200), (view.text, account.text)
    return view.json(), len(account.json()["changes"])


def _example(model: type[BaseModel]) -> Json:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    examples = extra["examples"]
    assert isinstance(examples, list)
    body = copy.deepcopy(examples[0])
    assert isinstance(body, dict)
    return body


def _put(body: Any, loc: Loc, value: str) -> None:
    for part in loc[:-1]:
        body = body[part]
    body[loc[-1]] = value


def _url_text(bad: str) -> str:
    """``x<bad>y`` as a URL carries it: a lone surrogate can only come as the bytes UTF-8 would give it."""
    return quote(f"x{bad}y".encode("utf-8", "surrogatepass"), safe="")


def _request(case: Case, scene: Scene) -> tuple[str, str, dict[str, Any], bytes | None, dict[str, str]]:
    """``(method, url, headers, body, marks)``: a valid request but for the one spoiled text."""
    route, keys = case.route, scene.keys
    role = ROLE[(route.method, route.path)]
    headers: dict[str, Any] = auth(getattr(keys, role)) if role else {}
    path_values = {"dispute_id": scene.dispute_id, "seller_id": scene.seller_id, "customer_id": "C-hostile"}
    query = dict(REQUIRED_QUERY.get(route.path, {}))
    marks: dict[str, str] = {}
    body: Json | None = None
    if route.body is not None:
        body = _example(route.body)
        if route.body is schemas.IntakeRequest:
            marks = {"seller_id": f"S-hostile-{uuid.uuid4().hex[:10]}", "external_ref": uuid.uuid4().hex}
            body |= marks
    (name, *_) = case.loc
    if case.where == "body":
        assert body is not None
        _put(body, case.loc, f"x{case.bad}y")
    elif case.where == "path":
        path_values[str(name)] = _url_text(case.bad)
    elif case.where == "query":
        query[str(name)] = _url_text(case.bad)
    else:
        headers[str(name)] = f"x{case.bad}y".encode("utf-8", "surrogatepass")
    path = route.path.format(**path_values)
    url = path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(body).encode()  # ensure_ascii: a lone surrogate travels as its escape
    return route.method, url, headers, content, marks


@pytest.mark.parametrize("case", [pytest.param(case, id=_case_id(case)) for case in CASES])
async def test_hostile_text_is_refused_naming_where_and_nothing_happens(
    http: httpx.AsyncClient, scene: Scene, temporal_client: Client, case: Case
) -> None:
    method, url, headers, content, marks = _request(case, scene)
    response = await http.request(method, url, headers=headers, content=content)

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert case.expected_loc in [error["loc"] for error in detail], detail

    if case.route.body is schemas.IntakeRequest:  # nothing started, under its id nor for its seller
        if case.loc not in (("seller_id",),):
            count = await temporal_client.count_workflows(f'SellerId = "{marks["seller_id"]}"')
            assert count.count == 0
        if case.loc not in (("channel",), ("external_ref",)):
            dispute_id = dispute_id_for(Channel.CHAT, marks["external_ref"])
            with pytest.raises(RPCError) as missing:
                await temporal_client.get_workflow_handle(f"dispute-{dispute_id}").describe()
            assert missing.value.status == RPCStatusCode.NOT_FOUND
    elif case.route.method in ("POST", "PUT"):  # the dispute and the seller's account are as they were
        view, changes = await _standing(http, scene.keys, scene.dispute_id, scene.seller_id)
        assert (view["revision"], len(view["history"]), changes) == (
            scene.revision,
            scene.history,
            scene.account_changes,
        )
