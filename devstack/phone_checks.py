"""What the WhatsApp Cloud API and the SMS gateway check of a request before they take a message.

The local stack's receivers (``devstack.phone_inbox``) and the tests' run these checks, so that a message
the real services would refuse (a wrong token, a malformed body, a template not approved, parameters that
do not fit it) is refused here too, with the status and error code the real service answers.

The approved templates are those the README asks to be approved at Meta: one per customer notification
kind, in each language, each with three body parameters (reference, status, link).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from activities.templating import TEMPLATES_DIR
from workflows.models import Language

TEMPLATE_PARAMETERS = 3
_WA_NUMBER = re.compile(r"\d{8,15}")  # the Cloud API's ``to``: digits, country code first, no "+"
_E164 = re.compile(r"\+\d{8,15}")
# The Cloud API refuses a parameter with a new line, a tab or more than four spaces in a row (132018).
_BAD_PARAMETER = re.compile(r"[\n\t]| {5,}")
SMS_FIELDS = {"from", "to", "text", "reference"}
SMS_MOST_SEGMENTS = 6  # long texts are split and joined again by the phone; gateways cap the parts


def approved_templates() -> set[tuple[str, str]]:
    """(name, language code) of every template approved: the customer's notification kinds."""
    return {
        (path.stem, language.value)
        for language in Language
        for path in (TEMPLATES_DIR / language.value / "customer").glob("*.txt")
    }


@dataclass(frozen=True)
class Refusal:
    status: int
    answer: dict[str, Any]


def _meta_error(status: int, code: int, message: str) -> Refusal:
    return Refusal(status, {"error": {"message": message, "type": "OAuthException", "code": code}})


def check_whatsapp(
    headers: dict[str, str],
    body: Any,
    token: str,
    approved: set[tuple[str, str]],
    not_on_whatsapp: frozenset[str] = frozenset(),
) -> Refusal | None:
    """None if the Cloud API would take this template message; else its answer. ``not_on_whatsapp``: the
    numbers it refuses (131030, as its test numbers outside the allowed list are)."""
    if headers.get("authorization") != f"Bearer {token}":
        return _meta_error(401, 190, "Invalid OAuth access token.")
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return _meta_error(400, 100, "(#100) The parameter messaging_product is required.")
    to, template = body.get("to"), body.get("template")
    if body.get("type") != "template" or not isinstance(template, dict):
        return _meta_error(400, 100, "(#100) Param template must be a template object.")
    if not isinstance(to, str) or not _WA_NUMBER.fullmatch(to):
        return _meta_error(400, 100, "(#100) Invalid parameter: to")
    language = template.get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if (template.get("name"), code) not in approved:
        return _meta_error(404, 132001, "(#132001) Template name does not exist in the translation")
    components = template.get("components")
    texts = _body_texts(components)
    if texts is None or len(texts) != TEMPLATE_PARAMETERS:
        return _meta_error(400, 132000, "(#132000) Number of parameters does not match the expected number")
    if any(not text or _BAD_PARAMETER.search(text) for text in texts):
        return _meta_error(400, 132018, "(#132018) There was an issue with the parameters in your template.")
    if to in not_on_whatsapp:
        return _meta_error(400, 131030, "(#131030) Recipient phone number not in allowed list")
    return None


def _body_texts(components: Any) -> list[str] | None:
    if not isinstance(components, list) or len(components) != 1:
        return None
    [component] = components
    parameters = component.get("parameters") if isinstance(component, dict) else None
    if component.get("type") != "body" or not isinstance(parameters, list):
        return None
    texts = [p.get("text") for p in parameters if isinstance(p, dict) and p.get("type") == "text"]
    strings = [text for text in texts if isinstance(text, str)]
    return strings if len(strings) == len(parameters) else None


def check_sms(headers: dict[str, str], body: Any, key: str, sender: str) -> Refusal | None:
    """None if the gateway would take this SMS; else its answer (401 for the key, 400 for the body)."""
    if headers.get("authorization") != f"Bearer {key}":
        return Refusal(401, {"error": "invalid API key"})
    if not isinstance(body, dict) or set(body) != SMS_FIELDS:
        return Refusal(400, {"error": f"the body has exactly the fields {sorted(SMS_FIELDS)}"})
    if body["from"] != sender:
        return Refusal(400, {"error": "unknown sender id"})
    if not isinstance(body["to"], str) or not _E164.fullmatch(body["to"]):
        return Refusal(400, {"error": "to: an E.164 number"})
    text = body["text"]
    if not isinstance(text, str) or not text or sms_segments(text) > SMS_MOST_SEGMENTS:
        return Refusal(400, {"error": "text: empty or too long"})
    if not isinstance(body["reference"], str) or not body["reference"]:
        return Refusal(400, {"error": "reference: required"})
    return None


_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_segments(text: str) -> int:
    """How many SMS the text is sent as: 160 GSM-7 characters in one (153 a part when split), else UCS-2:
    70 in one (67 a part)."""
    single, part = (160, 153) if set(text) <= _GSM7 else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // part)
