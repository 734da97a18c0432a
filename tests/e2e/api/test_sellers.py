"""Seller accounts through the API: reading one, and an operator's reinstatement, published and told.

The reinstatement tests run an API and an in-process worker on a task queue of their own, whose
deliveries go to a seller portal (an HTTP receiver checking signatures) and an SMTP server of the test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from activities.delivery import Deliveries
from activities.sellers import SellerAccounts
from api.app import create_app
from api.auth import KeyRole, create_key
from infra.delivery_settings import DeliverySettings
from tests.delivery.servers import HttpReceiver, Mail, SmtpSink
from tests.e2e.api.conftest import Keys, api_settings
from tests.e2e.api.helpers import Json, auth, eventually, intake_body, served
from worker import build_worker
from workflows.models import Actor, Role, StrikeReason
from workflows.seller_account import SellerAccountChangeResult, SellerAccountChangeWorkflow, workflow_id
from workflows.seller_payloads import ReinstateRequest, StrikeRequest
from workflows.sla_policy import SlaPolicy

T = TypeVar("T")
SECRET = "seller-portal-secret"
AGENT = Actor(role=Role.AGENT, id="agent-7", tier=2)
REASON = "Both strikes came from the carrier's outage in March, now confirmed."


@dataclass
class Portal:
    """The API and a worker on a private task queue, publishing to ``receiver`` and mailing ``smtp``."""

    http: httpx.AsyncClient
    receiver: HttpReceiver
    smtp: SmtpSink
    queue: str

    def events(self, seller_id: str) -> list[Json]:
        found = [self.receiver.event(i) for i in range(len(self.receiver.requests))]
        return [e for e in found if e["recipient"]["ref"] == seller_id]

    def mails(self, address: str) -> list[Mail]:
        return [m for m in self.smtp.mails if address in m.rcpt_tos]


@pytest.fixture(scope="module")
async def portal(
    temporal_dev_server: str, temporal_client: Client, database_url: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Portal]:
    queue = f"sellers-{uuid.uuid4().hex[:8]}"
    app = create_app(
        api_settings(temporal_dev_server, database_url, queue), policy=SlaPolicy(), key_cache_ttl=0
    )
    transport = httpx.ASGITransport(app=app)
    async with HttpReceiver(SECRET) as receiver, SmtpSink() as smtp:
        settings = DeliverySettings(
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_tls="none",
            seller_webhook_url=receiver.url("/seller"),
            alerts_webhook_url=None,
            webhook_secret=SECRET,
        )
        async with (
            build_worker(temporal_client, pg_pool, queue, Deliveries.from_settings(pg_pool, settings)),
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=30) as http,
        ):
            yield Portal(http, receiver, smtp, queue)


@dataclass(frozen=True)
class Seller:
    seller_id: str
    email: str
    token: str  # the seller's own key


async def new_seller(pool: asyncpg.Pool, strikes: int = 0, *, old_strikes: int = 0) -> Seller:
    """A seller with contact details and ``strikes`` strikes now (plus ``old_strikes`` past the window)."""
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    email = f"{seller_id.lower()}@shops.test"
    await pool.execute(
        "INSERT INTO sellers (seller_id, name, email) VALUES ($1, 'Atlas Shop', $2)", seller_id, email
    )
    now = datetime.now(UTC)
    times = [now - timedelta(days=100 + i) for i in range(old_strikes)]
    times += [now - timedelta(minutes=strikes - i) for i in range(strikes)]
    for i, at in enumerate(times):
        reason = StrikeReason.REFUSED if i % 2 else StrikeReason.UNRESPONSIVE
        await SellerAccounts(pool).record_strike(
            StrikeRequest(
                seller_id=seller_id,
                dispute_id=f"d-{seller_id}-{i}",
                seq=3,
                reason=reason,
                at=at,
                by=AGENT,
                policy=SlaPolicy(),
            )
        )
    _, token = await create_key(pool, KeyRole.SELLER, f"seller-{seller_id}", seller_id=seller_id)
    return Seller(seller_id, email, token)


async def reinstate(
    http: httpx.AsyncClient, token: str, seller_id: str, body: Json | None = None, idempotency_key: str = ""
) -> httpx.Response:
    headers = auth(token) | ({"Idempotency-Key": idempotency_key} if idempotency_key else {})
    body = {"reason": REASON} if body is None else body
    return await http.post(f"/sellers/{seller_id}/reinstate", json=body, headers=headers)


async def finished(client: Client, pool: asyncpg.Pool, seller_id: str) -> list[SellerAccountChangeResult]:
    """The result of each operator's change of the seller's account, once its workflow has ended."""
    keys = await pool.fetch(
        "SELECT change_key FROM seller_account_changes WHERE seller_id = $1 AND change_key IS NOT NULL"
        " ORDER BY id",
        seller_id,
    )
    handles: list[WorkflowHandle[SellerAccountChangeWorkflow, SellerAccountChangeResult]] = [
        client.get_workflow_handle_for(
            SellerAccountChangeWorkflow.run, workflow_id(seller_id, row["change_key"])
        )
        for row in keys
    ]
    return [await asyncio.wait_for(handle.result(), 30) for handle in handles]


async def arrived(items: Callable[[], list[T]]) -> list[T]:
    """``items()`` once it holds something."""

    async def check() -> list[T]:
        return items()

    found: list[T] = await eventually(check)
    return found


def changes(view: Json) -> list[tuple[str, str]]:
    return [(c["from"], c["to"]) for c in view["changes"]]


async def test_an_operator_reads_any_account_and_a_seller_only_its_own(
    portal: Portal, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    seller = await new_seller(pg_pool, strikes=2, old_strikes=1)

    response = await portal.http.get(f"/sellers/{seller.seller_id}", headers=auth(keys.operator))
    assert response.status_code == 200, response.text
    view = response.json()
    assert (view["seller_id"], view["status"], view["strike_window"]) == (
        seller.seller_id,
        "restricted",
        "P90D",
    )
    # The strike of 100 days ago warned the account but no longer counts; the two recent ones do.
    assert [(s["dispute_id"], s["reason"]) for s in view["strikes"]] == [
        (f"d-{seller.seller_id}-2", "unresponsive"),
        (f"d-{seller.seller_id}-1", "refused"),
    ]
    assert changes(view) == [("active", "warned"), ("warned", "restricted")]
    last = view["changes"][-1]
    assert (last["reason"], last["dispute_id"]) == ("2 strikes within 90 days", f"d-{seller.seller_id}-2")
    assert (last["actor"]["role"], last["actor"]["id"]) == ("agent", "agent-7")
    assert {k: view["contact"][k] for k in ("name", "email", "phone")} == {
        "name": "Atlas Shop", "email": seller.email, "phone": None,
    }  # fmt: skip

    # The seller reads its own account whole, its directory entry included.
    own = await portal.http.get(f"/sellers/{seller.seller_id}", headers=auth(seller.token))
    assert own.status_code == 200, own.text
    assert own.json() == view

    # Another seller learns nothing, not even whether the account exists; an operator gets a plain 404.
    missing = f"S-{uuid.uuid4().hex[:10]}"
    answers = []
    for seller_id in (seller.seller_id, missing):
        theirs = await portal.http.get(f"/sellers/{seller_id}", headers=auth(keys.other_seller))
        answers.append((theirs.status_code, theirs.json()["detail"].replace(seller_id, "<id>")))
    assert answers[0] == answers[1] and answers[0][0] == 403
    unknown = await portal.http.get(f"/sellers/{missing}", headers=auth(keys.operator))
    assert unknown.status_code == 404 and missing in unknown.json()["detail"]
    for token in (keys.agent3, keys.intake):
        assert (await portal.http.get(f"/sellers/{seller.seller_id}", headers=auth(token))).status_code == 403
    assert (await portal.http.get(f"/sellers/{seller.seller_id}")).status_code == 401


async def test_an_untouched_account_is_active(portal: Portal, keys: Keys, pg_pool: asyncpg.Pool) -> None:
    _, token = await create_key(pg_pool, KeyRole.SELLER, "seller-new", seller_id="S-never-struck")
    own = await portal.http.get("/sellers/S-never-struck", headers=auth(token))
    assert own.status_code == 200, own.text
    assert (own.json()["status"], own.json()["strikes"], own.json()["changes"]) == ("active", [], [])


@pytest.fixture
async def unattended(temporal_dev_server: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API on a task queue no worker polls: its disputes are accepted and never recorded."""
    queue = f"unattended-{uuid.uuid4().hex[:8]}"
    app = create_app(api_settings(temporal_dev_server, database_url, queue), policy=SlaPolicy())
    async with served(app) as http:
        yield http


