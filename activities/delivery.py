"""Delivering the outbox: one notification per activity call, its outcome recorded on its row.

A row goes from ``pending`` to ``sent``, ``failed`` or ``skipped``, and a final row is never sent
again. Before the first send the row gets its Message-ID (also the webhook's delivery id), so a resend
after a crash mid-send repeats it and the receiver can drop the copy. Each channel that took the
message is recorded at once: a retry after one channel succeeded sends only on the others.

An attempt holds a lease on the row while it works (``activities.delivery_lease``), so that two attempts
never send at once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import delivery_lease
from activities.channels import EmailSender, Refused, Unavailable, WebhookSender
from activities.composer import CannotRender, Composer, DisputeNotRecorded, Prepared
from activities.email import SmtpSender
from activities.phone import SMS, WHATSAPP, SmsSender, WhatsAppSender, client_reference
from activities.recipients import DISPUTE_QUERY, EMAIL
from activities.webhooks import HttpWebhookSender
from infra.customer_links import CustomerLinkSettings
from infra.delivery_settings import DeliverySettings
from workflows.delivery import Delivered, DeliveryResult, EventRef, NotificationKey
from workflows.options import BAD_DATA, DELIVERY_REFUSED

T = TypeVar("T")

_Failures = dict[str, dict[str, str]]  # channel -> {"summary": ..., "detail": ...}

# Retryable failures: the activity's retry policy brings the message back later.
DELIVERY_UNAVAILABLE = "DeliveryUnavailable"
DELIVERY_BUSY = "DeliveryBusy"
DISPUTE_NOT_RECORDED = "DisputeNotRecorded"

# The outbox key, by dispute (dispute_id) or by seller account change (account_change_id).
_KEY = "{subject} = $1 AND seq = $2 AND kind = $3 AND recipient_kind = $4 AND recipient_ref = $5"
_CLAIM = f"""
UPDATE notifications
SET attempts = attempts + 1, last_attempt_at = now(), locked_until = now() + $6::interval,
    message_id = COALESCE(message_id, $7)
