"""The codec's check of a forwarded access token: the provider's signature, in date, its issuer and
audience, an operator named; nothing else passes, however it is signed."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.utils import base64url_decode, base64url_encode
from pydantic import ValidationError

from api.codec_tokens import TokenRejected, TokenVerifier
from tests.oidc import ISSUER, OPERATOR, Provider, other_key, provider, unsigned


def hs256(claims: dict[str, object], secret: bytes) -> str:
    """Signed by hand: PyJWT itself refuses a PEM key as an HMAC secret when signing."""
    header = {"alg": "HS256", "typ": "JWT", "kid": "idp-1"}
    signing_input = b".".join(base64url_encode(json.dumps(part).encode()) for part in (header, claims))
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode()


@pytest.fixture
def idp(tmp_path: Path) -> Provider:
    return provider(tmp_path)


def verifier(idp: Provider, **overrides: str) -> TokenVerifier:
    made = TokenVerifier.from_settings(idp.settings(**overrides))
    assert made is not None
    return made


async def test_a_listed_operator_by_email_or_subject(idp: Provider) -> None:
    user = await verifier(idp).verify(idp.token())
    assert (user.operator, user.name, user.subject) == (True, OPERATOR, "auth0|ops-1")
    by_subject = await verifier(idp).verify(idp.token(sub="auth0|ops-2", email="ops2@jamla24.example"))
    assert by_subject.operator
    # An address the provider has not verified names no one.
    unverified = await verifier(idp).verify(idp.token(sub="auth0|x", email_verified=False))
    assert not unverified.operator and unverified.name == "auth0|x"


async def test_anyone_else_is_verified_but_no_operator(idp: Provider) -> None:
    user = await verifier(idp).verify(idp.token(sub="auth0|agent", email="agent@jamla24.example"))
    assert not user.operator


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "not yet valid",
        "another key",
        "another issuer",
        "another audience",
        "no audience",
        "alg none",
        "hs256 with the public key",
        "no exp",
        "unknown kid",
        "garbage",
    ],
)
async def test_refused(idp: Provider, case: str) -> None:
    public_pem = idp.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    claims: dict[str, Any] = json.loads(base64url_decode(idp.token().split(".")[1]))
    makers: dict[str, Callable[[], str]] = {
        "expired": lambda: idp.token(exp=1_600_000_000, iat=1_599_990_000, nbf=1_599_990_000),
        "not yet valid": lambda: idp.token(nbf=claims["exp"]),
        "another key": lambda: idp.token(key=other_key()),
        "another issuer": lambda: idp.token(iss="https://evil.example/"),
        "another audience": lambda: idp.token(aud="https://other.example"),
        "no audience": lambda: idp.token(aud=None),
        "alg none": lambda: unsigned(claims),
        # The classic confusion: the public key used as an HMAC secret.
        "hs256 with the public key": lambda: hs256(claims, public_pem),
        "no exp": lambda: idp.token(exp=None),
        "unknown kid": lambda: jwt.encode(claims, idp.key, algorithm="RS256", headers={"kid": "gone"}),
        "garbage": lambda: "not.a.token",
    }
    token = makers[case]()
    with pytest.raises(TokenRejected):
        await verifier(idp).verify(token)


async def test_without_an_audience_setting_any_audience_passes(idp: Provider) -> None:
    made = TokenVerifier.from_settings(idp.settings(jwt_audience=None))
    assert made is not None
    assert (await made.verify(idp.token(aud="https://anything.example"))).operator


def test_no_issuer_no_tokens_and_half_a_setup_fails_at_start(idp: Provider) -> None:
    assert (
        TokenVerifier.from_settings(
            idp.settings(jwt_issuer=None, jwks_file=None, jwt_audience=None, jwt_operators="")
        )
        is None
    )
    for broken, message in (
        ({"jwt_issuer": None}, "need CODEC_JWT_ISSUER"),
        ({"jwks_file": None}, "one of CODEC_JWKS_URL or CODEC_JWKS_FILE"),
        ({"jwks_url": "https://idp.example/.well-known/jwks.json"}, "one of CODEC_JWKS_URL"),
        ({"jwt_operators": " , "}, "needs CODEC_JWT_OPERATORS"),
    ):
        with pytest.raises(ValidationError, match=message):
            idp.settings(**broken)
    assert idp.settings().operators == frozenset({OPERATOR, "auth0|ops-2"})
    assert ISSUER == idp.settings().jwt_issuer