async def test_a_seller_named_by_an_accepted_dispute_is_known_at_once(
    unattended: httpx.AsyncClient, keys: Keys, temporal_client: Client
) -> None:
    """Not only once a worker records the dispute: here none ever does."""
    seller_id = f"S-{uuid.uuid4().hex[:10]}"
    response = await unattended.post(
        "/disputes", json=intake_body(keys, seller_id=seller_id), headers=auth(keys.intake)
    )
    assert response.status_code == 201, response.text
    try:
        found = await unattended.get(f"/sellers/{seller_id}", headers=auth(keys.operator))
        assert found.status_code == 200, found.text
        view = found.json()
        assert (view["seller_id"], view["status"], view["strikes"], view["changes"]) == (
            seller_id,
            "active",
            [],
            [],
        )
        assert view["contact"] == {
            "name": None, "email": None, "phone": None, "language": None, "webhook_url": None,
            "customer_contact": {"name": None, "email": None, "phone": None}, "updated_at": None,
        }  # fmt: skip
    finally:
        await temporal_client.get_workflow_handle(response.json()["workflow_id"]).terminate("test over")


async def test_a_reinstatement_is_recorded_published_and_told_once(
    portal: Portal, keys: Keys, pg_pool: asyncpg.Pool, temporal_client: Client
) -> None:
    seller = await new_seller(pg_pool, strikes=2)
    operator_id = f"ops-{uuid.uuid4().hex[:8]}"
    _, operator = await create_key(pg_pool, KeyRole.OPERATOR, operator_id)
    retry_key = f"reinstate-{uuid.uuid4().hex}"

    response = await reinstate(portal.http, operator, seller.seller_id, idempotency_key=retry_key)

    assert response.status_code == 200, response.text
    view = response.json()
    assert view["status"] == "active"
    assert changes(view) == [("active", "warned"), ("warned", "restricted"), ("restricted", "active")]
    lifted = view["changes"][-1]
    assert (lifted["reason"], lifted["dispute_id"]) == (REASON, None)
    assert (lifted["actor"]["role"], lifted["actor"]["id"]) == ("operator", operator_id)

    [event] = await arrived(lambda: portal.events(seller.seller_id))
    request = next(r for r in portal.receiver.requests if seller.seller_id in r.body.decode())
    assert request.path == "/seller" and request.verified
    assert (event["kind"], event["dispute_id"], event["dispute"]) == ("seller_account_changed", None, None)
    data = event["data"]
    assert (data["seller_id"], data["from"], data["to"], data["reason"]) == (
        seller.seller_id,
        "restricted",
        "active",
        REASON,
    )
    assert datetime.fromisoformat(data["at"]) == datetime.fromisoformat(lifted["at"])
    assert "customer" not in request.body.decode()
    [mail] = await arrived(lambda: portal.mails(seller.email))
    assert "Atlas Shop" in mail.part("plain") and REASON in mail.part("plain")
    [result] = await finished(temporal_client, pg_pool, seller.seller_id)
    assert result.delivery is not None and result.delivery.status == "sent"
    assert sorted(result.delivery.channels) == ["email", "webhook"]

    # The operator's client retries (its answer was lost): the same answer, nothing done twice.
    retry = await reinstate(portal.http, operator, seller.seller_id, idempotency_key=retry_key)
    assert retry.status_code == 200, retry.text
    assert retry.json()["changes"] == view["changes"]
    [again] = await finished(temporal_client, pg_pool, seller.seller_id)
    assert again.change == result.change
    queued = await pg_pool.fetchval(
        "SELECT count(*) FROM notifications WHERE account_change_id = $1", lifted["id"]
    )
    assert queued == 1
    assert len(portal.events(seller.seller_id)) == 1 and len(portal.mails(seller.email)) == 1

    # The same key with another reason is not a retry: refused, nothing recorded.
    other = await reinstate(
        portal.http, operator, seller.seller_id, {"reason": "Another reason."}, idempotency_key=retry_key
    )
    assert other.status_code == 422, other.text
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert "already used for a different request (reinstate)" in other.json()["detail"][0]["msg"]
    assert (await account(portal, keys, seller.seller_id))["changes"] == view["changes"]

    # Without the key it is a new request, and there is nothing left to lift.
    again_later = await reinstate(portal.http, operator, seller.seller_id)
    assert again_later.status_code == 409
    assert "already active: there is no restriction to lift" in again_later.json()["detail"]


