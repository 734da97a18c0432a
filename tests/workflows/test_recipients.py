"""The notice catalogue decides who gets each message and what it says; anything else is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from workflows.events import NotificationKind
from workflows.models import Channel, Customer, DisputeState, Language
from workflows.recipients import Recipients

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def recipients(tier: int = 1) -> Recipients:
    state = DisputeState(
        dispute_id="d-1",
        seller_id="seller-1",
        channel=Channel.CHAT,
        category="not_delivered",
        customer_id="cust-1",
        order_id="order-1",
        first_contact_at=T0,
        registered_at=T0,
        tier=tier,
        deadlines=[],
    )
    customer = Customer(id="cust-1", name="Salma", email="salma@example.test", language=Language.AR)
    return Recipients(customer, state)


def test_only_the_customers_notice_carries_contact_details() -> None:
    to = recipients(tier=2)
    mine = to.customer(NotificationKind.FINDINGS, findings="lost by the carrier")
    team = to.team(NotificationKind.INFORMATION_PROVIDED)
    assert (mine.email, mine.language, mine.recipient_ref) == ("salma@example.test", Language.AR, "cust-1")
    assert (team.email, team.phone, team.recipient_ref) == (None, None, "resolution_team")
    assert team.data == {"tier": 2}


@pytest.mark.parametrize(
    ("send", "why"),
    [
        (lambda to: to.seller(NotificationKind.ACKNOWLEDGEMENT), "a customer's message to the seller"),
        (lambda to: to.customer(NotificationKind.FINDINGS, phone="+2126"), "a field the catalogue omits"),
    ],
)
def test_a_notice_the_catalogue_does_not_allow_is_refused(
    send: Callable[[Recipients], object], why: str
) -> None:
    with pytest.raises(ValueError, match="NOTICES"):
        send(recipients())
