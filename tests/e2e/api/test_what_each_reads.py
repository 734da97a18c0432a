"""What each reader finds in a dispute, through HTTP on the real stack: the complaint for everyone who
handles it, the seller's own view without the customer's details or words, and for agents and operators
what became of each notification."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from temporalio.client import Client

from api.dispute_reads import handle_for
from tests.delivery.servers import Mail, SmtpSink
from tests.e2e.api.conftest import Keys
from tests.e2e.api.helpers import Json, act, auth, eventually, get, intake_body, open_dispute

DESCRIPTION = "Commande payée le 3,\ntoujours pas livrée."
SECRET = "Zq7-private"  # in every text a seller must not read


async def test_agents_and_operators_read_the_complaint(http: httpx.AsyncClient, keys: Keys) -> None:
    first_contact = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    order_id = f"O-{uuid.uuid4().hex[:8]}"
    created = await open_dispute(
        http,
        keys,
        order_id=order_id,
        channel="email",
        category="not_as_described",
        description=DESCRIPTION,
        first_contact_at=first_contact.isoformat(),
    )
    for token in (keys.agent1, keys.operator, keys.intake):
        view = await get(http, token, created["dispute_id"])
        assert view["description"] == DESCRIPTION
        assert (view["channel"], view["category"], view["order_id"]) == (
            "email",
            "not_as_described",
            order_id,
        )
        assert datetime.fromisoformat(view["first_contact_at"]) == first_contact


async def test_the_seller_reads_the_complaint_and_nothing_of_the_customer(
    http: httpx.AsyncClient, keys: Keys, temporal_client: Client
) -> None:
    created = await open_dispute(http, keys, category="damaged", description=DESCRIPTION)
    dispute_id = created["dispute_id"]
    steps: list[tuple[str, str, Json]] = [
        (keys.agent1, "escalate", {"reason": f"{SECRET}: the customer wants an investigation."}),
        (keys.agent2, "information-requests", {"questions": [f"{SECRET}: a photo of the box?"]}),
        (keys.intake, "information", {"answer": f"{SECRET}: sent by e-mail, call me on 0661406136."}),
    ]
    for token, action, body in steps:
        response = await act(http, token, dispute_id, action, body)
        assert response.status_code == 200, response.text
    responded = await act(
        http, keys.seller, dispute_id, "seller-response", {"message": "Replacement shipped."}
    )
    assert responded.status_code == 200, responded.text

    for answer in (responded, await http.get(f"/disputes/{dispute_id}", headers=auth(keys.seller))):
        _is_the_sellers_view(answer, created)

    # Agents still read it all.
    full = await get(http, keys.operator, dispute_id)
    assert full["information_requests"] == [f"{SECRET}: a photo of the box?"]
    assert full["customer"]["name"] == "Amina El Idrissi"

    # Resolved and ended: answered from the read model's snapshot, the same view.
    body = {"outcome": "refund", "summary": f"{SECRET}: refunded in full."}
    assert (await act(http, keys.agent2, dispute_id, "resolve", body)).status_code == 200
    await asyncio.wait_for(handle_for(temporal_client, dispute_id).result(), 30)
    closed = await http.get(f"/disputes/{dispute_id}", headers=auth(keys.seller))
    view = _is_the_sellers_view(closed, created)
    assert (view["source"], view["stale"], view["status"], view["outcome"]) == (
        "read_model",
        False,
        "resolved",
        "refund",
    )
    assert view["resolution"]["outcome"] == "refund" and "by" not in view["resolution"]


def _is_the_sellers_view(answer: httpx.Response, created: Json) -> Json:
    assert answer.status_code == 200, answer.text
    view: Json = answer.json()
    assert (view["description"], view["category"], view["seller_id"]) == (
        DESCRIPTION,
        "damaged",
        created["seller_id"],
    )
    assert view["order_id"].startswith("O-")
    for hidden in (
        "customer",
        "customer_id",
        "information_requests",
        "findings",
        "workflow_id",
        "external_ref",
    ):
        assert hidden not in view, hidden
    for secret in (SECRET, "Amina", "amina@example.ma", "+212539420142", "0661406136", "C-20931"):
        assert secret not in answer.text, secret
    entries = {entry["kind"]: entry for entry in view["history"]}
    assert entries["information_provided"]["data"] == {} and entries["information_requested"]["data"] == {}
    assert entries["seller_responded"]["data"] == {"message": "Replacement shipped."}
    # Agents by their role and tier, never their id.
    escalation = entries["escalated"]
    assert escalation["actor"] == {"role": "agent", "tier": 1, "id": None}
    assert escalation["data"] == {"from_tier": 1, "to_tier": 2, "automatic": False}
    return view


async def test_the_sellers_complaint_notice_tells_the_complaint(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool, mail_server: SmtpSink
) -> None:
    seller_id = f"S-mail-{uuid.uuid4().hex[:8]}"
    address = f"{seller_id.lower()}@shops.test"
    await pg_pool.execute(
        "INSERT INTO sellers (seller_id, name, email) VALUES ($1, 'Atlas Shop', $2)", seller_id, address
    )
    await open_dispute(http, keys, seller_id=seller_id, category="damaged", description=DESCRIPTION)

    async def notice() -> Mail | None:
        return next((mail for mail in mail_server.mails if address in mail.rcpt_tos), None)

    mail: Mail = await eventually(notice, within=30)
    plain = mail.part("plain").replace("\r\n", "\n")
    assert DESCRIPTION in plain and "article endommagé" in plain  # the category's label, in French
    for secret in ("Amina", "amina@example.ma", "+212539420142", "C-20931"):
        assert secret not in plain


async def test_agents_and_operators_see_what_became_of_each_notification(
    http: httpx.AsyncClient, keys: Keys, mail_server: SmtpSink
) -> None:
    # The seller of keys.seller_id has no address and the stack no seller portal: its notice is skipped.
    reachable = await open_dispute(http, keys)
    refused = f"refused-{uuid.uuid4().hex[:8]}@example.ma"
    mail_server.refuse.add(refused)
    customer = intake_body(keys)["customer"] | {"email": refused}
    unreachable = await open_dispute(http, keys, customer=customer)

    async def settled(dispute_id: str) -> Json | None:
        view = await get(http, keys.operator, dispute_id)
        done = view["notifications"] and all(n["status"] != "pending" for n in view["notifications"])
        return view if done and len(view["notifications"]) == 2 else None

    sent_view = await eventually(lambda: settled(reachable["dispute_id"]), within=30)
    failed_view = await eventually(lambda: settled(unreachable["dispute_id"]), within=30)

    # The history says what each event queued; the notifications what happened to each message.
    assert set(sent_view["history"][0]["notified"]) == {"customer:acknowledgement", "seller:complaint_notice"}
    sent = _by_recipient(sent_view)
    ack, notice = sent["customer"], sent["seller"]
    assert (ack["kind"], ack["seq"], ack["status"], ack["channels"]) == (
        "acknowledgement",
        1,
        "sent",
        ["email"],
    )
    assert ack["sent_at"] and ack["reason"] is None and ack["failed_channels"] == {}
    assert (notice["kind"], notice["status"], notice["channels"]) == ("complaint_notice", "skipped", [])
    assert notice["reason"] == (
        "no seller portal URL configured and no e-mail address or webhook URL in the seller directory"
    )
    assert notice["recipient_ref"] == keys.seller_id and notice["sent_at"] is None

    failed = _by_recipient(failed_view)["customer"]
    assert (failed["status"], failed["channels"], list(failed["failed_channels"])) == (
        "failed",
        [],
        ["email"],
    )
    assert failed["reason"] == f"email: {failed['failed_channels']['email']}"
    # Codes only: never the address, which the mail server's refusal quoted.
    shown = json.dumps(failed_view["notifications"]) + json.dumps(sent_view["notifications"])
    for secret in (refused, "amina@example.ma", "+212539420142", "Amina"):
        assert secret not in shown, secret

    # Agents read them too; intake clients and sellers do not.
    assert (await get(http, keys.agent1, reachable["dispute_id"]))["notifications"] == sent_view[
        "notifications"
    ]
    assert (await get(http, keys.intake, reachable["dispute_id"]))["notifications"] is None
    assert "notifications" not in await get(http, keys.seller, reachable["dispute_id"])


def _by_recipient(view: Json) -> dict[str, Json]:
    return {notification["recipient_kind"]: notification for notification in view["notifications"]}
