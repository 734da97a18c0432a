"""Delivery settings from the environment: channels turned off by an empty value, teams' addresses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.delivery_settings import DeliverySettings
from workflows.options import DELIVERY_TIMEOUT

_VARIABLES = (
    "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_TLS", "MAIL_FROM", "MAIL_DOMAIN",
    "SELLER_WEBHOOK_URL", "ALERTS_WEBHOOK_URL", "WEBHOOK_SECRET", "OPERATORS_EMAIL", "NOTIFY_TEAM_EMAILS",
    "SMTP_TIMEOUT", "WEBHOOK_TIMEOUT", "SELLER_WEBHOOK_SECRET", "SELLER_WEBHOOK_SECRET_PREVIOUS",
    "ALERTS_WEBHOOK_SECRET", "ALERTS_WEBHOOK_SECRET_PREVIOUS", "STAFF_LANGUAGE", "SMTP_CONNECTIONS",
    "SMTP_IDLE_TIMEOUT", "SMTP_MESSAGES_PER_CONNECTION",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_secure_and_reach_every_team() -> None:
    settings = DeliverySettings()
    assert (settings.smtp_tls, settings.port) == ("starttls", 587)
    assert settings.seller_webhook_url is None and settings.alerts_webhook_url is None
    assert settings.team_email("resolution_team") == "resolution-team@jamla24.ma"
    assert settings.team_email("customer_service") and settings.team_email("customer_experience")
    assert settings.team_email("no_such_team") is None


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_HOST", "smtp.example.ma")
    monkeypatch.setenv("SMTP_TLS", "tls")
    monkeypatch.setenv("SMTP_PASSWORD", "hunter2")
    monkeypatch.setenv("SELLER_WEBHOOK_URL", "https://sellers.example.ma/hooks")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("NOTIFY_TEAM_EMAILS", '{"resolution_team": "rt@example.ma", "customer_service": ""}')
    monkeypatch.setenv("OPERATORS_EMAIL", "")

    settings = DeliverySettings()

    assert (settings.smtp_host, settings.port) == ("smtp.example.ma", 465)
    assert "hunter2" not in repr(settings)
    assert settings.team_email("resolution_team") == "rt@example.ma"
    assert settings.team_email("customer_service") is None  # turned off
    assert settings.team_email("customer_experience") == "experience-client@jamla24.ma"  # default kept
    assert settings.operators_email is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("SMTP_CONNECTIONS", "-1"), ("SMTP_IDLE_TIMEOUT", "0"), ("SMTP_MESSAGES_PER_CONNECTION", "0")],
)
def test_smtp_connection_limits_out_of_range_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.lower()):
        DeliverySettings()


def test_a_webhook_is_never_sent_unsigned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTS_WEBHOOK_URL", "https://alerts.example.ma/in")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        DeliverySettings()


def test_each_receiver_signs_with_its_own_secret_and_its_previous_one_while_rotating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SELLER_WEBHOOK_URL", "https://sellers.example.ma/hooks")
    monkeypatch.setenv("ALERTS_WEBHOOK_URL", "https://alerts.example.ma/in")
    monkeypatch.setenv("WEBHOOK_SECRET", "shared")
    monkeypatch.setenv("SELLER_WEBHOOK_SECRET", "portal-2")
    monkeypatch.setenv("SELLER_WEBHOOK_SECRET_PREVIOUS", "portal-1")
    settings = DeliverySettings()
    assert settings.portal_secrets == ("portal-2", "portal-1")
    assert settings.alerts_secrets == ("shared",)  # none of its own: the shared one
    monkeypatch.setenv("ALERTS_WEBHOOK_SECRET", "alerts-1")
    monkeypatch.delenv("WEBHOOK_SECRET")
    assert DeliverySettings().alerts_secrets == ("alerts-1",)


def test_a_receiver_without_a_secret_of_its_own_or_shared_stops_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SELLER_WEBHOOK_URL", "https://sellers.example.ma/hooks")
    monkeypatch.setenv("ALERTS_WEBHOOK_URL", "https://alerts.example.ma/in")
    monkeypatch.setenv("ALERTS_WEBHOOK_SECRET", "alerts-1")
    with pytest.raises(ValidationError, match="SELLER_WEBHOOK_SECRET"):
        DeliverySettings()


def test_an_attempt_covers_every_send_and_fits_the_workflows_limit() -> None:
    settings = DeliverySettings(smtp_timeout=20, webhook_timeout=7)
    # The e-mail and a seller's two webhooks (the portal's, its own), one after the other.
    assert settings.longest_attempt.total_seconds() > 20 + 7 + 7
    # The workflow gives one attempt DELIVERY_TIMEOUT; with the default timeouts it must be enough.
    assert DeliverySettings().longest_attempt < DELIVERY_TIMEOUT
