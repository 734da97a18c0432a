"""A stand-in identity provider for the codec's token tests: an RSA key made per run, its JWKS in a file
(what ``CODEC_JWKS_FILE`` points at), and access tokens as Temporal UI would forward them."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.settings import CodecServerSettings

ISSUER = "https://idp.example/"
AUDIENCE = "https://codec.jamla24.example"
OPERATOR = "ops-lead@jamla24.example"


@dataclass(frozen=True)
class Provider:
    key: rsa.RSAPrivateKey
    jwks_file: Path

    def settings(self, **overrides: Any) -> CodecServerSettings:
        fields: dict[str, Any] = {
            "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE,
            "jwks_file": self.jwks_file,
            "jwt_operators": f"{OPERATOR}, auth0|ops-2",
        }
        return CodecServerSettings(**(fields | overrides))

    def token(self, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        """A token for OPERATOR, valid for an hour; ``claims`` replace or (as None) remove its claims."""
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "auth0|ops-1",
            "email": OPERATOR,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
        }
        body = {name: value for name, value in (body | claims).items() if value is not None}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": "idp-1"})


def provider(folder: Path) -> Provider:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks_file = folder / "jwks.json"
    jwks_file.write_text(json.dumps({"keys": [jwk | {"kid": "idp-1", "use": "sig", "alg": "RS256"}]}))
    return Provider(key, jwks_file)


def unsigned(claims: dict[str, Any]) -> str:
    """A token with ``alg: none``: no signature at all."""
    return jwt.encode(claims, "", algorithm="none", headers={"kid": "idp-1"})


def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