WHERE {_KEY} AND status = 'pending' AND (locked_until IS NULL OR locked_until < now())
RETURNING id, attempts, language, data, created_at, message_id, channels_done, channels_failed
"""
_RECORDED = f"""
SELECT status, channels_done, channels_failed, last_error, locked_until - now() AS lease_left
FROM notifications WHERE {_KEY}
"""
_CHANNEL_DONE = """
UPDATE notifications SET channels_done = array_append(channels_done, $2)
WHERE id = $1 AND NOT $2 = ANY (channels_done)
"""
# channel -> {"summary": codes only, fit for logs and the workflow; "detail": the server's answer}
_CHANNEL_FAILED = "UPDATE notifications SET channels_failed = channels_failed || $2::jsonb WHERE id = $1"
_FINISH = """
UPDATE notifications
SET status = $2, last_error = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() END, locked_until = NULL
WHERE id = $1
"""
_EVENT_ROWS = """
SELECT seq, kind, recipient_kind, recipient_ref FROM notifications
WHERE dispute_id = $1 AND seq = $2 ORDER BY id
"""
_RELEASE = "UPDATE notifications SET last_error = $2, locked_until = NULL WHERE id = $1"
_WHATSAPP_SENT = """
INSERT INTO whatsapp_messages (message_id, notification_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
"""


class Deliveries:
    """The ``deliver_notification`` activity, with its transports injected."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: DeliverySettings,
        email: EmailSender,
        webhooks: WebhookSender,
        links: CustomerLinkSettings | None = None,
        whatsapp: WhatsAppSender | None = None,
        sms: SmsSender | None = None,
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._email = email
        self._webhooks = webhooks
        # Used only when routing opens their channel, which the settings decide.
        self._whatsapp = whatsapp or WhatsAppSender(settings)
        self._sms = sms or SmsSender(settings)
        self._composer = Composer(pool, settings, links)
        self._under_way: set[asyncio.Task[Any]] = set()

    @classmethod
    def from_settings(
        cls, pool: asyncpg.Pool, settings: DeliverySettings, links: CustomerLinkSettings | None = None
    ) -> Deliveries:
        """SMTP and webhooks signed with each receiver's secrets, as the settings describe them; the
        customer's link as ``links`` (default: the environment's) writes it."""
        webhooks = HttpWebhookSender(timeout=settings.webhook_timeout)
        return cls(pool, settings, SmtpSender(settings), webhooks, links or CustomerLinkSettings())

    def to_the_end(self, send: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """``send`` in a task of its own, which a caller that stops waiting does not cut short: it goes on
        to its recorded outcome, under its rows' leases. ``close`` waits for it."""
        task = asyncio.create_task(send)
        self._under_way.add(task)
        task.add_done_callback(self._under_way.discard)
        return task

    async def close(self) -> None:
        """Let the sends under way (``to_the_end``) end, then close the mail server connections kept between
        messages (a stopping worker, once its activities are done)."""
        if self._under_way:
            await asyncio.wait(set(self._under_way))
        await self._email.close()

    @property
    def longest_attempt(self) -> timedelta:
        """How long one call can take with these settings' timeouts."""
        return self._settings.longest_attempt

    def message_id(self, key: NotificationKey) -> str:
        """``<dispute.seq.kind.recipient-kind.hash@domain>``: stable, and without the recipient's id.

        An account change's notification reads ``<account-change-<id>.kind.recipient-kind.hash@domain>``.
        """
        ref = hashlib.sha256(key.recipient_ref.encode()).hexdigest()[:16]
        subject = (
            f"{key.dispute_id}.{key.seq}"
            if key.dispute_id is not None
            else f"account-change-{key.account_change_id}"
        )
        parts = f"{subject}.{key.kind}.{key.recipient_kind.value}.{ref}"
        return f"<{parts}@{self._settings.mail_domain}>"

    @activity.defn(name="deliver_notification")
    async def deliver(self, key: NotificationKey) -> DeliveryResult:
        """Send one queued notification on its recipient's channels and record the outcome.

        A notification already sent, failed or skipped answers its recorded outcome and sends nothing.
        A refusal (a 5xx from the mail server, a 4xx from a webhook receiver) is recorded and raised as
        a non-retryable ``DeliveryRefused``; anything that may pass later raises a retryable error.
        """
        return await self._deliver(key)

    async def _deliver(self, key: NotificationKey, dispute: asyncpg.Record | None = None) -> DeliveryResult:
        """``deliver``; ``dispute``: its dispute's read-model row if the caller already read it."""
        row = await self._pool.fetchrow(
            _sql(_CLAIM, key), *_key_args(key), delivery_lease.LEASE, self.message_id(key)
        )
        if row is None:
            return await self._unclaimed(key)
        try:
            async with delivery_lease.holding(self._pool, row["id"], row["attempts"]):
                message = await self._prepared(key, row, dispute)
                done, refused, unavailable = await self._send(row, message)
        except ApplicationError as error:
            await self._pool.execute(_RELEASE, row["id"], error.message)
            raise
        except Exception as error:
            # Not a crash: the attempt ends here, so free the row for the retry at once.
            await self._pool.execute(_RELEASE, row["id"], f"unexpected {type(error).__name__}")
            raise
        return await self._finish(key, row["id"], done, refused, unavailable, message)

    @activity.defn(name="deliver_notifications")
    async def deliver_all(self, keys: list[NotificationKey]) -> list[DeliveryResult]:
        """Deliver several queued notifications (an event's) side by side, each as ``deliver`` does: its
        own row, lease and recorded outcome. A refusal is that notification's ``failed`` result. If any
        may pass later, the call fails retryably, and its retry sends only what is still pending."""
        return await self._deliver_all(keys)

    async def _deliver_all(
        self, keys: list[NotificationKey], dispute: asyncpg.Record | None = None
    ) -> list[DeliveryResult]:
        deliveries = (self._deliver(key, dispute) for key in keys)
        outcomes = await asyncio.gather(*deliveries, return_exceptions=True)
        results: list[DeliveryResult] = []
        waiting: list[ApplicationError] = []
        for outcome in outcomes:
            if isinstance(outcome, DeliveryResult):
                results.append(outcome)
            elif isinstance(outcome, ApplicationError) and outcome.non_retryable:
                refused = outcome.details[0] if outcome.details else None
                results.append(
                    DeliveryResult.model_validate(refused)
                    if isinstance(refused, dict)
                    else DeliveryResult(status="failed", channels=[], reason=outcome.type)
                )
            elif isinstance(outcome, ApplicationError):
                waiting.append(outcome)
            elif isinstance(outcome, BaseException):
                raise outcome
        if waiting:
            delays = [error.next_retry_delay for error in waiting if error.next_retry_delay is not None]
            raise ApplicationError(
                "; ".join(error.message for error in waiting),
                type=waiting[0].type,
                next_retry_delay=max(delays) if len(delays) == len(waiting) else None,
            )
        return results

    @activity.defn(name="deliver_event_notifications")
    async def deliver_event(self, event: EventRef) -> list[Delivered]:
        """Deliver whatever the outbox holds for one event of a dispute, as ``deliver_all`` does.

        The dispute's row is read once for all of them (not yet recorded: each reads it again, and waits).
        """
        rows = await self._pool.fetch(_EVENT_ROWS, event.dispute_id, event.seq)
        keys = [NotificationKey.model_validate(dict(row) | {"dispute_id": event.dispute_id}) for row in rows]
        dispute = await self._pool.fetchrow(DISPUTE_QUERY, event.dispute_id) if keys else None
        results = await self._deliver_all(keys, dispute)
        return [Delivered(key=key, result=result) for key, result in zip(keys, results, strict=True)]

    async def _unclaimed(self, key: NotificationKey) -> DeliveryResult:
        recorded = await self._pool.fetchrow(_sql(_RECORDED, key), *_key_args(key))
        if recorded is None:
            raise ApplicationError(f"{_label(key)}: not in the outbox", type=BAD_DATA, non_retryable=True)
        if recorded["status"] == "pending":  # another attempt holds the lease
            # Come back as it runs out, not after a growing backoff: if that attempt died, take over then.
            lease_left = max(recorded["lease_left"] or timedelta(0), timedelta(0))
            raise ApplicationError(
                f"{_label(key)}: another attempt is under way",
                type=DELIVERY_BUSY,
                next_retry_delay=lease_left + timedelta(seconds=1),
            )
        _log(key, f"already {recorded['status']}, nothing sent")
        failed = recorded["channels_failed"]
        reason = _join(failed, "summary") if failed else recorded["last_error"]
        if recorded["status"] == "sent":  # an alternative may have been refused before one took it
            reason = None
        return DeliveryResult.model_validate(
            {"status": recorded["status"], "channels": recorded["channels_done"], "reason": reason}
        )

    async def _prepared(
        self, key: NotificationKey, row: asyncpg.Record, dispute: asyncpg.Record | None
    ) -> Prepared:
        """What the notification says and where it goes, or the error the attempt ends with."""
        try:
            return await self._composer.prepare(key, row, dispute)
        except DisputeNotRecorded:
            # Its first event is recorded right after the outbox rows: wait for it.
            raise ApplicationError(
                f"{_label(key)}: dispute not in the read model yet", type=DISPUTE_NOT_RECORDED
            ) from None
        except CannotRender as error:
            # A message that cannot be written will not be written on the next attempt either.
            reason = f"cannot render: {error}"
            await self._pool.execute(_FINISH, row["id"], "failed", reason)
            raise ApplicationError(f"{_label(key)}: {reason}", type=BAD_DATA, non_retryable=True) from None

    async def _send(self, row: asyncpg.Record, message: Prepared) -> tuple[list[str], _Failures, _Failures]:
        """Send on each channel neither done nor refused before; return the channels done (in the order
        recorded on the row), the refusals and the failures.

        Alternatives stop at the first channel that took it (now or on an earlier attempt), and at one that
        may take it later: the next is tried only after a refusal, so a customer is told once.
        """
        refused: _Failures = dict(row["channels_failed"])
        unavailable: _Failures = {}
        done: list[str] = list(row["channels_done"])  # the lease keeps other attempts off the row
        for channel, target in message.channels:
            if message.alternatives and (done or unavailable):
                break
            if channel in done or channel in refused:
                continue
            try:
                if channel == EMAIL:
                    await self._email.send(self._composer.email(row, target, message))
                elif channel == WHATSAPP:
                    ref = client_reference(row["id"], channel)
                    sent = await self._whatsapp.send(target, message.short, ref)
                    if sent is not None:  # its status webhooks name it
                        await self._pool.execute(_WHATSAPP_SENT, sent, row["id"])
                elif channel == SMS:
                    await self._sms.send(target, message.short, client_reference(row["id"], channel))
                else:
                    secrets = message.secrets.get(channel, ())
                    await self._webhooks.post(target, message.event, row["message_id"].strip("<>"), secrets)
            except Refused as failure:
                refused[channel] = {"summary": failure.summary, "detail": failure.detail}
                await self._pool.execute(_CHANNEL_FAILED, row["id"], {channel: refused[channel]})
            except Unavailable as failure:
                unavailable[channel] = {"summary": failure.summary, "detail": failure.detail}
            else:
                await self._pool.execute(_CHANNEL_DONE, row["id"], channel)
                done.append(channel)
        return done, refused, unavailable

    async def _finish(
        self,
        key: NotificationKey,
        row_id: int,
        done: list[str],
        refused: _Failures,
        unavailable: _Failures,
        message: Prepared,
    ) -> DeliveryResult:
        if unavailable:
            # Done channels are already recorded; the retry sends on the others only.
            await self._pool.execute(_RELEASE, row_id, _join(unavailable, "detail"))
            _log(key, f"waiting for {', '.join(unavailable)}", done)
            summary = _join(unavailable, "summary")
            raise ApplicationError(f"{_label(key)}: not delivered yet ({summary})", type=DELIVERY_UNAVAILABLE)
        # An alternative that took it makes up for those refused before it (kept on the row).
        if refused and not (message.alternatives and done):
            reason = _join(refused, "summary")
            await self._pool.execute(_FINISH, row_id, "failed", _join(refused, "detail"))
            _log(key, "failed", done)
            result = DeliveryResult(status="failed", channels=done, reason=reason)
            raise ApplicationError(
                f"{_label(key)}: refused ({reason})",
                result.model_dump(mode="json"),
                type=DELIVERY_REFUSED,
                non_retryable=True,
            )
        status, skipped = ("sent", None) if done else ("skipped", message.skipped)
        await self._pool.execute(_FINISH, row_id, status, skipped)
        _log(key, status, done)
        return DeliveryResult(status=status, channels=done, reason=skipped)


def _join(failures: _Failures, part: str) -> str:
    return "; ".join(f"{channel}: {why[part]}" for channel, why in failures.items())


def _sql(query: str, key: NotificationKey) -> str:
    return query.format(subject="dispute_id" if key.dispute_id is not None else "account_change_id")


def _key_args(key: NotificationKey) -> tuple[Any, ...]:
    subject = key.dispute_id if key.dispute_id is not None else key.account_change_id
    return subject, key.seq, key.kind, key.recipient_kind.value, key.recipient_ref


def _label(key: NotificationKey) -> str:
    """How a notification is named in logs and failures: ids and codes, never contact details."""
    subject = (
        f"{key.dispute_id}#{key.seq}"
        if key.dispute_id is not None
        else f"account-change-{key.account_change_id}"
    )
    return f"notification {subject} {key.kind} to {key.recipient_kind.value}"


def _log(key: NotificationKey, status: str, channels: list[str] | None = None) -> None:
    via = f" via {', '.join(channels)}" if channels else ""
    activity.logger.info("%s: %s%s", _label(key), status, via)
