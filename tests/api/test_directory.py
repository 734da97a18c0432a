"""A directory entry as the API takes it: contact details checked as a customer's, a webhook URL that is
https (http for localhost only), and refusals that name the field without quoting it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.directory import SellerDirectoryBody
from workflows.models import Language


def test_an_entry_normalises_its_contact_details() -> None:
    entry = SellerDirectoryBody.model_validate(
        {
            "name": " Atlas Shop ",
            "email": "Owner@Atlas-Shop.ma",
            "phone": "06 61 40 61 36",
            "language": "ar",
            "customer_contact": {"email": "service@atlas-shop.ma", "phone": "05 22 00 00 00"},
            "webhook_url": "https://atlas-shop.ma/jamla24/events",
        }
    )
    assert (entry.name, entry.phone, entry.language) == ("Atlas Shop", "+212661406136", Language.AR)
    assert entry.customer_contact is not None
    assert (entry.customer_contact.name, entry.customer_contact.phone) == (None, "+212522000000")


def test_an_entry_needs_only_a_name_and_speaks_french_by_default() -> None:
    entry = SellerDirectoryBody.model_validate({"name": "Souk Nour"})
    assert (entry.email, entry.phone, entry.customer_contact) == (None, None, None)
    assert entry.language == Language.FR


@pytest.mark.parametrize(
    "url",
    ["https://atlas-shop.ma/hooks", "https://atlas-shop.ma:8443/x?y=1", "http://localhost:9000/hook",
     "http://127.0.0.1:9000/hook", "http://[::1]:9000/hook"],
)  # fmt: skip
def test_webhook_urls_accepted(url: str) -> None:
    assert SellerDirectoryBody(name="A", webhook_url=url).webhook_url == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://atlas-shop.ma/hooks", "must use https"),
        ("ftp://atlas-shop.ma/hooks", "not an https URL"),
        ("atlas-shop.ma/hooks", "not an https URL"),
        ("https://user:pw@atlas-shop.ma/hooks", "user name or password"),
        ("https://atlas-shop.ma/hooks#frag", "fragment"),
        ("https://atlas-shop.ma:99999/hooks", "not a URL"),
        ("https://atlas shop.ma/hooks", "not a URL"),
    ],
)
def test_webhook_urls_refused_without_quoting_them(url: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        SellerDirectoryBody(name="A", webhook_url=url)
    (error,) = refused.value.errors()
    assert error["loc"] == ("webhook_url",) and reason in error["msg"]
    assert "hooks" not in error["msg"]  # the example it gives is not the URL sent


def test_refusals_name_the_field_and_never_the_value() -> None:
    with pytest.raises(ValidationError) as refused:
        SellerDirectoryBody.model_validate(
            {
                "name": "Atlas\x07Shop",
                "email": "not-an-address",
                "phone": "12",
                "language": "de",
                "customer_contact": {"email": "secret-owner@"},
                "shoe_size": 42,
            }
        )
    errors = {error["loc"]: error["msg"] for error in refused.value.errors()}
    assert set(errors) == {
        ("name",), ("email",), ("phone",), ("language",), ("customer_contact", "email"), ("shoe_size",),
    }  # fmt: skip
    assert not [msg for msg in errors.values() if "not-an-address" in msg or "secret-owner" in msg]
