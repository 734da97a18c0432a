"""Delivery settings from the environment: channels turned off by an empty value, teams' addresses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.delivery_settings import DeliverySettings
from workflows.options import DELIVERY_TIMEOUT

_VARIABLES = (
    "SMTP_HOST", "SMTP_PORT", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_TLS", "MAIL_FROM", "MAIL_DOMAIN",
    "SELLER_WEBHOOK_URL", "ALERTS_WEBHOOK_URL", "WEBHOOK_SECRET", "OPERATORS_EMAIL", "NOTIFY_TEAM_EMAILS",
    "SMTP_TIMEOUT", "WEBHOOK_TIMEOUT",
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


def test_a_webhook_is_never_sent_unsigned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTS_WEBHOOK_URL", "https://alerts.example.ma/in")
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET"):
        DeliverySettings()


def test_an_attempt_covers_both_sends_and_fits_the_workflows_limit() -> None:
    settings = DeliverySettings(smtp_timeout=20, webhook_timeout=7)
    assert settings.longest_attempt.total_seconds() > 20 + 7
    # The workflow gives one attempt DELIVERY_TIMEOUT; with the default timeouts it must be enough.
    assert DeliverySettings().longest_attempt < DELIVERY_TIMEOUT
