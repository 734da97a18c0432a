"""The customer's pages as HTML responses: the dispute's page, and the pages that only say something.

Server-rendered (Jinja2, autoescaped), with no script and nothing loaded from elsewhere: the style is
inline and the Content-Security-Policy allows that one style block (by its hash) and nothing else, forms
posting to the page's own origin, no framing. The page's address is its key, so every answer keeps it to
itself: not cached, not sent on as a referrer, not indexed.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from activities.templating import RIGHT_TO_LEFT
from api.customer_page import Page
from api.customer_texts import TEXTS
from workflows.models import Language

TEMPLATES_DIR = Path(__file__).parent / "templates" / "customer"
CSS = (TEMPLATES_DIR / "page.css").read_text(encoding="utf-8")
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}

Message = Literal["not_found", "unavailable", "form_refused", "busy", "too_large", "bad_address"]
# Each message page's title and text (keys of ``api.customer_texts``).
_MESSAGES: Mapping[Message, tuple[str, str]] = {
    "not_found": ("not_found_title", "not_found_text"),
    "unavailable": ("unavailable_title", "unavailable_text"),
    "form_refused": ("request_title", "form_refused"),
    "busy": ("request_title", "busy"),
    "too_large": ("request_title", "too_large"),
    "bad_address": ("request_title", "bad_address"),
}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _direction(language: Language) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def page(
    view: Page,
    *,
    page_path: str,
    form_token: str,
    banner: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The dispute's page; each rendering gets a new request id for its forms."""
    html = _env.get_template("page.html").render(
        p=view,
        t=view.t,
        lang=view.language.value,
        language=view.language,
        dir=view.dir,
        title=view.t["page_title"].format(ref=view.reference),
        css=Markup(CSS),
        languages=view.languages,
        page_path=page_path,
        form_token=form_token,
        request_id=uuid.uuid4().hex,
        banner=banner,
        error=error,
    )
    return HTMLResponse(html, status_code, headers=HEADERS)


@dataclass(frozen=True)
class _Said:
    lang: str
    dir: str
    css: str
    title: str
    text: str
    back: str
    service: str


def message(
    kind: Message,
    language: Language | None,
    status_code: int,
    *,
    back_path: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page that says one thing, in ``language``, or in every language when the reader's is unknown
    (a link that names no dispute cannot say whose language to use). ``back_path``: a link back to the
    dispute's page."""
    title_key, text_key = _MESSAGES[kind]
    languages = [language] if language is not None else list(Language)
    said = [
        _Said(
            lang=each.value,
            dir=_direction(each),
            css="alert" if status_code != 404 else "",
            title=TEXTS[each][title_key],
            text=TEXTS[each][text_key],
            back=TEXTS[each]["back"],
            service=TEXTS[each]["service"],
        )
        for each in languages
    ]
    first = languages[0]
    html = _env.get_template("message.html").render(
        messages=said,
        lang=first.value,
        dir=_direction(first),
        title=TEXTS[first][title_key],
        css=Markup(CSS),
        languages=[],
        language=first,
        t=TEXTS[first],
        page_path="",
        back_path=back_path,
    )
    return HTMLResponse(html, status_code, headers={**HEADERS, **(headers or {})})
