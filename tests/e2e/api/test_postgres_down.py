"""PostgreSQL stopped under a running API: every request answers 503 naming it, and works again after.

The API here has a PostgreSQL of its own (embedded, on a unix socket, in the test's folder), so the test
may stop it without disturbing the session's. Its disputes run on the session's worker, which writes its
read model to the session's database: that does not matter here, as the API's own calls are the ones
that must fail cleanly and recover.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from activities.customer_links import CustomerLinks
from api import dispute_reads
from api.app import create_app
from api.auth import KeyRole, create_key
from api.intake import dispute_id_for
from devstack.postgres import start_embedded, stop_embedded
from devstack.processes import Child
from infra.migrate import migrate
from infra.postgres import create_pool
from tests.e2e.api.conftest import LINKS, Keys, api_settings
from tests.e2e.api.helpers import auth, intake_body, served
from workflows.models import Channel
from workflows.sla_policy import SlaPolicy

Send = Callable[[], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class OwnPostgres:
    data_dir: Path
    url: str

    async def stop(self) -> None:
        await asyncio.to_thread(stop_embedded, self.data_dir)

    async def key(self, role: KeyRole, name: str, seller_id: str | None = None) -> str:
        """A new API key of ``role``, straight into this server's database."""
        pool = await create_pool(self.url, max_size=1)
        try:
            _, token = await create_key(pool, role, name, seller_id=seller_id)
        finally:
            await pool.close()
        return token

    async def start(self) -> None:
        """The same server again, on the same data (and so at the same address)."""
        assert await asyncio.to_thread(start_embedded, self.data_dir, cleanup="stop") == self.url


@pytest.fixture
async def own_postgres(tmp_path: Path) -> AsyncIterator[OwnPostgres]:
    """A migrated embedded PostgreSQL that this test alone uses (stopped at the end)."""
    data_dir = tmp_path / "pg"
    url = await asyncio.to_thread(start_embedded, data_dir, cleanup="stop")
    server = OwnPostgres(data_dir, url)
    try:
        await migrate(url)
        yield server
    finally:
        await server.stop()


async def test_postgresql_down_is_a_503_naming_it_on_every_route_and_up_again_serves(
    own_postgres: OwnPostgres, temporal_dev_server: str, worker: Child, keys: Keys
) -> None:
    url = own_postgres.url
    intake = await own_postgres.key(KeyRole.INTAKE, "chat-intake-pg")
    operator = await own_postgres.key(KeyRole.OPERATOR, "operator-pg")
    seller = await own_postgres.key(KeyRole.SELLER, "seller-pg", seller_id=keys.seller_id)
    # No key cache: every request asks PostgreSQL who is calling.
    app = create_app(api_settings(temporal_dev_server, url), policy=SlaPolicy(), key_cache_ttl=0)
    async with served(app) as http:
        opened = await http.post("/disputes", json=intake_body(keys), headers=auth(intake))
        assert opened.status_code == 201, opened.text
        dispute_id = opened.json()["dispute_id"]
        reason = {"reason": "The customer asks for an investigation."}
        requests: dict[str, Send] = {
            "read one": lambda: http.get(f"/disputes/{dispute_id}", headers=auth(operator)),
            "list": lambda: http.get("/disputes", headers=auth(operator)),
            "open": lambda: http.post("/disputes", json=intake_body(keys), headers=auth(intake)),
            "escalate": lambda: http.post(
                f"/disputes/{dispute_id}/escalate", json=reason, headers=auth(operator)
            ),
            "own account": lambda: http.get(f"/sellers/{keys.seller_id}", headers=auth(seller)),
            "directory": lambda: http.put(
                f"/sellers/{keys.seller_id}", json={"name": "Atlas Shop"}, headers=auth(operator)
            ),
            "report": lambda: http.get(
                "/reports/sla", params={"from": "2026-03-01", "to": "2026-03-02"}, headers=auth(operator)
            ),
        }

        await own_postgres.stop()
        for name, send in requests.items():
            response = await send()
            assert response.status_code == 503, (name, response.status_code, response.text)
            assert response.headers["content-type"] == "application/json", name
            assert int(response.headers["Retry-After"]) > 0, name
            assert "PostgreSQL" in response.json()["detail"], name
        ready = await http.get("/readyz")
        assert (ready.status_code, ready.json()["checks"]["temporal"]) == (503, "ok")

        # The same server again, on the same data: the pool reconnects, the same requests succeed.
        await own_postgres.start()
        answers = {name: await send() for name, send in requests.items()}
        for name, response in answers.items():
            assert response.status_code in (200, 201), (name, response.text)
        assert answers["escalate"].json()["tier"] == 2
        account = answers["own account"].json()
        assert (account["seller_id"], account["status"]) == (keys.seller_id, "active")
        assert uuid.UUID(answers["open"].json()["dispute_id"])


async def test_with_postgresql_down_no_reference_is_given_nor_looked_up_and_no_dispute_starts(
    own_postgres: OwnPostgres, temporal_dev_server: str, worker: Child, keys: Keys
) -> None:
    intake = await own_postgres.key(KeyRole.INTAKE, "chat-intake-refs")
    operator = await own_postgres.key(KeyRole.OPERATOR, "operator-refs")
    # Keys cached for the test's length: the requests below reach the references, not the key check.
    app = create_app(
        api_settings(temporal_dev_server, own_postgres.url), policy=SlaPolicy(), key_cache_ttl=600
    )
    async with served(app) as http:
        opened = await http.post("/disputes", json=intake_body(keys), headers=auth(intake))
        assert opened.status_code == 201, opened.text
        reference = opened.json()["reference"]
        assert (await http.get(f"/disputes/{reference}", headers=auth(operator))).status_code == 200

        await own_postgres.stop()
        external_ref = f"chat-{uuid.uuid4().hex[:8]}"
        refused = {
            "open": await http.post(
                "/disputes", json=intake_body(keys, external_ref=external_ref), headers=auth(intake)
            ),
            "read by reference": await http.get(f"/disputes/{reference}", headers=auth(operator)),
        }
        for name, response in refused.items():
            assert response.status_code == 503, (name, response.text)
            assert int(response.headers["Retry-After"]) > 0, name
            assert "PostgreSQL" in response.json()["detail"], name
        # The dispute was not started without its reference.
        client = app.state.resources.client
        assert await dispute_reads.describe(client, dispute_id_for(Channel.CHAT, external_ref)) is None


async def test_with_postgresql_down_the_customers_page_is_a_503_page_and_up_again_serves(
    own_postgres: OwnPostgres, temporal_dev_server: str, worker: Child, keys: Keys
) -> None:
    intake = await own_postgres.key(KeyRole.INTAKE, "chat-intake-page")
    settings = api_settings(temporal_dev_server, own_postgres.url)
    app = create_app(settings, policy=SlaPolicy(), key_cache_ttl=600, links=LINKS)
    async with served(app) as http:
        opened = await http.post("/disputes", json=intake_body(keys), headers=auth(intake))
        assert opened.status_code == 201, opened.text
        link = await CustomerLinks(app.state.resources.pool, LINKS).url(opened.json()["dispute_id"])
        assert link is not None
        path = link.removeprefix(LINKS.public_base_url)
        assert (await http.get(path)).status_code == 200

        await own_postgres.stop()
        for answer in (await http.get(path), await http.post(f"{path}/withdraw", data={"reason": "x"})):
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"].startswith("text/html")
            assert int(answer.headers["Retry-After"]) > 0

        await own_postgres.start()
        assert (await http.get(path)).status_code == 200
