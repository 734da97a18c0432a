"""The access token Temporal UI forwards to the codec endpoint, checked against one identity provider.

With "pass access token", Temporal UI (Temporal Cloud's, or a self-hosted one behind OIDC) sends the
signed-in user's OIDC access token as ``Authorization: Bearer``, not one of the service's API keys. Such a
token decodes when the provider of ``CODEC_JWT_ISSUER`` signed it (a key of its JWKS, RS256 or ES256 only:
never ``none`` nor a shared secret), it is in date, for ``CODEC_JWT_AUDIENCE`` when set, and its ``email``
or ``sub`` is one of ``CODEC_JWT_OPERATORS``. The token itself is never logged nor kept.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from infra.settings import CodecServerSettings

# Asymmetric only: with an HMAC algorithm, the provider's public key would be a secret anyone signs with.
ALGORITHMS = ("RS256", "ES256")
# Clocks of the provider and of the API may differ by this much (seconds) on exp and nbf.
LEEWAY = 30


class TokenRejected(Exception):
    """Not a token of the provider, or not one in force: the caller answers 401."""


class KeysUnavailable(Exception):
    """The provider's JWKS could not be fetched: the caller answers 503, not a verdict on the token."""


@dataclass(frozen=True)
class TokenUser:
    """Who a verified token names; ``operator`` when listed."""

    subject: str
    email: str | None
    operator: bool

    @property
    def name(self) -> str:
        return self.email or self.subject


class TokenVerifier:
    """Verifies tokens of one issuer; a JWKS file is read once, a JWKS URL is fetched and cached."""

    def __init__(
        self,
        issuer: str,
        operators: frozenset[str],
        *,
        audience: str | None = None,
        jwks_url: str | None = None,
        jwks_file: Path | None = None,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.operators = operators
        self._keys = jwt.PyJWKSet.from_json(jwks_file.read_text()) if jwks_file else None
        # PyJWKClient keeps the set for lifespan seconds and fetches again for a key id it does not
        # know (the provider's key rotation).
        self._client = jwt.PyJWKClient(jwks_url, lifespan=300, timeout=5) if jwks_url else None

    @classmethod
    def from_settings(cls, settings: CodecServerSettings) -> TokenVerifier | None:
        """None when no issuer is configured: bearer tokens are then API keys only."""
        if not settings.jwt_issuer:
            return None
        return cls(
            settings.jwt_issuer,
            settings.operators,
            audience=settings.jwt_audience,
            jwks_url=settings.jwks_url,
            jwks_file=settings.jwks_file,
        )

    async def verify(self, token: str) -> TokenUser:
        """The token's user, or TokenRejected (KeysUnavailable when the provider's keys are out of reach)."""
        key = await self._signing_key(token)
        if key.algorithm_name not in ALGORITHMS:
            raise TokenRejected(f"a key for {key.algorithm_name}, not one of {', '.join(ALGORITHMS)}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm_name],
                issuer=self.issuer,
                audience=self.audience,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.PyJWTError as error:
            raise TokenRejected(str(error)) from None
        return self._user(claims)

    async def _signing_key(self, token: str) -> jwt.PyJWK:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise TokenRejected(str(error)) from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenRejected(f"algorithm {header.get('alg')!r}, not one of {', '.join(ALGORITHMS)}")
        kid = header.get("kid")
        if self._keys is not None:
            keys = self._keys.keys
            found = [key for key in keys if key.key_id == kid] if kid else keys[:1] if len(keys) == 1 else []
            if not found:
                raise TokenRejected(f"no key {kid!r} in the provider's key set")
            return found[0]
        assert self._client is not None
        try:
            # PyJWKClient fetches with urllib, blocking: off the event loop.
            return await asyncio.to_thread(self._client.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError as error:
            raise KeysUnavailable(str(error)) from None
        except jwt.PyJWTError as error:
            raise TokenRejected(str(error)) from None

    def _user(self, claims: dict[str, Any]) -> TokenUser:
        subject = str(claims["sub"])
        email = claims.get("email")
        # An address the provider says it has not verified names no one.
        if not isinstance(email, str) or claims.get("email_verified") is False:
            email = None
        names = {subject.lower()} | ({email.lower()} if email else set())
        return TokenUser(subject=subject, email=email, operator=bool(names & self.operators))
