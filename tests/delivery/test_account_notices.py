"""``seller_account_changed`` messages: what the seller portal's event carries, with or without a dispute."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from pydantic import ValidationError

from activities.delivery import Deliveries
from activities.outbox import Outbox
from activities.sellers import SellerAccounts
from tests.activities.factories import AGENT, new_id
from tests.delivery.factories import add_seller, open_dispute, outbox_row, queue
from tests.delivery.servers import HttpReceiver, SmtpSink
from workflows.delivery import DeliveryResult, NotificationKey
from workflows.events import NotificationKind, RecipientKind
from workflows.models import Actor, NotificationRequest, Role, StrikeReason
from workflows.seller_account import account_notice
from workflows.seller_payloads import ReinstateRequest, StrikeRequest
from workflows.sla_policy import SlaPolicy

OPERATOR = Actor(role=Role.OPERATOR, id="ops-fatima")
REASON = "Les deux manquements venaient de la panne du transporteur."

ACCOUNT_CHANGED = NotificationKind.SELLER_ACCOUNT_CHANGED


def strike(seller_id: str, dispute_id: str) -> StrikeRequest:
    return StrikeRequest(
        seller_id=seller_id,
        dispute_id=dispute_id,
        seq=3,
        reason=StrikeReason.UNRESPONSIVE,
        at=datetime.now(UTC),
        by=AGENT,
        policy=SlaPolicy(),
    )


async def test_a_reinstatement_reaches_the_portal_and_the_seller_without_a_dispute(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, smtp: SmtpSink, receiver: HttpReceiver
) -> None:
    sellers, seller_id = SellerAccounts(pg_pool), await add_seller(pg_pool)
    for _ in range(2):
        await sellers.record_strike(strike(seller_id, new_id("d")))
    change = await sellers.reinstate(
        ReinstateRequest(seller_id=seller_id, change_key=new_id("k"), reason=REASON, by=OPERATOR)
    )
    notice = account_notice(change)
    key = NotificationKey.of(notice)

    assert await Outbox(pg_pool).queue_notifications([notice]) == 1
    assert await Outbox(pg_pool).queue_notifications([notice]) == 0  # the account change keys it
    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["webhook", "email"])
    assert await deliveries.deliver(key) == DeliveryResult(status="sent", channels=["webhook", "email"])

    [request] = receiver.requests
    assert request.path == "/seller" and request.verified
    event = receiver.event(0)
    assert (event["type"], event["kind"]) == ("seller.seller_account_changed", ACCOUNT_CHANGED)
    assert (event["dispute_id"], event["dispute"], event["deadlines"]) == (None, None, {})
    assert event["recipient"] == {"kind": "seller", "ref": seller_id}
    assert event["data"] == {
        "seller_id": seller_id,
        "change_id": change.id,
        "from": "restricted",
        "to": "active",
        "status": "active",
        "reason": REASON,
        "by": "operator",
        "at": change.at.isoformat(),
    }
    assert REASON in event["text"]

    [mail] = smtp.mails
    row = await outbox_row(pg_pool, key)
    assert row["dispute_id"] is None and row["account_change_id"] == change.id
    assert mail.rcpt_tos == ["shop@seller.test"] and mail.message_id == row["message_id"]
    assert row["message_id"].startswith(f"<account-change-{change.id}.{ACCOUNT_CHANGED}.seller.")
    assert seller_id not in row["message_id"]
    assert mail.message["Subject"] == "[Jamla24] Changement de statut de votre compte vendeur"
    text = mail.part("plain")
    assert "actif" in text and REASON in text and f"Compte vendeur : {seller_id}" in text
    assert "None" not in text and "litige" not in text


async def test_a_strikes_change_tells_the_portal_where_the_account_came_from(
    pg_pool: asyncpg.Pool, deliveries: Deliveries, receiver: HttpReceiver
) -> None:
    seller_id = await add_seller(pg_pool)
    dispute_id, customer, _ = await open_dispute(pg_pool, seller_id=seller_id)
    await SellerAccounts(pg_pool).record_strike(strike(seller_id, dispute_id))
    # As the dispute's workflow queues it: the new status only.
    key = await queue(
        pg_pool, dispute_id, ACCOUNT_CHANGED, RecipientKind.SELLER, seller_id, seq=4, status="warned"
    )

    assert (await deliveries.deliver(key)).status == "sent"

    event = receiver.event(0)
    assert (event["dispute_id"], event["seq"]) == (dispute_id, 4)
    data = event["data"]
    assert (data["from"], data["to"], data["status"]) == ("active", "warned", "warned")
    assert (data["seller_id"], data["reason"], data["by"]) == (seller_id, "1 strike within 90 days", "agent")
    assert data["at"] and data["change_id"]
    assert customer.name not in receiver.requests[0].body.decode()
    # The outbox keeps what the workflow queued; the facts are read at delivery.
    assert (await outbox_row(pg_pool, key))["data"] == {"status": "warned"}


@pytest.mark.parametrize("subject", [{}, {"dispute_id": "d-1", "account_change_id": 7}], ids=["none", "both"])
def test_a_notification_is_about_a_dispute_or_an_account_change(subject: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="one dispute or one seller account change"):
        NotificationRequest.model_validate(
            {"seq": 0, "kind": ACCOUNT_CHANGED, "recipient_kind": "seller", "recipient_ref": "s-1"} | subject
        )
