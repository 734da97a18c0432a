"""How a customer's link is made: derived again by whoever holds the secret and the salt, by no one else,
and its forms' token good for that link only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from infra.customer_links import (
    CustomerLinkSettings,
    form_token,
    form_token_valid,
    new_salt,
    token_for,
    token_hash,
    well_formed,
)

SECRET = b"a-secret-of-at-least-thirty-two-characters"


def test_the_same_secret_dispute_and_salt_give_the_same_token_and_a_change_in_any_another() -> None:
    salt = new_salt()
    token = token_for(SECRET, "d-1", salt)
    assert token == token_for(SECRET, "d-1", salt)  # what lets the worker write the link the API made
    others = {
        token_for(SECRET, "d-2", salt),
        token_for(SECRET, "d-1", new_salt()),  # a new salt, a new link for the same dispute
        token_for(SECRET + b"!", "d-1", salt),
    }
    assert token not in others and len(others) == 3
    assert well_formed(token) and len(token) == 43  # 256 bits, URL-safe, no padding


def test_what_postgresql_keeps_is_the_hash_not_the_token() -> None:
    token = token_for(SECRET, "d-1", new_salt())
    assert len(token_hash(token)) == 32 and token.encode() not in token_hash(token)


@pytest.mark.parametrize("candidate", ["", "short", "x" * 44, "é" * 43, "a b" + "c" * 40, "a/" + "b" * 41])
def test_only_what_could_be_a_token_is_looked_up(candidate: str) -> None:
    assert not well_formed(candidate)


def test_a_form_token_is_good_for_its_own_link_only() -> None:
    mine, other = token_for(SECRET, "d-1", new_salt()), token_for(SECRET, "d-2", new_salt())
    assert form_token_valid(SECRET, mine, form_token(SECRET, mine))
    assert not form_token_valid(SECRET, mine, form_token(SECRET, other))
    assert not form_token_valid(SECRET, mine, "")
    assert not form_token_valid(SECRET, mine, "\ud800")  # whatever a form sends, a refusal, not a crash
    assert form_token(SECRET, mine) != mine


def test_settings_links_are_off_without_a_secret_and_a_short_one_is_refused() -> None:
    assert not CustomerLinkSettings(customer_link_secret=None).enabled
    assert not CustomerLinkSettings(customer_link_secret="  ").enabled
    with pytest.raises(ValidationError, match="at least 32 characters"):
        CustomerLinkSettings(customer_link_secret="too-short")
    settings = CustomerLinkSettings(
        customer_link_secret=SECRET.decode(), customer_link_ttl="P30D", public_base_url="https://j24.ma/"
    )
    assert settings.customer_link_ttl == timedelta(days=30)
    assert settings.url("tok") == "https://j24.ma/c/tok"
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL"):
        CustomerLinkSettings(public_base_url="j24.ma")


def test_settings_defaults_a_year_and_the_local_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CUSTOMER_LINK_SECRET", "CUSTOMER_LINK_TTL", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = CustomerLinkSettings()
    assert (settings.enabled, settings.customer_link_ttl) == (False, timedelta(days=365))
    assert settings.public_base_url == "http://localhost:8000"
