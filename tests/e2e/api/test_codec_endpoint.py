"""The codec endpoint (Temporal's codec-server protocol) decodes for operators only (their key, or the access
token Temporal UI forwards from the configured identity provider), for this namespace only, and answers
browsers from the Temporal UI's origin only."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf import json_format
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload, Payloads

from api.app import create_app
from devstack.processes import Child
from infra.settings import CodecServerSettings
from tests.e2e.api.conftest import Keys, api_settings
from tests.e2e.conftest import NAMESPACE
from tests.oidc import AUDIENCE, ISSUER, OPERATOR, Provider, other_key, provider, unsigned
from tests.payload_keys import TEST_DATA_CONVERTER
from workflows.sla_policy import SlaPolicy

SECRET = "Kzq-codec Nawal, kzq-codec@example.ma"
UI = "http://localhost:8233"  # the default CODEC_UI_ORIGINS


async def sealed() -> dict[str, Any]:
    """A body as Temporal UI sends it: Payloads as protobuf JSON, here one encrypted string."""
    payloads = Payloads(payloads=await TEST_DATA_CONVERTER.encode([SECRET]))
    body: dict[str, Any] = json_format.MessageToDict(payloads)
    return body


def text_of(answer: httpx.Response) -> list[Any]:
    payloads = json_format.Parse(answer.content, Payloads()).payloads
    return [TEST_DATA_CONVERTER.payload_converter.from_payload(p, str) for p in payloads]


def ns(namespace: str = NAMESPACE) -> dict[str, str]:
    return {"X-Namespace": namespace}


async def test_an_operator_key_decodes_in_either_header(http: httpx.AsyncClient, keys: Keys) -> None:
    body = await sealed()
    for header in ({"X-API-Key": keys.operator}, {"Authorization": f"Bearer {keys.operator}"}):
        answer = await http.post("/codec/decode", json=body, headers=header | ns())
        assert answer.status_code == 200, answer.text
        assert text_of(answer) == [SECRET]


async def test_encode_then_decode_round_trips(http: httpx.AsyncClient, keys: Keys) -> None:
    plain = json_format.MessageToDict(
        Payloads(payloads=[TEST_DATA_CONVERTER.payload_converter.to_payload(SECRET)])
    )
    headers = {"X-API-Key": keys.operator} | ns()
    encoded = await http.post("/codec/encode", json=plain, headers=headers)
    assert encoded.status_code == 200, encoded.text
    assert "Nawal" not in encoded.text and '"ZW5jb2RpbmciOiJiaW5hcnkvZW5jcnlwdGVk' not in encoded.text
    (payload,) = json_format.Parse(encoded.content, Payloads()).payloads
    assert payload.metadata["encoding"] == b"binary/encrypted"
    decoded = await http.post(
        "/codec/decode", json=json_format.MessageToDict(Payloads(payloads=[payload])), headers=headers
    )
    assert text_of(decoded) == [SECRET]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("nobody", 401),
        ("a wrong key", 401),
        ("a wrong bearer", 401),
        ("an agent", 403),
        ("an intake client", 403),
        ("a seller", 403),
        ("an agent's bearer", 403),
    ],
)
async def test_anyone_but_an_operator_gets_nothing(
    http: httpx.AsyncClient, keys: Keys, who: str, status: int
) -> None:
    headers = {
        "nobody": {},
        "a wrong key": {"X-API-Key": "k_nope.nope"},
        "a wrong bearer": {"Authorization": "Bearer k_nope.nope"},
        "an agent": {"X-API-Key": keys.agent3},
        "an intake client": {"X-API-Key": keys.intake},
        "a seller": {"X-API-Key": keys.seller},
        "an agent's bearer": {"Authorization": f"Bearer {keys.agent3}"},
    }[who]
    for path in ("/codec/decode", "/codec/encode"):
        answer = await http.post(path, json=await sealed(), headers=headers | ns())
        assert answer.status_code == status, answer.text
        assert "Nawal" not in answer.text and "payloads" not in answer.json()


async def test_another_namespace_gets_nothing(http: httpx.AsyncClient, keys: Keys) -> None:
    for headers in (ns("payments"), {}):
        answer = await http.post(
            "/codec/decode", json=await sealed(), headers={"X-API-Key": keys.operator} | headers
        )
        assert answer.status_code == 403, answer.text
        assert "Nawal" not in answer.text


async def test_not_payloads_is_a_422_and_an_unknown_key_names_it(http: httpx.AsyncClient, keys: Keys) -> None:
    headers = {"X-API-Key": keys.operator} | ns()
    answer = await http.post("/codec/decode", content=b'{"payloads": 3}', headers=headers)
    assert answer.status_code == 422, answer.text
    stranger = Payload(
        metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"k-gone"}, data=b"x" * 40
    )
    body = json_format.MessageToDict(Payloads(payloads=[stranger]))
    answer = await http.post("/codec/decode", json=body, headers=headers)
    assert answer.status_code == 422 and "k-gone" in answer.text


async def test_cors_for_the_temporal_ui_origin_only_and_on_the_codec_only(http: httpx.AsyncClient) -> None:
    def preflight(origin: str, path: str = "/codec/decode") -> Any:
        headers = {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-namespace,authorization",
        }
        return http.options(path, headers=headers)

    allowed = await preflight(UI)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    assert "POST" in allowed.headers["access-control-allow-methods"]
    for origin in ("https://evil.example", "http://localhost:9999", "null"):
        refused = await preflight(origin)
        assert "access-control-allow-origin" not in refused.headers, origin
    # The rest of the API answers no browser of another origin, the UI's included.
    assert "access-control-allow-origin" not in (await preflight(UI, "/disputes")).headers
    # A refused call from the UI carries the header, so the UI can show why.
    answer = await http.post("/codec/decode", json=await sealed(), headers={"Origin": UI} | ns())
    assert answer.status_code == 401 and answer.headers["access-control-allow-origin"] == UI


@pytest.fixture
async def local_stack_api(
    temporal_dev_server: str, database_url: str, worker: Child
) -> AsyncIterator[httpx.AsyncClient]:
    """The API as the local stack runs it: its own UI may decode without a key."""
    trusted = CodecServerSettings(ui_origins=f"{UI},http://127.0.0.1:8233", trust_local_ui=True)
    app = create_app(
        api_settings(temporal_dev_server, database_url), policy=SlaPolicy(), codec_server=trusted
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client


async def test_on_the_local_stack_its_own_ui_decodes_without_a_key(
    local_stack_api: httpx.AsyncClient,
) -> None:
    answer = await local_stack_api.post("/codec/decode", json=await sealed(), headers={"Origin": UI} | ns())
    assert answer.status_code == 200, answer.text
    assert text_of(answer) == [SECRET]
    for headers in ({}, {"Origin": "https://evil.example"}):
        answer = await local_stack_api.post("/codec/decode", json=await sealed(), headers=headers | ns())
        assert answer.status_code == 401, answer.text
    answer = await local_stack_api.post(
        "/codec/decode", json=await sealed(), headers={"Origin": UI} | ns("other")
    )
    assert answer.status_code == 403


def test_trusting_a_ui_is_for_a_local_one_only() -> None:
    with pytest.raises(ValidationError, match="for the local stack only"):
        CodecServerSettings(ui_origins="https://cloud.temporal.io", trust_local_ui=True)
    assert CodecServerSettings(ui_origins="https://cloud.temporal.io").origins == [
        "https://cloud.temporal.io"
    ]


@pytest.fixture
def idp(tmp_path: Path) -> Provider:
    return provider(tmp_path)


@pytest.fixture
async def oidc_api(
    temporal_dev_server: str, database_url: str, worker: Child, idp: Provider
) -> AsyncIterator[httpx.AsyncClient]:
    """The API trusting the stand-in identity provider's tokens, as Temporal UI forwards them."""
    app = create_app(
        api_settings(temporal_dev_server, database_url), policy=SlaPolicy(), codec_server=idp.settings()
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Origin": UI} | ns()


async def test_a_listed_operators_forwarded_token_decodes_and_encodes(
    oidc_api: httpx.AsyncClient, idp: Provider, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    token = idp.token()
    with caplog.at_level(logging.INFO, logger="api"):
        answer = await oidc_api.post("/codec/decode", json=await sealed(), headers=bearer(token))
    assert answer.status_code == 200, answer.text
    assert text_of(answer) == [SECRET]
    # Who decoded is logged; the token never is.
    assert OPERATOR in caplog.text and token not in caplog.text
    plain = json_format.MessageToDict(
        Payloads(payloads=[TEST_DATA_CONVERTER.payload_converter.to_payload(SECRET)])
    )
    encoded = await oidc_api.post("/codec/encode", json=plain, headers=bearer(token))
    assert encoded.status_code == 200 and "Nawal" not in encoded.text
    # Operator keys still decode beside the tokens; another namespace is still refused.
    answer = await oidc_api.post("/codec/decode", json=await sealed(), headers=bearer(keys.operator))
    assert answer.status_code == 200, answer.text
    answer = await oidc_api.post("/codec/decode", json=await sealed(), headers=bearer(token) | ns("payments"))
    assert answer.status_code == 403


async def test_a_forwarded_token_of_anyone_else_or_not_in_force_gets_nothing(
    oidc_api: httpx.AsyncClient, idp: Provider, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "auth0|ops-1", "email": OPERATOR, "exp": now + 600}
    tokens = {
        "a user not listed": (idp.token(sub="auth0|agent", email="agent@jamla24.example"), 403),
        "expired": (idp.token(exp=now - 3600, iat=now - 7200, nbf=now - 7200), 401),
        "signed by another key": (idp.token(key=other_key()), 401),
        "another issuer": (idp.token(iss="https://evil.example/"), 401),
        "alg none": (unsigned(claims), 401),
        "an agent's key": (keys.agent3, 403),
    }
    with caplog.at_level(logging.INFO, logger="api"):
        for who, (token, status) in tokens.items():
            for path in ("/codec/decode", "/codec/encode"):
                answer = await oidc_api.post(path, json=await sealed(), headers=bearer(token))
                assert answer.status_code == status, (who, answer.text)
                assert "Nawal" not in answer.text and "payloads" not in answer.json()
                assert answer.headers["access-control-allow-origin"] == UI
            assert token not in caplog.text, who
    # A token is a bearer only: X-API-Key takes keys alone.
    as_key = {"X-API-Key": idp.token()} | ns()
    answer = await oidc_api.post("/codec/decode", json=await sealed(), headers=as_key)
    assert answer.status_code == 401


async def test_without_an_issuer_configured_a_token_is_refused_as_before(
    http: httpx.AsyncClient, idp: Provider
) -> None:
    answer = await http.post("/codec/decode", json=await sealed(), headers=bearer(idp.token()))
    assert answer.status_code == 401, answer.text
    assert "Nawal" not in answer.text
