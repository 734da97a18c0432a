"""A dispute's private link for its customer (``<PUBLIC_BASE_URL>/c/<token>``): how its token is made.

The token is derived, not drawn: ``HMAC-SHA256(CUSTOMER_LINK_SECRET, dispute id + salt)``, the salt 16
random bytes kept with the dispute's link in PostgreSQL (``customer_links``) beside the token's SHA-256.
So the token itself is stored nowhere, yet whoever holds the secret and reads the salt can write the same
link again: the API at intake (a retried intake finds the link it made first), the worker when it sends
an acknowledgement, long after, without the token ever travelling through a workflow's input or history.

Why derived rather than kept encrypted: no key to decrypt with and no ciphertext to guard; the database
alone (salt and hash) does not give a working link, nor does the secret alone (dispute ids appear in
Message-IDs; the salts are needed too). A new salt is a new link for the same dispute. The page finds a
link by its token's hash and so needs no secret; forms on it carry a token bound to the link, also an
HMAC under the secret (``form_token``).

Both the API and the worker read ``CustomerLinkSettings``; they must share the secret. Without one,
customer links are off: intake makes none, messages carry none, and the page answers nothing but 404.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.sla_policy import Duration

PATH = "/c"  # the page's path prefix: <PUBLIC_BASE_URL>/c/<token>
SALT_BYTES = 16
MIN_SECRET_LENGTH = 32
# 32 bytes of HMAC-SHA256 in unpadded URL-safe base64: 43 characters.
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_LINK = b"jamla24 customer link\n"
_FORM = b"jamla24 customer page form\n"


class CustomerLinkSettings(BaseSettings):
    """``CUSTOMER_LINK_SECRET`` (32 characters or more, shared by the API and the worker; unset: links
    off), ``CUSTOMER_LINK_TTL`` (how long a link works, ISO 8601 or seconds; default a year) and
    ``PUBLIC_BASE_URL`` (what a customer's browser reaches the API at)."""

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    customer_link_secret: SecretStr | None = None
    customer_link_ttl: Duration = timedelta(days=365)
    public_base_url: str = "http://localhost:8000"

    @field_validator("customer_link_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("customer_link_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"CUSTOMER_LINK_SECRET must be at least {MIN_SECRET_LENGTH} characters "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator("customer_link_ttl")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("CUSTOMER_LINK_TTL must be a positive duration")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("PUBLIC_BASE_URL must start with http:// or https://")
        return value.rstrip("/")

    @property
    def enabled(self) -> bool:
        return self.customer_link_secret is not None

    @property
    def secret(self) -> bytes:
        if self.customer_link_secret is None:
            raise RuntimeError("customer links are off: CUSTOMER_LINK_SECRET is not set")
        return self.customer_link_secret.get_secret_value().encode()

    def url(self, token: str) -> str:
        return f"{self.public_base_url}{PATH}/{token}"


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def _mac(secret: bytes, *parts: bytes) -> str:
    digest = hmac.new(secret, b"".join(parts), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_for(secret: bytes, dispute_id: str, salt: bytes) -> str:
    """The link's token: the same for the same secret, dispute and salt."""
    return _mac(secret, _LINK, dispute_id.encode(), b"\n", salt)


def token_hash(token: str) -> bytes:
    """What PostgreSQL keeps of a token, and finds it by."""
    return hashlib.sha256(token.encode()).digest()


def well_formed(token: str) -> bool:
    """Whether ``token`` could be a link's token at all (checked before any lookup)."""
    return TOKEN.fullmatch(token) is not None


def form_token(secret: bytes, token: str) -> str:
    """What every form of the link's page carries: only a page served for this link has it, so a form
    posted from elsewhere (cross-site request forgery) is refused, and it is of no use on another link."""
    return _mac(secret, _FORM, token_hash(token))


def form_token_valid(secret: bytes, token: str, sent: str) -> bool:
    return hmac.compare_digest(form_token(secret, token).encode(), sent.encode("utf-8", "surrogatepass"))
