"""Notification texts: one template per language, recipient and kind, rendered to subject, text and HTML.

``templates/<language>/<recipient kind>/<kind>.txt`` sets two things: ``subject`` (one line) and
``body`` (plain text: paragraphs separated by a blank line, lines starting with ``- `` make a list).
``templates/<language>/_common.txt`` holds what every message shares (greeting, sign-off, footer) and
the labels of codes (categories, outcomes, teams, account states); a category not in the list (a
dispute opened while it was free text) is shown as it was given. Both parts of an e-mail come from the
same body, so they never say different things; the HTML part is built by ``templates/layout.html`` with
autoescaping, so nothing a customer or agent typed can inject markup.

Templates see: ``ref`` (the dispute id), ``name`` (the recipient's, or None), ``recipient_kind``,
``team``, ``data`` (the notification's), ``dispute`` (tier, status, order_id, category, seller_id,
outcome, sla_breached, breach_reminders), ``deadlines`` (kind -> datetime) and ``link`` (a customer's
message: the dispute's private page, when it has one; else None; a message whose body does not give it
ends with ``_common.txt``'s ``page`` paragraph, which does); filters ``datetime``
(local date and time in the recipient's language) and ``oneline``. A message about a seller's account
rather than a dispute (a reinstatement) has ``ref`` and ``dispute`` None and no deadlines; its ``data``
holds the change (``seller_id``, ``from``, ``to``, ``status``, ``reason``, ``at``). A seller's
``complaint_notice`` also has the customer's ``description`` in ``data``, unless the dispute was recorded
before the read model kept it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.environment import TemplateModule
from jinja2.runtime import Context

from workflows.events import RecipientKind
from workflows.models import Language

TEMPLATES_DIR = Path(__file__).parent / "templates"
# Every date a recipient reads is Moroccan local time, whatever the server's zone.
LOCAL_TIME = ZoneInfo("Africa/Casablanca")
LOCALES = {Language.FR: "fr_MA", Language.AR: "ar_MA", Language.EN: "en"}
RIGHT_TO_LEFT = {Language.AR}


class Rendered(NamedTuple):
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Block:
    """Lines of text or the items of a list; ``continues`` when it belongs to the paragraph before."""

    lines: list[str]
    is_list: bool
    continues: bool = False


def format_local(value: datetime | str, language: Language) -> str:
    """A date and time as a person reads it: ``mardi 4 mars 2025, 09:00`` in Casablanca time."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        raise ValueError("a datetime to show must carry its time zone")
    locale = LOCALES[language]
    local = when.astimezone(LOCAL_TIME)
    date = format_date(local.date(), "full", locale=locale)
    time = format_time(local, "short", locale=locale)
    # The locale's own way of joining a date and a time ("{1}, {0}", "{1}، {0}"), as Babel does it.
    return str(get_datetime_format("long", locale=locale)).replace("'", "").format(time, date)


@pass_context
def _datetime_filter(context: Context, value: datetime | str) -> str:
    return format_local(value, Language(context["language"]))


def _oneline(value: Any) -> str:
    return " ".join(str(value).split())


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,  # a missing value is an error, never an empty gap in a letter
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates ship with the code: asking each file's modification time on every render (three
    # per message) was 1.4 % of the worker's CPU while it drained new disputes.
    auto_reload=False,
)
_env.filters["datetime"] = _datetime_filter
_env.filters["oneline"] = _oneline


def render(
    recipient_kind: RecipientKind, kind: str, language: Language, context: Mapping[str, Any]
) -> Rendered:
    """Subject, plain text and HTML of one notification.

    Raises ``jinja2.TemplateNotFound`` for a kind without a template and ``jinja2.UndefinedError``
    when the context lacks a value the template uses.
    """
    values = {"link": None, **context, "language": language.value, "recipient_kind": recipient_kind.value}
    common = _env.get_template(f"{language.value}/_common.txt").make_module(values)
    message = _env.get_template(f"{language.value}/{recipient_kind.value}/{kind}.txt").make_module(values)
    title, body_text = (_part(message, name) for name in ("subject", "body"))
    if values["link"] and values["link"] not in body_text:  # every customer message leads to the page
        body_text += "\n\n" + _part(common, "page")
    title = _oneline(title)
    tag = f"[Jamla24 #{context['ref']}]" if context["ref"] else "[Jamla24]"
    # The tag goes where the reading starts, so it does not flip the direction of an Arabic subject.
    subject = f"{title} {tag}" if language in RIGHT_TO_LEFT else f"{tag} {title}"
    greeting, signoff, footer = (_part(common, name) for name in ("greeting", "signoff", "footer"))
    body = _blocks(body_text)
    text = "\n\n".join([greeting, _as_text(body), signoff, f"-- \n{footer}"]) + "\n"
    html = _env.get_template("layout.html").render(
        lang=language.value,
        dir="rtl" if language in RIGHT_TO_LEFT else "ltr",
        subject=subject,
        greeting=greeting,
        blocks=body,
        signoff=signoff.splitlines(),
        footer=footer,
        link=values["link"],
    )
    return Rendered(subject, text, html)


@cache
def labels(language: Language) -> dict[str, dict[str, str]]:
    """The labels ``_common.txt`` gives codes in ``language`` (``categories``, ``outcomes``, ``teams``), so
    that whatever else shows a dispute to its customer (their page) names things as the messages do."""
    # What the shared parts need to render (a message without a dispute names a seller account).
    values: dict[str, Any] = {"language": language.value, "recipient_kind": "customer", "name": None}
    values |= {"ref": None, "data": {"seller_id": ""}, "link": None}
    common = _env.get_template(f"{language.value}/_common.txt").make_module(values)
    return {name: dict(getattr(common, name)) for name in ("categories", "outcomes", "teams")}


def _part(module: TemplateModule, name: str) -> str:
    """A value the template sets (``{% set subject %}``); templates are data, so looked up by name."""
    return str(getattr(module, name)).strip()


def _blocks(body: str) -> list[Block]:
    blocks: list[Block] = []
    for paragraph in re.split(r"\n\s*\n", body.strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        runs = itertools.groupby(lines, key=lambda line: line.startswith("- "))
        for i, (is_list, run) in enumerate(runs):
            items = [line[2:].strip() if is_list else line for line in run]
            blocks.append(Block(items, is_list, continues=i > 0))
    return blocks


def _as_text(blocks: list[Block]) -> str:
    text = ""
    for block in blocks:
        if text:
            text += "\n" if block.continues else "\n\n"
        text += "\n".join(f"- {line}" if block.is_list else line for line in block.lines)
    return text
