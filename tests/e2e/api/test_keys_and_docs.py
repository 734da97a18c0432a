"""The key commands, and the OpenAPI document with an example for every request."""

from __future__ import annotations

import httpx
import pytest

from api.keys import run
from tests.e2e.api.helpers import auth
from workflows.rules import Action


async def test_create_list_and_revoke_a_key(
    http: httpx.AsyncClient, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(["create", "--role", "agent", "--tier", "2", "--id", "agent-cli"], database_url) == 0
    created = capsys.readouterr()
    token = created.out.strip()
    assert token.startswith("j24_")
    assert "shown only now" in created.err
    key_id = token.split("_")[1]

    response = await http.post("/disputes/nope/escalate", json={"reason": "x"}, headers=auth(token))
    assert response.status_code == 404  # accepted as an agent: got as far as looking the dispute up

    assert await run(["list"], database_url) == 0
    listing = capsys.readouterr().out
    line = next(line for line in listing.splitlines() if line.startswith(key_id))
    assert "agent" in line and "tier 2" in line and "active" in line
    assert token.split("_", 2)[2] not in listing  # never the secret (which may itself hold a "_")

    assert await run(["revoke", key_id], database_url) == 0
    assert (await http.get("/disputes", headers=auth(token))).status_code == 401
    assert await run(["revoke", key_id], database_url) == 1  # already revoked
    capsys.readouterr()


@pytest.mark.parametrize(
    "argv",
    [
        ["create", "--role", "agent", "--id", "agent-without-tier"],
        ["create", "--role", "seller", "--id", "seller-without-seller"],
        ["create", "--role", "operator", "--tier", "1", "--id", "operator-with-tier"],
    ],
)
async def test_a_key_with_the_wrong_scope_is_refused(
    database_url: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(argv, database_url) == 2
    assert "error:" in capsys.readouterr().err


async def test_docs_show_an_example_for_every_request(http: httpx.AsyncClient) -> None:
    assert (await http.get("/docs")).status_code == 200
    spec = (await http.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    bodies = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if "requestBody" not in operation:
                continue
            bodies += 1
            content = operation["requestBody"]["content"]["application/json"]["schema"]
            ref = content.get("$ref") or next(s["$ref"] for s in content["anyOf"] if "$ref" in s)
            schema = schemas[ref.rsplit("/", 1)[1]]
            assert schema.get("examples"), f"{method.upper()} {path} has no example"
    assert bodies == 3 + len(Action)  # intake, every action, a seller's reinstatement and directory entry
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