async def test_a_terminated_account_is_reinstated_only_when_the_operator_says_so(
    portal: Portal, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    seller = await new_seller(pg_pool, strikes=3)

    refused = await reinstate(portal.http, keys.operator, seller.seller_id)
    assert refused.status_code == 409
    assert '"lift_termination": true' in refused.json()["detail"]
    assert changes(await account(portal, keys, seller.seller_id))[-1] == ("restricted", "terminated")

    body = {"reason": REASON, "lift_termination": True}
    response = await reinstate(portal.http, keys.operator, seller.seller_id, body)
    assert response.status_code == 200, response.text
    assert changes(response.json())[-1] == ("terminated", "active")
    [event] = await arrived(lambda: portal.events(seller.seller_id))
    assert (event["data"]["from"], event["data"]["to"]) == ("terminated", "active")


async def account(portal: Portal, keys: Keys, seller_id: str) -> Json:
    response = await portal.http.get(f"/sellers/{seller_id}", headers=auth(keys.operator))
    assert response.status_code == 200, response.text
    view: Json = response.json()
    return view


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("operator", {}, 422),
        ("operator", {"reason": "   "}, 422),
        ("operator", {"reason": REASON, "notify": False}, 422),
        ("seller", None, 403),
        ("agent", None, 403),
        ("none", None, 401),
    ],
    ids=["no reason", "blank reason", "unknown field", "seller", "agent", "no key"],
)
async def test_a_bad_or_unauthorised_reinstatement_changes_nothing(
    portal: Portal, keys: Keys, pg_pool: asyncpg.Pool, who: str, body: Json | None, status: int
) -> None:
    seller = await new_seller(pg_pool, strikes=2)
    token = {"operator": keys.operator, "seller": seller.token, "agent": keys.agent3, "none": ""}[who]
    headers = auth(token) if token else {}
    response = await portal.http.post(
        f"/sellers/{seller.seller_id}/reinstate",
        json={"reason": REASON} if body is None else body,
        headers=headers,
    )
    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert (await account(portal, keys, seller.seller_id))["status"] == "restricted"


