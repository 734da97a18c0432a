"""What the customer's page shows of a dispute, built from its state: where it stands and what comes next in
the customer's language and Casablanca time, and only the actions the policy gives the customer now."""

from __future__ import annotations

import base64
import hashlib
import re
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from activities.templating import format_local
from api import customer_html
from api.customer_page import page, refused
from api.customer_texts import TEXTS
from workflows.deadlines import compute_deadlines
from workflows.events import EventKind
from workflows.models import (
    Actor,
    Channel,
    DeadlineKind,
    DeadlineState,
    DisputeState,
    HistoryEntry,
    Language,
    Outcome,
    Resolution,
    Role,
    SellerEfforts,
    Status,
)
from workflows.rules import Action
from workflows.sla_policy import SlaPolicy

T0 = datetime(2026, 5, 4, 9, 15, tzinfo=UTC)  # 10:15 in Casablanca (UTC+1 outside Ramadan)
INTAKE = Actor(role=Role.INTAKE, id="chat")
AGENT = Actor(role=Role.AGENT, id="agent-7", tier=2)
REFERENCE = "J24-7KX4M2QJ"


def state(**changes: Any) -> DisputeState:
    opened = HistoryEntry(seq=1, at=T0, kind=EventKind.OPENED, actor=INTAKE)
    base = DisputeState(
        dispute_id="8bd1525d56ad5b7088da96c37c9fddd3",
        reference=REFERENCE,
        seller_id="S-1001",
        channel=Channel.CHAT,
        category="not_delivered",
        customer_id="C-20931",
        order_id="O-778812",
        language=Language.FR,
        first_contact_at=T0,
        registered_at=T0,
        deadlines=compute_deadlines(SlaPolicy(), T0),
        history=[opened],
    )
    return base.model_copy(update=changes)


def asked(*questions: str, at: datetime = T0) -> HistoryEntry:
    data = {"questions": list(questions)}
    return HistoryEntry(seq=2, at=at, kind=EventKind.INFORMATION_REQUESTED, actor=AGENT, data=data)


def due(dispute: DisputeState, kind: DeadlineKind, language: Language = Language.FR) -> str:
    return format_local(dispute.deadline(kind).due_at, language)


def test_a_new_dispute_says_where_it_stands_and_what_comes_next_in_french() -> None:
    dispute = state()
    shown = page(dispute, Language.FR)

    assert (shown.reference, shown.status_label) == (REFERENCE, "En cours de traitement")
    assert shown.team == "le service client"
    assert (shown.category, shown.order_id, shown.dir) == ("commande non livrée", "O-778812", "ltr")
    assert shown.opened == "lundi 4 mai 2026, 10:15"  # Casablanca time
    # The next clock (the resolution team at 24 h; the seller's reminder is not the customer's), then the
    # 5-day commitment.
    team, resolution = due(dispute, DeadlineKind.RESOLUTION_TEAM), due(dispute, DeadlineKind.RESOLUTION)
    assert shown.next_steps == [
        f"Si le litige n'est pas réglé d'ici le {team}, notre équipe de résolution ouvre une enquête.",
        f"Nous nous engageons à régler votre litige au plus tard le {resolution}.",
    ]
    assert (shown.can_answer, shown.can_withdraw, shown.can_request_contact) == (False, True, False)
    assert shown.contact == "later" and due(dispute, DeadlineKind.SELLER_FAILURE) in str(shown.contact_note)


def test_once_the_early_clocks_are_past_the_next_pending_one_is_next() -> None:
    dispute = state(tier=2)
    for kind in (DeadlineKind.RESOLUTION_TEAM, DeadlineKind.SELLER_REMINDER):
        dispute.deadline(kind).state = DeadlineState.MET
    shown = page(dispute, Language.EN)
    assert shown.team == "the resolution team"
    until = due(dispute, DeadlineKind.SELLER_FAILURE, Language.EN)
    assert shown.next_steps[0] == f"We have contacted the seller: they have until {until} to respond."


def test_awaiting_the_customer_shows_the_latest_questions_and_the_answer_form() -> None:
    history = [*state().history, asked("When?"), asked("Photo of the box?", "Which carrier?")]
    shown = page(state(status=Status.AWAITING_CUSTOMER, tier=2, history=history), Language.FR)
    assert shown.status_label == "En attente de votre réponse"
    assert shown.can_answer and shown.questions == ["Photo of the box?", "Which carrier?"]
    assert shown.next_steps[0] == TEXTS[Language.FR]["next_awaiting"]
    # Not asked: no questions, no form.
    assert page(state(history=history), Language.FR).questions == []


def test_paused_clocks_are_said_so() -> None:
    dispute = state(status=Status.AWAITING_CUSTOMER, history=[*state().history, asked("When?")])
    dispute.deadline(DeadlineKind.RESOLUTION).state = DeadlineState.PAUSED
    assert TEXTS[Language.EN]["next_paused"] in page(dispute, Language.EN).next_steps


