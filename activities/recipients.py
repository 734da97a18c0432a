"""Who a notification goes to and on which channels, and what its templates and webhook event see."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import asyncpg

from activities.phone import SMS, WHATSAPP
from activities.sellers import CHANGE_COLUMNS
from activities.templating import Rendered
from infra.delivery_settings import DeliverySettings
from workflows.delivery import NotificationKey
from workflows.events import NotificationKind, RecipientKind
from workflows.models import Deadline, Language
from workflows.seller_payloads import AccountChange

EMAIL = "email"
WEBHOOK = "webhook"  # the receiver the settings name: the seller portal, the operators' alerts
SELLER_WEBHOOK = "seller_webhook"  # the seller's own receiver, from the directory

# The read model's fields a message may mention: no free text, no customer contact details.
_DISPUTE_FIELDS = (
    "tier", "status", "order_id", "category", "seller_id", "outcome", "sla_breached", "breach_reminders",
)  # fmt: skip
DISPUTE_QUERY = (
    f"SELECT {', '.join(_DISPUTE_FIELDS)}, reference, deadlines, customer_name, customer_email,"
    " customer_phone, customer_channel, state->>'description' AS description FROM disputes"
    " WHERE dispute_id = $1"
)
# The change a strike made during a dispute. Strikes only raise an account, so one dispute's changes
# reach distinct statuses (short of a reinstatement in between): the status the message names finds it.
_CHANGE_OF_DISPUTE = f"""
SELECT {CHANGE_COLUMNS} FROM seller_account_changes
WHERE seller_id = $1 AND dispute_id = $2 AND to_status = $3
ORDER BY id DESC LIMIT 1
"""


# What the directory says of a seller: how it is greeted, reached, and in which language it reads; and
# the secrets its own receiver's events are signed with (the newest first; two during a rotation).
_SELLER = """
SELECT name, email, language, webhook_url,
       ARRAY(SELECT secret FROM seller_webhook_secrets w WHERE w.seller_id = sellers.seller_id
             ORDER BY id DESC LIMIT 2) AS webhook_secrets
