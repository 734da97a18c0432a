"""Every notification the workflow queues has a text in every language, and dates read as local time."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest

from activities.templating import TEMPLATES_DIR, format_local, render
from workflows.deadlines import compute_deadlines
from workflows.events import NOTICES, NotificationKind, RecipientKind
from workflows.models import TIER_TEAMS, Category, Language, Outcome, SellerAccountStatus, StrikeReason
from workflows.sla_policy import SlaPolicy

FIRST_CONTACT = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
DEADLINES = {d.kind.value: d.due_at for d in compute_deadlines(SlaPolicy(), FIRST_CONTACT)}

# What each kind carries; the test below checks it covers every field the workflow passes.
SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "information_requested": {"questions": ["When did the parcel arrive?", "Was the box\ndamaged?"]},
    "findings": {"findings": "The carrier lost the parcel."},
    "resolved": {"outcome": "refund", "summary": "Refunded in full."},
    "seller_contact_released": {
        "seller_id": "seller-1",
        "name": "Atlas Shop",
        "email": "shop@seller.test",
        "phone": "+212522000000",
    },
    "complaint_notice": {
        "respond_by": DEADLINES["seller_failure"].isoformat(),
        "description": "Paid on the 3rd,\nstill not delivered.",
    },
    "seller_reminder": {"respond_by": DEADLINES["seller_failure"].isoformat()},
    "seller_strike": {"reason": "unresponsive"},
    "seller_account_changed": {"status": "restricted"},
    "sla_breach_warning": {"breach_at": DEADLINES["resolution"].isoformat()},
    "sla_breach_reminder": {"reminder": 2},
}


# Every (recipient, kind) the catalogue allows: the workflow can queue nothing else (workflows.recipients).
KINDS = sorted((recipient, kind) for kind, notice in NOTICES.items() for recipient in notice.recipients)


def context(recipient: RecipientKind, kind: str, **data: Any) -> dict[str, Any]:
    team = "resolution_team" if recipient == RecipientKind.TEAM else None
    base = {"tier": 2} if recipient == RecipientKind.TEAM else {}
    return {
        "ref": "D-2025-0042",
        "name": "Salma Bennani" if recipient in (RecipientKind.CUSTOMER, RecipientKind.SELLER) else None,
        "team": team,
        "data": base | SAMPLE_DATA.get(kind, {}) | data,
        "dispute": {
            "tier": 2,
            "status": "open",
            "order_id": "order-77",
            "category": "not_delivered",
            "seller_id": "seller-1",
            "outcome": None,
            "sla_breached": False,
            "breach_reminders": 0,
        },
        "deadlines": DEADLINES,
    }


def assert_clean(*parts: str) -> None:
    for part in parts:
        for leftover in ("{{", "}}", "{%", "%}", "{#", "#}", "None", "Undefined"):
            assert leftover not in part


def test_every_notification_kind_has_its_row() -> None:
    assert set(NOTICES) == set(NotificationKind)
    assert all(notice.recipients for notice in NOTICES.values())


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(("recipient", "kind"), KINDS)
def test_every_queued_kind_renders_in_every_language(
    recipient: RecipientKind, kind: NotificationKind, language: Language
) -> None:
    missing = NOTICES[kind].fields - set(SAMPLE_DATA.get(kind, {}))
    assert not missing, f"add sample data for {kind}: {missing}"

    subject, text, html = render(recipient, kind, language, context(recipient, kind))

    assert "[Jamla24 #D-2025-0042]" in subject and "\n" not in subject
    assert "D-2025-0042" in text and "D-2025-0042" in html
    assert text.strip() and "<p>" in html
    assert_clean(subject, text, html)


@pytest.mark.parametrize("language", list(Language))
def test_no_template_without_a_queued_kind(language: Language) -> None:
    """A template for a kind the workflow no longer queues is dead text: delete it or queue it."""
    on_disk = {
        (RecipientKind(path.parent.name), NotificationKind(path.stem))
        for path in (TEMPLATES_DIR / language.value).glob("*/*.txt")
    }
    assert on_disk == set(KINDS)


@pytest.mark.parametrize("language", list(Language))
def test_every_code_has_a_label(language: Language) -> None:
    """Outcomes, strike reasons, account states and teams all read as words in every language."""
    texts = [
        render(
            RecipientKind.CUSTOMER,
            "resolved",
            language,
            context(RecipientKind.CUSTOMER, "resolved", outcome=o),
        )
        for o in Outcome
    ]
    texts += [
        render(RecipientKind.SELLER, "seller_strike", language, context(RecipientKind.SELLER, "", reason=r))
        for r in StrikeReason
    ]
    texts += [
        render(
            RecipientKind.SELLER,
            "seller_account_changed",
            language,
            context(RecipientKind.SELLER, "", status=s),
        )
        for s in SellerAccountStatus
    ]
    for team in TIER_TEAMS.values():
        values = context(RecipientKind.TEAM, "dispute_reached_tier") | {"team": team}
        texts.append(render(RecipientKind.TEAM, "dispute_reached_tier", language, values))
    for rendered in texts:
        assert_clean(*rendered)
    # Each outcome is told differently.
    assert len({texts[i].text for i in range(len(Outcome))}) == len(Outcome)


def _with_category(recipient: RecipientKind, kind: str, language: Language, category: str) -> str:
    values = context(recipient, kind)
    values["dispute"] = values["dispute"] | {"category": category}
    return render(recipient, kind, language, values).text


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(
    ("recipient", "kind"),
    [(RecipientKind.SELLER, "complaint_notice"), (RecipientKind.TEAM, "dispute_reached_tier")],
)
def test_every_category_has_a_label(recipient: RecipientKind, kind: str, language: Language) -> None:
    """Each category reads as words, not as its code, in every message that names it."""
    unknown = "zz-unlisted"
    texts = {}
    for category in Category:
        text = _with_category(recipient, kind, language, category.value)
        # What the text would be had the category no label: its code as it is.
        as_code = _with_category(recipient, kind, language, unknown).replace(unknown, category.value)
        assert text != as_code, f"no {language.value} label for {category.value}"
        assert_clean(text)
        texts[category] = text
    assert len(set(texts.values())) == len(Category)


@pytest.mark.parametrize("language", list(Language))
def test_the_seller_reads_the_complaint_in_its_notice(language: Language) -> None:
    """What the customer complains of, in their words, so the seller can answer it."""
    values = context(RecipientKind.SELLER, "complaint_notice")
    _, text, html = render(RecipientKind.SELLER, "complaint_notice", language, values)
    assert "Paid on the 3rd,\nstill not delivered." in text
    assert "Paid on the 3rd,<br>still not delivered." in html
    assert "order-77" in text

    # A dispute recorded before the read model kept the description: the notice goes without it.
    del values["data"]["description"]
    _, text, _ = render(RecipientKind.SELLER, "complaint_notice", language, values)
    assert "Paid on the 3rd" not in text and "order-77" in text
    assert_clean(text)


@pytest.mark.parametrize("language", list(Language))
def test_a_category_from_before_the_list_is_shown_as_it_was_given(language: Language) -> None:
    """Disputes opened while the category was free text still render: their words, unchanged."""
    text = _with_category(RecipientKind.SELLER, "complaint_notice", language, "colis ouvert")
    assert "colis ouvert" in text


def test_arabic_is_right_to_left_and_the_others_left_to_right() -> None:
    for language, direction in ((Language.AR, "rtl"), (Language.FR, "ltr"), (Language.EN, "ltr")):
        rendered = render(
            RecipientKind.CUSTOMER, "acknowledgement", language, context(RecipientKind.CUSTOMER, "")
        )
        assert f'<html lang="{language.value}" dir="{direction}">' in rendered.html
    arabic = render(
        RecipientKind.CUSTOMER, "acknowledgement", Language.AR, context(RecipientKind.CUSTOMER, "")
    )
    # The reference tag ends an Arabic subject, so the subject reads right to left from its first word.
    assert arabic.subject.endswith("[Jamla24 #D-2025-0042]")


def test_what_people_typed_is_text_in_the_html() -> None:
    values = context(RecipientKind.CUSTOMER, "findings", findings="<script>alert(1)</script> & more")
    values["name"] = 'Salma <img src=x onerror="x()">'
    _, text, html = render(RecipientKind.CUSTOMER, "findings", Language.FR, values)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(1)</script> & more" in text


def test_questions_are_a_list_in_both_parts() -> None:
    _, text, html = render(
        RecipientKind.CUSTOMER,
        "information_requested",
        Language.EN,
        context(RecipientKind.CUSTOMER, "information_requested"),
    )
    assert "- When did the parcel arrive?\n- Was the box damaged?" in text
    assert "<li>When did the parcel arrive?</li>" in html and "<li>Was the box damaged?</li>" in html


@pytest.mark.parametrize(
    ("instant", "language", "expected"),
    [
        # Ramadan 2025: Morocco on UTC+0 until 6 April, UTC+1 again after.
        (datetime(2025, 4, 4, 10, 0, tzinfo=UTC), Language.FR, "vendredi 4 avril 2025, 10:00"),
        (datetime(2025, 4, 8, 10, 0, tzinfo=UTC), Language.FR, "mardi 8 avril 2025, 11:00"),
        (datetime(2025, 4, 8, 10, 0, tzinfo=UTC), Language.AR, "الثلاثاء، 8 أبريل 2025، 11:00"),
        (datetime(2025, 4, 8, 10, 0, tzinfo=UTC), Language.EN, "Tuesday, April 8, 2025, 11:00\u202fAM"),
        # Late evening in UTC is already the next day in Casablanca.
        ("2025-06-10T23:30:00+00:00", Language.FR, "mercredi 11 juin 2025, 00:30"),
    ],
)
def test_dates_are_casablanca_time_in_the_recipients_language(
    instant: datetime | str, language: Language, expected: str
) -> None:
    assert format_local(instant, language) == expected


def test_a_date_without_its_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_local(datetime(2025, 4, 8, 10, 0), Language.FR)


@pytest.mark.parametrize("language", list(Language))
def test_an_account_change_without_a_dispute_renders_in_every_language(language: Language) -> None:
    """An operator's reinstatement follows no dispute: the message names the account and the reason."""
    values = context(RecipientKind.SELLER, "seller_account_changed") | {"ref": None, "dispute": None}
    values["data"] = {
        "seller_id": "seller-1",
        "change_id": 21,
        "from": "restricted",
        "to": "active",
        "status": "active",
        "reason": "Strikes caused by the carrier's outage.",
        "by": "operator",
        "at": FIRST_CONTACT.isoformat(),
    }
    values["deadlines"] = {}

    subject, text, html = render(RecipientKind.SELLER, "seller_account_changed", language, values)

    assert subject.startswith("[Jamla24] ") or subject.endswith(" [Jamla24]")
    for part in (text, html):
        assert "Strikes caused by the carrier" in part
        assert "seller-1" in part and "D-2025" not in part
    assert_clean(subject, text, html)


LINK = "https://litiges.jamla24.test/c/Tok3n-of-the-dispute"
CUSTOMER_KINDS = [kind for recipient, kind in KINDS if recipient == RecipientKind.CUSTOMER]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", CUSTOMER_KINDS)
def test_every_customer_message_leads_to_the_page_once(kind: str, language: Language) -> None:
    values = context(RecipientKind.CUSTOMER, kind) | {"link": LINK}

    _, text, html = render(RecipientKind.CUSTOMER, kind, language, values)

    assert text.count(LINK) == 1
    assert html.count(f'<a href="{LINK}"') == 1


def test_a_message_rendered_again_reads_nothing_from_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    recipient, kind = RecipientKind.CUSTOMER, NotificationKind.ACKNOWLEDGEMENT
    render(recipient, kind, Language.FR, context(recipient, kind))  # loads and compiles the templates
    asked: list[str] = []
    getmtime = os.path.getmtime

    def counted(path: str) -> float:
        asked.append(path)
        return getmtime(path)

    monkeypatch.setattr(os.path, "getmtime", counted)
    render(recipient, kind, Language.FR, context(recipient, kind))

    assert asked == []