@pytest.mark.parametrize(
    ("changes", "contact"),
    [
        ({"seller_efforts": SellerEfforts.FAILED, "seller_contact_allowed": True}, "available"),
        ({"seller_efforts": SellerEfforts.RESPONDED, "seller_contact_allowed": True}, "available"),
        ({"seller_contact_allowed": True, "seller_contact_released": True}, "released"),
        ({}, "later"),
    ],
)
def test_the_sellers_contact_is_offered_once_the_policy_allows_it(
    changes: dict[str, Any], contact: str
) -> None:
    shown = page(state(**changes), Language.FR)
    assert shown.contact == contact
    assert shown.can_request_contact == (contact == "available")


def test_a_resolved_dispute_shows_its_findings_and_decision_and_offers_nothing() -> None:
    closed = T0 + timedelta(days=2)
    resolution = Resolution(outcome=Outcome.REFUND, summary="Refunded in full.", by=AGENT, at=closed)
    dispute = state(
        status=Status.RESOLVED,
        closed_at=closed,
        findings="The carrier lost the parcel.",
        resolution=resolution,
        seller_contact_allowed=True,
    )
    shown = page(dispute, Language.FR)
    assert shown.outcome == "Solution retenue : le remboursement de votre commande."
    assert (shown.summary, shown.findings) == ("Refunded in full.", "The carrier lost the parcel.")
    assert shown.closed_note == f"Litige résolu le {format_local(closed, Language.FR)}."
    assert shown.next_steps == [] and shown.contact is None
    assert not (shown.can_answer or shown.can_withdraw or shown.can_request_contact)
    rejected = resolution.model_copy(update={"outcome": Outcome.REJECTED})
    assert (
        page(dispute.model_copy(update={"resolution": rejected}), Language.EN).outcome
        == (TEXTS[Language.EN]["resolution_rejected"])
    )


def test_in_arabic_the_page_reads_right_to_left() -> None:
    shown = page(state(), Language.AR)
    assert (shown.dir, shown.status_label, shown.team) == ("rtl", "قيد المعالجة", "خدمة العملاء")
    html = bytes(customer_html.page(shown, page_path="/c/t", form_token="f").body).decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_in_arabic_what_people_wrote_and_the_phone_number_keep_their_own_direction() -> None:
    history = [*state().history, asked("Le carton était-il abîmé ?")]
    dispute = state(status=Status.AWAITING_CUSTOMER, history=history, findings="Colis perdu.")
    response = customer_html.page(page(dispute, Language.AR), page_path="/c/t", form_token="f")
    html = bytes(response.body).decode()
    assert '<li><bdi class="text">Le carton était-il abîmé ?</bdi></li>' in html
    assert '<p class="text" dir="auto">Colis perdu.</p>' in html
    assert "\u206605 39 42 01 42\u2069" in html  # else its groups of digits read in reverse order


def test_refusals_are_told_in_the_customers_words() -> None:
    fr = TEXTS[Language.FR]
    assert refused(Action.WITHDRAW, state(status=Status.WITHDRAWN), Language.FR) == fr["refused_closed"]
    assert refused(Action.PROVIDE_INFORMATION, state(), Language.FR) == fr["refused_not_asked"]
    released = state(seller_contact_released=True)
    assert refused(Action.REQUEST_SELLER_CONTACT, released, Language.FR) == fr["refused_contact_released"]
    early = refused(Action.REQUEST_SELLER_CONTACT, state(), Language.FR)
    assert due(state(), DeadlineKind.SELLER_FAILURE) in early


def test_every_language_says_everything_with_the_same_placeholders() -> None:
    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    french = TEXTS[Language.FR]
    for language, texts in TEXTS.items():
        assert set(texts) == set(french), language
        for key, text in texts.items():
            assert placeholders(text) == placeholders(french[key]), (language, key)
            assert text.strip() == text and text


def test_the_html_escapes_what_people_typed_and_its_policy_allows_its_own_style_only() -> None:
    dispute = state(findings='<script>alert("x")</script>\nSecond line')
    response = customer_html.page(page(dispute, Language.EN), page_path="/c/t", form_token="f")
    html = bytes(response.body).decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    assert f"style-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
    assert "script-src" not in policy
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Every form carries the link's form token.
    assert html.count('name="csrf" value="f"') == html.count("<form ")


def test_a_message_page_speaks_every_language_when_the_readers_is_unknown() -> None:
    html = bytes(customer_html.message("not_found", None, 404).body).decode()
    for language in Language:
        assert TEXTS[language]["not_found_title"] in html
    assert '<section lang="ar" dir="rtl"' in html
    only = bytes(customer_html.message("not_found", Language.AR, 404).body).decode()
    assert '<html lang="ar" dir="rtl">' in only and TEXTS[Language.FR]["not_found_title"] not in only
