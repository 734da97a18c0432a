"""The delivery channels as the delivery activity sees them: two small interfaces and two failures.

Senders say *whether* retrying can help; the activity decides what to record and what to tell Temporal.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import Message
from typing import Any, Protocol


class ChannelFailure(Exception):
    """A channel did not take a message.

    ``summary`` is safe for logs and Temporal failures (codes, never an address); ``detail`` may quote
    the server's answer and goes to the outbox row only.
    """

    def __init__(self, summary: str, detail: str | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail or summary


class Refused(ChannelFailure):
    """Refused for good (an unknown mailbox, a 4xx from a webhook receiver): retrying cannot help."""


class Unavailable(ChannelFailure):
    """Not taken this time (down, busy, rate-limited, misconfigured): a later attempt may succeed."""


class EmailSender(Protocol):
    async def send(self, message: Message) -> None:
        """Hand the message to the mail server; raise ``Refused`` or ``Unavailable`` if it was not taken."""
        ...

    async def close(self) -> None:
        """Close the connections it keeps open between messages (a stopping worker)."""
        ...


class WebhookSender(Protocol):
    async def post(self, url: str, event: dict[str, Any], delivery_id: str, secrets: Sequence[str]) -> None:
        """POST the event signed with the receiver's ``secrets``; raise ``Refused`` or ``Unavailable`` if the
        receiver did not take it."""
        ...
