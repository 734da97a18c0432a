"""Every endpoint by every role: allowed, 401 without a valid key, 403 for a role that may not."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from api.auth import KeyRole, create_key, revoke_key
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, auth, get, intake_body, open_dispute

ROLES = ("none", "intake", "agent", "seller", "operator", "marketplace")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # "{id}" stands for a fresh dispute of the session's seller
    allowed: frozenset[str]
    ok: int  # the status an allowed role gets on a fresh dispute (409: the workflow, not the role, says no)
    body: Json | None = None

    @property
    def changes(self) -> bool:
        return self.method == "POST" and "{id}" in self.path


def endpoint(method: str, path: str, allowed: str, ok: int = 200, body: Json | None = None) -> Endpoint:
    return Endpoint(method, path, frozenset(allowed.split()), ok, body)


AGENTS = "agent operator"
EVERYONE = " ".join(ROLES)
ENDPOINTS = [
    endpoint("POST", "/disputes", "intake", 201),
    endpoint("GET", "/disputes", AGENTS),
    endpoint("GET", "/disputes/{id}", "intake agent seller operator"),
    endpoint("POST", "/disputes/{id}/resolve", AGENTS, body={"outcome": "refund", "summary": "Refunded."}),
    endpoint("POST", "/disputes/{id}/escalate", AGENTS, body={"reason": "Needs the team."}),
    endpoint("POST", "/disputes/{id}/information-requests", AGENTS, body={"questions": ["Photo?"]}),
    endpoint("POST", "/disputes/{id}/information", "intake", 409, body={"answer": "Here."}),
    endpoint("POST", "/disputes/{id}/findings", AGENTS, body={"findings": "Carrier lost it."}),
    endpoint("POST", "/disputes/{id}/seller-response", "seller", body={"message": "Shipped."}),
    endpoint("POST", "/disputes/{id}/seller-flags", AGENTS, body={"reason": "Refuses."}),
    endpoint("POST", "/disputes/{id}/seller-contact", "intake", 409),
    endpoint("POST", "/disputes/{id}/withdraw", "intake", body={"reason": "Arrived."}),
    endpoint("GET", "/healthz", EVERYONE),
    endpoint("GET", "/readyz", EVERYONE),
    endpoint("GET", "/openapi.json", EVERYONE),
]


def token_for(keys: Keys, role: str) -> dict[str, str]:
    # The agent is at tier 3, so that only the role decides (the tier is the workflow's business).
    tokens = {
        "intake": keys.intake,
        "agent": keys.agent3,
        "seller": keys.seller,
        "operator": keys.operator,
        "marketplace": keys.marketplace,
    }
    return auth(tokens[role]) if role in tokens else {}


def expected(point: Endpoint, role: str) -> int:
    if role in point.allowed:
        return point.ok
    return 401 if role == "none" else 403


CASES = [
    pytest.param(point, role, expected(point, role), id=f"{point.method} {point.path} as {role}")
    for point in ENDPOINTS
    for role in ROLES
]


@pytest.mark.parametrize(("point", "role", "status"), CASES)
async def test_endpoint_by_role(
    http: httpx.AsyncClient, keys: Keys, point: Endpoint, role: str, status: int
) -> None:
    path, dispute_id = point.path, None
    if "{id}" in path:
        # A flag strikes the dispute's seller: not the session's, whose key the other tests use (three
        # strikes terminate an account, and a terminated seller's keys are refused).
        other = {"seller_id": f"S-{uuid.uuid4().hex[:10]}"} if path.endswith("/seller-flags") else {}
        dispute_id = (await open_dispute(http, keys, **other))["dispute_id"]
        path = path.replace("{id}", dispute_id)
    body = intake_body(keys) if point.path == "/disputes" else point.body
    if point.method == "GET":
        response = await http.get(path, headers=token_for(keys, role))
    else:
        response = await http.post(path, json=body, headers=token_for(keys, role))
    assert response.status_code == status, response.text
    if status in (401, 403):
        assert response.json()["detail"]
        if dispute_id is not None:  # a refused request changes nothing
            assert [e["kind"] for e in (await get(http, keys.operator, dispute_id))["history"]] == ["opened"]


@pytest.mark.parametrize("action", ["GET", "seller-response"])
async def test_a_seller_cannot_tell_another_sellers_dispute_from_a_missing_one(
    http: httpx.AsyncClient, keys: Keys, action: str
) -> None:
    theirs = (await open_dispute(http, keys, seller_id=keys.other_seller_id))["dispute_id"]
    missing = uuid.uuid4().hex
    answers = []
    for dispute_id in (theirs, missing):
        if action == "GET":
            response = await http.get(f"/disputes/{dispute_id}", headers=auth(keys.seller))
        else:
            body = {"message": "Not mine."}
            response = await http.post(
                f"/disputes/{dispute_id}/{action}", json=body, headers=auth(keys.seller)
            )
        answers.append((response.status_code, response.json()["detail"].replace(dispute_id, "<id>")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 403
    # Its own seller may read it; and for anyone else, an unknown dispute is a plain 404.
    assert (await http.get(f"/disputes/{theirs}", headers=auth(keys.other_seller))).status_code == 200
    assert (await http.get(f"/disputes/{missing}", headers=auth(keys.operator))).status_code == 404
    response = await http.post(
        f"/disputes/{missing}/resolve", json={"outcome": "refund", "summary": "x"}, headers=auth(keys.agent1)
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"X-API-Key": "j24_nosuchkey_" + "x" * 43}, id="unknown key"),
        pytest.param({"X-API-Key": "not-a-key"}, id="malformed key"),
        pytest.param({"Authorization": "Bearer whatever"}, id="key in the wrong header"),
    ],
)
async def test_a_bad_key_is_401(http: httpx.AsyncClient, header: dict[str, str]) -> None:
    response = await http.get("/disputes", headers=header)
    assert response.status_code == 401
    assert "API key" in response.json()["detail"]


async def test_a_revoked_key_is_401(http: httpx.AsyncClient, pg_pool: asyncpg.Pool) -> None:
    key, token = await create_key(pg_pool, KeyRole.OPERATOR, "operator-leaving")
    assert (await http.get("/disputes", headers=auth(token))).status_code == 200
    assert await revoke_key(pg_pool, key.key_id)
    response = await http.get("/disputes", headers=auth(token))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]
