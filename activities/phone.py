"""The customer's phone channels: WhatsApp (Business Cloud API template messages) and SMS (an HTTP gateway).

Many customers give only a phone number. Neither channel carries the e-mail's full text: WhatsApp sends a
template approved beforehand (named after the notification's kind) with the reference, a short status
phrase and the page's link as its parameters; SMS a short text with the same facts, one segment where the
alphabet allows (160 GSM-7 characters; Arabic is UCS-2, 70 characters a segment, so its phrases are
minimal).

Each request carries a client reference made of the outbox row's id and the channel: a resend after a crash
mid-send repeats it, so the provider's logs (and a gateway that deduplicates) show it as the same message.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from activities.channels import Refused, Unavailable
from infra.delivery_settings import DeliverySettings
from workflows.models import Language

WHATSAPP = "whatsapp"
SMS = "sms"

# What happened, in a few words: the template's second parameter, and the SMS's text.
_PHRASES: dict[Language, dict[str, str]] = {
    Language.FR: {
        "acknowledgement": "réclamation reçue",
        "investigation_started": "enquête ouverte",
        "information_requested": "informations demandées",
        "findings": "conclusions disponibles",
        "resolved": "litige réglé",
        "withdrawn": "réclamation retirée",
        "seller_contact_available": "contact du vendeur disponible",
        "seller_contact_released": "contact du vendeur transmis",
        "transferred_to_customer_experience": "transmis au service expérience client",
    },
    Language.EN: {
        "acknowledgement": "complaint received",
        "investigation_started": "investigation opened",
        "information_requested": "information requested",
        "findings": "findings available",
        "resolved": "dispute resolved",
        "withdrawn": "complaint withdrawn",
        "seller_contact_available": "seller contact available",
        "seller_contact_released": "seller contact shared",
        "transferred_to_customer_experience": "passed to customer experience",
    },
    Language.AR: {
        "acknowledgement": "تلقينا شكواك",
        "investigation_started": "فتحنا تحقيقا",
        "information_requested": "نحتاج معلومات",
        "findings": "النتائج متاحة",
        "resolved": "تمت التسوية",
        "withdrawn": "سحبت الشكوى",
        "seller_contact_available": "اتصال البائع متاح",
        "seller_contact_released": "أرسلنا اتصال البائع",
        "transferred_to_customer_experience": "أحيل لخدمة العملاء",
    },
}
_UPDATE = {Language.FR: "mise à jour", Language.EN: "update", Language.AR: "تحديث"}
_REFERENCE = {Language.FR: "Réf.", Language.EN: "Ref.", Language.AR: "مرجع"}


@dataclass(frozen=True)
class ShortMessage:
    """What a phone message says: the template (the notification's kind), its language, the facts."""

    kind: str
    language: Language
    ref: str
    link: str  # the dispute's page; without one (none in force), where customers find the service

    @property
    def phrase(self) -> str:
        return _PHRASES[self.language].get(self.kind, _UPDATE[self.language])

    @property
    def parameters(self) -> list[str]:
        """The WhatsApp template's body parameters, in order: reference, status, link. Always three: an
        approved template takes exactly the number it was approved with."""
        return [self.ref, self.phrase, self.link]

    @property
    def text(self) -> str:
        """The SMS: ``Jamla24: <status>. Ref. <reference> <link>``."""
        return f"Jamla24: {self.phrase}. {_REFERENCE[self.language]} {self.ref} {self.link}"


def client_reference(row_id: int, channel: str) -> str:
    """The same on every resend of one notification on one channel."""
    return f"jamla24-{row_id}-{channel}"


async def _post(
    client: httpx.AsyncClient | None, url: str, body: dict[str, Any], headers: dict[str, str], limit: float
) -> httpx.Response:
    # Bounded as a whole, so that the worker's shutdown grace, derived from it, covers a send under way.
    async with asyncio.timeout(limit):
        if client is not None:
            return await client.post(url, json=body, headers=headers, timeout=limit)
        async with httpx.AsyncClient(timeout=limit) as own:
            return await own.post(url, json=body, headers=headers)


# Not the message's fault: a token to renew (401), a timeout, a rate limit; the same message may pass later.
_TRY_AGAIN = {401, 408, 425, 429}


def _judge(channel: str, response: httpx.Response) -> None:
    """2xx taken; the above and 5xx later; any other answer (a number not on WhatsApp, a template not
    approved, a malformed message) for good."""
    code = response.status_code
    if 200 <= code < 300:
        return
    detail = f"HTTP {code} {response.text[:200]}".strip()
    if code in _TRY_AGAIN or code >= 500:
        raise Unavailable(f"{channel} HTTP {code}", detail)
    raise Refused(f"{channel} HTTP {code}", detail)


class WhatsAppSender:
    """Template messages through the WhatsApp Business Cloud API."""

    def __init__(self, settings: DeliverySettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client

    async def send(self, phone: str, message: ShortMessage, reference: str) -> str | None:
        """Send; answer the message's id (``messages[0].id``), which its status webhooks name."""
        s = self._settings
        token = s.whatsapp_token.get_secret_value() if s.whatsapp_token else ""
        url = f"{(s.whatsapp_api_url or '').rstrip('/')}/{s.whatsapp_phone_number_id}/messages"
        body = {
            "messaging_product": "whatsapp",
            "to": phone.removeprefix("+"),
            "type": "template",
            "template": {
                "name": message.kind,
                "language": {"code": message.language.value},
                "components": [
                    {"type": "body", "parameters": [{"type": "text", "text": p} for p in message.parameters]}
                ],
            },
            "biz_opaque_callback_data": reference,
        }
        try:
            response = await _post(
                self._client, url, body, {"Authorization": f"Bearer {token}"}, s.phone_timeout
            )
        except (httpx.HTTPError, TimeoutError) as exc:
            raise Unavailable(f"whatsapp unreachable ({type(exc).__name__})") from None
        _judge(WHATSAPP, response)
        try:
            return str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            return None  # taken all the same; its statuses cannot be matched


class SmsSender:
    """SMS through an HTTP gateway: ``POST {SMS_API_URL}`` with a bearer key and a JSON body
    ``{"from", "to", "text", "reference"}``, the shape most Moroccan aggregators offer."""

    def __init__(self, settings: DeliverySettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client

    async def send(self, phone: str, message: ShortMessage, reference: str) -> str | None:
        s = self._settings
        key = s.sms_api_key.get_secret_value() if s.sms_api_key else ""
        body = {"from": s.sms_sender, "to": phone, "text": message.text, "reference": reference}
        try:
            response = await _post(
                self._client, s.sms_api_url or "", body, {"Authorization": f"Bearer {key}"}, s.phone_timeout
            )
        except (httpx.HTTPError, TimeoutError) as exc:
            raise Unavailable(f"sms unreachable ({type(exc).__name__})") from None
        _judge(SMS, response)
        return None