FROM sellers WHERE seller_id = $1
"""


@dataclass(frozen=True)
class Route:
    """The recipient's name (for the greeting), its channels as (channel, address or URL) in order, and
    the language it reads; None: the one queued with the message (the customer's own)."""

    name: str | None
    channels: list[tuple[str, str]] = field(default_factory=list)
    skipped: str = ""  # why some channel or all of them are not used
    language: Language | None = None
    # Each webhook channel's receiver's secrets, current first: what its events are signed with.
    secrets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The channels are alternatives, in order: the message goes by the first that takes it, and by the
    # next only when the one before refused it for good (a customer's: told once, not on every channel).
    alternatives: bool = False


async def route(
    pool: asyncpg.Pool,
    settings: DeliverySettings,
    key: NotificationKey,
    dispute: asyncpg.Record | None,
) -> Route:
    """The channels open to the recipient; a channel with no address or URL is left out, not failed.

    The language is decided here, at delivery, for the recipients the workflow cannot know it of: a
    seller reads its directory's (French until the directory gives one), teams and operators the
    staff's (``STAFF_LANGUAGE``). A customer reads the one it chose at intake, queued with the message.
    """
    kind = key.recipient_kind
    if kind == RecipientKind.CUSTOMER:
        # The address the customer gave for this dispute, read from its row as the message goes out: the
        # outbox keeps no copy (one place to erase it from).
        return _customer(settings, dispute)
    if kind == RecipientKind.SELLER:
        return await _seller(pool, settings, key.recipient_ref)
    staff = settings.staff_language
    if kind == RecipientKind.TEAM:
        address = settings.team_email(key.recipient_ref)
        none_open = f"no e-mail address configured for team {key.recipient_ref}"
        return _open(None, [(EMAIL, address)], none_open, staff)
    return _open(
        None,
        [(WEBHOOK, settings.alerts_webhook_url), (EMAIL, settings.operators_email)],
        "no alerts URL and no operators' address configured",
        staff,
        {WEBHOOK: settings.alerts_secrets},
    )


# Why a customer with only a phone gets nothing: the settings that would open a channel to it.
PHONE_CLOSED = (
    "no e-mail address; phone-only customer, and no phone channel configured"
    " (WHATSAPP_API_URL, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_TOKEN; or SMS_API_URL, SMS_API_KEY, SMS_SENDER)"
)


def _customer(settings: DeliverySettings, dispute: asyncpg.Record | None) -> Route:
    """The customer's channels as alternatives: the one it prefers first (when open), then e-mail, WhatsApp,
    SMS, those it gave an address for (a phone in E.164, as intake checks it) and the settings open."""
    if dispute is None:
        return Route(None, skipped="no e-mail address or phone")
    email, phone = dispute["customer_email"], dispute["customer_phone"]
    candidates = [(EMAIL, email), (WHATSAPP, phone if settings.whatsapp_open else None),
                  (SMS, phone if settings.sms_open else None)]  # fmt: skip
    channels = [(channel, target) for channel, target in candidates if target]
    preferred = [c for c in channels if c[0] == dispute["customer_channel"]]
    channels = preferred + [c for c in channels if c not in preferred]
    name = dispute["customer_name"]
    if channels:
        return Route(name, channels, alternatives=True)
    return Route(name, skipped=PHONE_CLOSED if phone else "no e-mail address or phone")


async def _seller(pool: asyncpg.Pool, settings: DeliverySettings, seller_id: str) -> Route:
    seller = await pool.fetchrow(_SELLER, seller_id)
    own_url, own_secrets = (seller["webhook_url"], tuple(seller["webhook_secrets"])) if seller else (None, ())
    route = _open(
        seller["name"] if seller else None,
        [
            (WEBHOOK, settings.seller_webhook_url),
            (SELLER_WEBHOOK, own_url if own_secrets else None),
            (EMAIL, seller["email"] if seller else None),
        ],
        "no seller portal URL configured and no e-mail address or webhook URL in the seller directory",
        Language(seller["language"]) if seller and seller["language"] else Language.FR,
        {WEBHOOK: settings.portal_secrets, SELLER_WEBHOOK: own_secrets},
    )
    if own_url and not own_secrets:  # unsigned, it could not be told from a forgery: not sent
        unsigned = "the seller's webhook URL has no secret yet (POST /sellers/{id}/webhook-secrets)"
        return replace(route, skipped="; ".join(filter(None, (route.skipped, unsigned))))
    return route


def _open(
    name: str | None,
    candidates: list[tuple[str, str | None]],
    none_open: str,
    language: Language,
    secrets: dict[str, tuple[str, ...]] | None = None,
) -> Route:
    channels = [(channel, target) for channel, target in candidates if target]
    return Route(name, channels, "" if channels else none_open, language, secrets or {})


async def notification_data(
    pool: asyncpg.Pool, key: NotificationKey, data: dict[str, Any], dispute: asyncpg.Record | None
) -> dict[str, Any]:
    """The queued data; with the complaint's description for the seller's complaint notice; and for a
    change of a seller's account made during a dispute, the change itself.

    The seller answers a complaint it can read: the notice carries the customer's description from the
    read model's state (the workflow queues only the date to respond by; a dispute recorded before the
    state kept the description has none). Of a change, the dispute's workflow queues only the new
    ``status``; the seller service that enforces it also needs where it came from, why and when: the same
    facts an operator's reinstatement carries.
    """
    if key.kind == NotificationKind.COMPLAINT_NOTICE and dispute is not None and dispute["description"]:
        return data | {"description": dispute["description"]}
    if key.kind != NotificationKind.SELLER_ACCOUNT_CHANGED or key.dispute_id is None or "from" in data:
        return data
    row = await pool.fetchrow(_CHANGE_OF_DISPUTE, key.recipient_ref, key.dispute_id, data.get("status"))
    if row is None:
        return data
    return AccountChange.model_validate(dict(row)).facts() | data


def deadlines(dispute: asyncpg.Record | None) -> dict[str, datetime]:
    if dispute is None:
        return {}
    return {d.kind.value: d.due_at for d in map(Deadline.model_validate, dispute["deadlines"])}


def _dispute(dispute: asyncpg.Record | None) -> dict[str, Any] | None:
    return {f: dispute[f] for f in _DISPUTE_FIELDS} if dispute is not None else None


def reference(key: NotificationKey, dispute: asyncpg.Record | None) -> str | None:
    """What a message calls the dispute: its reference (``J24-7KX4M2QJ``), the one the customer reads out
    and types; its id for a dispute opened before references existed; None for no dispute."""
    return (dispute["reference"] if dispute is not None else None) or key.dispute_id


def template_context(
    key: NotificationKey, data: dict[str, Any], dispute: asyncpg.Record | None, name: str | None
) -> dict[str, Any]:
    """What templates see; ``ref`` and ``dispute`` are None for a message about a seller's account."""
    return {
        "ref": reference(key, dispute),
        "name": name,
        "team": key.recipient_ref if key.recipient_kind == RecipientKind.TEAM else None,
        "data": data,
        "dispute": _dispute(dispute),
        "deadlines": deadlines(dispute),
    }


def webhook_event(
    key: NotificationKey,
    delivery_id: str,
    row: asyncpg.Record,
    data: dict[str, Any],
    dispute: asyncpg.Record | None,
    rendered: Rendered,
    language: Language,
) -> dict[str, Any]:
    """The JSON event a receiver gets: the facts as data, and the message as a person reads it."""
    return {
        "id": delivery_id,
        "type": f"{key.recipient_kind.value}.{key.kind}",
        "dispute_id": key.dispute_id,
        "reference": dispute["reference"] if dispute is not None else None,
        "seq": key.seq,
        "kind": key.kind,
        "recipient": {"kind": key.recipient_kind.value, "ref": key.recipient_ref},
        "created_at": row["created_at"].isoformat(),
        "language": language.value,
        "data": data,
        "dispute": _dispute(dispute),
        "deadlines": {kind: due.isoformat() for kind, due in deadlines(dispute).items()},
        "title": rendered.subject,
        "text": rendered.text,
    }
