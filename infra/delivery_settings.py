"""Where notifications go: the SMTP server, the webhook receivers, and the internal addresses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.models import Language

# The addresses of the policy's three tiers; NOTIFY_TEAM_EMAILS overrides some or all of them.
DEFAULT_TEAM_EMAILS = {
    "customer_service": "service-client@jamla24.ma",
    "resolution_team": "resolution-team@jamla24.ma",
    "customer_experience": "experience-client@jamla24.ma",
}
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
# Seconds an attempt spends on its outbox row around the sends: claim, render, record the outcome.
_DATABASE_ALLOWANCE = 5.0
_MOST_WEBHOOKS = 2  # a seller's message: the seller portal and the seller's own receiver


def _secrets(*candidates: SecretStr | None) -> tuple[str, ...]:
    return tuple(secret.get_secret_value() for secret in candidates if secret is not None)


class DeliverySettings(BaseSettings):
    """``SMTP_*``, ``MAIL_*``, the webhook URLs and secret, the operators' and teams' addresses, and the
    language they read (``STAFF_LANGUAGE``: ``fr``, ``ar`` or ``en``).

    An empty URL or address turns that channel off: its messages are skipped, not failed.
    ``NOTIFY_TEAM_EMAILS`` is a JSON object, team name to address, e.g.
    ``{"resolution_team": "rt@example.ma"}``.
    """

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    smtp_host: str = "localhost"
    smtp_port: int | None = None  # unset: 25, 587 or 465 after SMTP_TLS
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_timeout: float = 30.0  # seconds for one message's whole SMTP conversation
    # Connections kept open between messages (``activities.smtp_connections``): at most this many idle
    # (0: one connection per message; 16: the worker's 8 activity slots, each sending an event's customer
    # and seller messages side by side), each idle at most this many seconds and closed after this many
    # messages (servers limit them per connection).
    smtp_connections: int = Field(default=16, ge=0)
    smtp_idle_timeout: float = Field(default=30.0, gt=0)
    smtp_messages_per_connection: int = Field(default=100, ge=1)
    mail_from: str = "Jamla24 <no-reply@jamla24.ma>"
    mail_domain: str = "jamla24.ma"  # the right-hand side of every Message-ID
    seller_webhook_url: str | None = None
    alerts_webhook_url: str | None = None
    # Each receiver's secret, and the one before it while a rotation is under way (both sign). A receiver
    # without its own takes WEBHOOK_SECRET, the one secret every webhook used to share.
    seller_webhook_secret: SecretStr | None = None
    seller_webhook_secret_previous: SecretStr | None = None
    alerts_webhook_secret: SecretStr | None = None
    alerts_webhook_secret_previous: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    webhook_timeout: float = 10.0  # seconds for one POST, its answer included
    operators_email: str | None = "operators@jamla24.ma"
    notify_team_emails: dict[str, str] = {}
    # WhatsApp Business Cloud API and an HTTP SMS gateway, the customer's phone channels; each is open
    # only when all of its settings are set.
    whatsapp_api_url: str | None = None  # e.g. https://graph.facebook.com/v21.0
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None
    sms_api_url: str | None = None
    sms_api_key: SecretStr | None = None
    sms_sender: str | None = None  # the sender id the aggregator registered, e.g. JAMLA24
    phone_timeout: float = 10.0  # seconds for one WhatsApp or SMS request, its answer included
    # What a phone message links to when the dispute has no page link in force (links off, revoked).
    customer_help_url: str = "https://www.jamla24.ma/aide"
    # The language of the teams' and operators' messages; a seller's is its directory's, a customer's
    # the one it chose at intake.
    staff_language: Language = Language.FR

    @field_validator(
        "smtp_username", "smtp_password", "seller_webhook_url", "alerts_webhook_url", "webhook_secret",
        "seller_webhook_secret", "seller_webhook_secret_previous", "alerts_webhook_secret",
        "alerts_webhook_secret_previous", "operators_email", "whatsapp_api_url", "whatsapp_phone_number_id",
        "whatsapp_token", "sms_api_url", "sms_api_key",
        "sms_sender", mode="before",
    )  # fmt: skip
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _webhooks_are_signed(self) -> DeliverySettings:
        # An unsigned event cannot be told from a forged one: refuse to start rather than send it.
        for url, secrets, name in (
            (self.seller_webhook_url, self.portal_secrets, "SELLER"),
            (self.alerts_webhook_url, self.alerts_secrets, "ALERTS"),
        ):
            if url and not secrets:
                raise ValueError(
                    f"{name}_WEBHOOK_SECRET (or WEBHOOK_SECRET) is required with {name}_WEBHOOK_URL"
                )
        return self

    @property
    def portal_secrets(self) -> tuple[str, ...]:
        """What the seller portal's events are signed with: its secret (or WEBHOOK_SECRET), then the
        previous one while a rotation is under way."""
        current = self.seller_webhook_secret or self.webhook_secret
        return _secrets(current, self.seller_webhook_secret_previous)

    @property
    def alerts_secrets(self) -> tuple[str, ...]:
        """What the operators' alerts are signed with, as ``portal_secrets``."""
        current = self.alerts_webhook_secret or self.webhook_secret
        return _secrets(current, self.alerts_webhook_secret_previous)

    @property
    def whatsapp_open(self) -> bool:
        """WhatsApp is sent only with its URL, phone number id and token all set."""
        return bool(self.whatsapp_api_url and self.whatsapp_phone_number_id and self.whatsapp_token)

    @property
    def sms_open(self) -> bool:
        """SMS is sent only with the gateway's URL, key and sender id all set."""
        return bool(self.sms_api_url and self.sms_api_key and self.sms_sender)

    @property
    def port(self) -> int:
        return self.smtp_port or _DEFAULT_PORTS[self.smtp_tls]

    @property
    def longest_attempt(self) -> timedelta:
        """How long one delivery attempt can take: its e-mail, its webhooks (a seller's: the portal's and
        its own) or a customer's WhatsApp and SMS, one after the other (each bounded as a whole by its
        timeout), and the outbox's reads and writes around them.

        A stopping worker waits this long for the sends under way (``worker.py``).
        """
        others = max(_MOST_WEBHOOKS * self.webhook_timeout, 2 * self.phone_timeout)
        sends = self.smtp_timeout + others
        return timedelta(seconds=sends + _DATABASE_ALLOWANCE)

    def team_email(self, team: str) -> str | None:
        """The team's address; an empty string in NOTIFY_TEAM_EMAILS turns that team's e-mail off."""
        return (DEFAULT_TEAM_EMAILS | self.notify_team_emails).get(team) or None


class WhatsAppWebhookSettings(BaseSettings):
    """``WHATSAPP_APP_SECRET`` and ``WHATSAPP_VERIFY_TOKEN``: what the API's ``/webhooks/whatsapp`` checks
    Meta's status callbacks and subscription handshake with (the worker sends; the API hears back)."""

    model_config = SettingsConfigDict(env_prefix="", frozen=True)

    whatsapp_app_secret: SecretStr | None = None  # verifies the status webhooks' X-Hub-Signature-256
    whatsapp_verify_token: SecretStr | None = None  # answers the webhook's GET handshake

    @field_validator("whatsapp_app_secret", "whatsapp_verify_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value