async def test_nothing_to_lift_and_no_such_seller(portal: Portal, keys: Keys, pg_pool: asyncpg.Pool) -> None:
    seller = await new_seller(pg_pool)
    active = await reinstate(portal.http, keys.operator, seller.seller_id)
    assert active.status_code == 409
    assert active.json()["detail"] == (
        f"Seller {seller.seller_id}'s account is already active: there is no restriction to lift."
    )
    missing = await reinstate(portal.http, keys.operator, f"S-{uuid.uuid4().hex[:10]}")
    assert missing.status_code == 404
    assert changes(await account(portal, keys, seller.seller_id)) == []


async def test_concurrent_reinstatements_lift_once(portal: Portal, keys: Keys, pg_pool: asyncpg.Pool) -> None:
    seller = await new_seller(pg_pool, strikes=2)

    responses = await asyncio.gather(
        *(reinstate(portal.http, keys.operator, seller.seller_id) for _ in range(5))
    )

    # Whether the route saw the account active or the workflow's activity found nothing left to lift, the
    # others are refused with the same reason.
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409, 409], [r.text for r in responses]
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {
        f"Seller {seller.seller_id}'s account is already active: there is no restriction to lift."
    }
    assert changes(await account(portal, keys, seller.seller_id))[-1] == ("restricted", "active")
    assert len((await account(portal, keys, seller.seller_id))["changes"]) == 3
    await arrived(lambda: portal.events(seller.seller_id))
    await asyncio.sleep(0.5)
    assert len(portal.events(seller.seller_id)) == 1


async def test_the_workflow_refuses_what_the_account_refuses(
    portal: Portal, pg_pool: asyncpg.Pool, temporal_client: Client
) -> None:
    """The activity decides under the account's lock, whatever the route checked before."""
    seller = await new_seller(pg_pool)
    request = ReinstateRequest(
        seller_id=seller.seller_id,
        change_key=uuid.uuid4().hex,
        reason=REASON,
        by=Actor(role=Role.OPERATOR, id="ops-test"),
    )
    start = WithStartWorkflowOperation(
        SellerAccountChangeWorkflow.run,
        request,
        id=workflow_id(seller.seller_id, request.change_key),
        task_queue=portal.queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await temporal_client.execute_update_with_start_workflow(
            SellerAccountChangeWorkflow.recorded, start_workflow_operation=start
        )
    cause: Any = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "ActionRefused"
    result = await asyncio.wait_for((await start.workflow_handle()).result(), 30)
    assert result.change is None and result.refused == cause.message
    assert "already active" in cause.message


async def test_the_docs_show_a_seller_account(portal: Portal) -> None:
    spec = (await portal.http.get("/openapi.json")).json()
    assert {"/sellers/{seller_id}", "/sellers/{seller_id}/reinstate"} <= set(spec["paths"])
    [example] = spec["components"]["schemas"]["SellerAccountView"]["examples"]
    assert {"seller_id", "status", "strike_window", "strikes", "changes", "contact"} <= set(example)
    assert example["changes"][-1]["actor"]["role"] == "operator"
