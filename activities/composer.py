"""What a notification says and where it goes: its recipient's channels, and its text in the recipient's
language for each of them (an e-mail, a webhook's event, a short phone message)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from typing import Any

import asyncpg
from jinja2 import TemplateError

from activities.channels import Refused
from activities.customer_links import CustomerLinks
from activities.email import build_message
from activities.phone import ShortMessage
from activities.recipients import DISPUTE_QUERY, notification_data, route, template_context, webhook_event
from activities.templating import Rendered, render
from infra.customer_links import CustomerLinkSettings
from infra.delivery_settings import DeliverySettings
from workflows.delivery import NotificationKey
from workflows.events import RecipientKind
from workflows.models import Language


class DisputeNotRecorded(Exception):
    """The notification's dispute is not in the read model yet."""


class CannotRender(Exception):
    """The message cannot be written (its template or data is broken): the same on every attempt."""


@dataclass(frozen=True)
class Prepared:
    """One message as written for its recipient, and where it goes."""

    rendered: Rendered
    channels: list[tuple[str, str]]
    event: dict[str, Any]  # the webhook's
    skipped: str  # why some channel, or every one, is not open
    language: Language  # the one it is written in
    secrets: dict[str, tuple[str, ...]]  # each webhook channel's receiver's
    short: ShortMessage  # what WhatsApp and SMS say
    alternatives: bool  # the first channel that takes it is enough (``Route.alternatives``)


class Composer:
    """Writes an outbox row's notification for its recipient."""

    def __init__(
        self, pool: asyncpg.Pool, settings: DeliverySettings, links: CustomerLinkSettings | None = None
    ) -> None:
        self._pool = pool
        self._settings = settings
        # Unset: no link in any message (``CustomerLinkSettings``' secret unset does the same).
        self._links = CustomerLinks(pool, links or CustomerLinkSettings(customer_link_secret=None))

    async def prepare(
        self, key: NotificationKey, row: asyncpg.Record, dispute: asyncpg.Record | None
    ) -> Prepared:
        """The message of outbox row ``row``; ``dispute``: its dispute's read-model row if already read.

        Raises ``DisputeNotRecorded`` or ``CannotRender``.
        """
        # A seller account's notification is about no dispute.
        if key.dispute_id is not None and dispute is None:
            dispute = await self._pool.fetchrow(DISPUTE_QUERY, key.dispute_id)
            if dispute is None:
                raise DisputeNotRecorded
        recipient = await route(self._pool, self._settings, key, dispute)
        language = recipient.language or Language(row["language"])
        data = await notification_data(self._pool, key, row["data"], dispute)
        # The customer's private link: written now, never queued (``activities.customer_links``).
        link = None
        if key.recipient_kind == RecipientKind.CUSTOMER and key.dispute_id is not None:
            link = await self._links.url(key.dispute_id)
        try:
            context = template_context(key, data, dispute, recipient.name) | {"link": link}
            rendered = render(key.recipient_kind, key.kind, language, context)
        except (TemplateError, ValueError, KeyError) as error:
            raise CannotRender(type(error).__name__) from None
        delivery_id = row["message_id"].strip("<>")
        return Prepared(
            rendered,
            recipient.channels,
            webhook_event(key, delivery_id, row, data, dispute, rendered, language),
            recipient.skipped,
            language,
            recipient.secrets,
            ShortMessage(
                key.kind, language, str(context["ref"] or ""), link or self._settings.customer_help_url
            ),
            recipient.alternatives,
        )

    def email(self, row: asyncpg.Record, to: str, message: Prepared) -> Message:
        """The e-mail to ``to``, with the row's Message-ID and its queued time as its Date."""
        rendered = message.rendered
        try:
            return build_message(
                sender=self._settings.mail_from,
                to=to,
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                message_id=row["message_id"],
                language=message.language.value,
                date=row["created_at"],
            )
        except (ValueError, TypeError, IndexError):
            raise Refused("invalid e-mail address") from None
