"""The seller directory as the API takes and shows it: who a seller is, and how to reach it.

An entry holds Jamla24's own contact with the seller (its display name, e-mail, phone), the language
its messages are written in, what a customer receives when the seller's contact is released (which may
differ from Jamla24's contact: a shop's public line rather than its owner's mobile), and optionally the
seller's own webhook URL. Contact details are checked as a customer's are (``api.contact``); a refusal
names the field and never quotes the value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from api.contact import Email, Phone
from api.text import Text, TextModel
from workflows.models import Language

# Plain http is for a receiver on the developer's own machine only.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
URL_EXAMPLE = "https://atlas-shop.ma/jamla24/events"


def webhook_url(value: str) -> str:
    """``value`` if it is an https URL (http for localhost); ValueError saying why, never quoting it."""
    if not value or any(c.isspace() for c in value):
        raise ValueError(f"not a URL (no spaces); write it as {URL_EXAMPLE}")
    try:
        url = urlsplit(value)
        host, _ = url.hostname, url.port  # an invalid port raises here
    except ValueError:
        raise ValueError(f"not a URL; write it as {URL_EXAMPLE}") from None
    if url.scheme not in ("https", "http") or not host:
        raise ValueError(f"not an https URL; write it as {URL_EXAMPLE}")
    if url.scheme == "http" and host not in LOCAL_HOSTS:
        raise ValueError("must use https (plain http only for localhost, for development)")
    if url.username is not None or url.password is not None:
        raise ValueError("must not hold a user name or password: every event is signed instead")
    if url.fragment:
        raise ValueError("must not end with a #fragment: a receiver never sees it")
    return value


WebhookUrl = Annotated[Text, Field(max_length=2_000, examples=[URL_EXAMPLE]), AfterValidator(webhook_url)]


def _body(*examples: JsonDict) -> ConfigDict:
    """As every request body: unknown fields refused, surrounding blanks trimmed."""
    return ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [*examples]})


class CustomerFacingContact(TextModel):
    """What a customer receives when the seller's contact is released; any part may be left out."""

    model_config = _body({"name": "Atlas Shop", "email": "service@atlas-shop.ma", "phone": "05 22 00 00 00"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: Email | None = None
    phone: Phone | None = Field(default=None, description="any usual form; stored as E.164")


_EXAMPLE: JsonDict = {
    "name": "Atlas Shop",
    "email": "owner@atlas-shop.ma",
    "phone": "06 61 40 61 36",
    "language": "ar",
    "customer_contact": {"name": "Atlas Shop", "email": "service@atlas-shop.ma", "phone": "05 22 00 00 00"},
    "webhook_url": URL_EXAMPLE,
}


class SellerDirectoryBody(TextModel):
    """A seller's whole directory entry: ``PUT /sellers/{id}`` replaces it (a field left out is cleared)."""

    model_config = _body(_EXAMPLE)

    name: str = Field(
        min_length=1, max_length=200, description="the seller's display name; messages greet it"
    )
    email: Email | None = Field(default=None, description="where Jamla24 writes to the seller")
    phone: Phone | None = Field(default=None, description="Jamla24's line to the seller; stored as E.164")
    language: Language = Field(default=Language.FR, description="the language of every message it gets")
    customer_contact: CustomerFacingContact | None = Field(
        default=None, description="what a customer receives when the seller's contact is released"
    )
    webhook_url: WebhookUrl | None = Field(
        default=None, description="the seller's own receiver of its events: https (http for localhost only)"
    )


class CustomerFacingView(BaseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class SellerDirectoryView(BaseModel):
    """The entry as stored. A seller the directory has not been given yet reads all null (``language``
    null: its messages are in French)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: Language | None = None
    customer_contact: CustomerFacingView = Field(default_factory=CustomerFacingView)
    webhook_url: str | None = None
    updated_at: datetime | None = Field(default=None, description="when the directory last changed it")


class WebhookSecretView(BaseModel):
    """A new secret for the seller's own webhook URL, shown this once."""

    secret: str = Field(description="what the seller's receiver checks signatures with; never shown again")
    created_at: datetime
    signing: int = Field(
        description="how many secrets sign its events now: 2 while the previous one is still valid"
    )
