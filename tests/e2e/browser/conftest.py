"""The customer's page in a real browser: Debian's headless Chromium, driven by Playwright.

One browser per module, with a fresh profile, JavaScript off and a small phone's screen: what the tests
do, a customer can do on such a phone without scripts. The service runs as it is deployed, served over
HTTP (uvicorn) on a free port, with an in-process worker on a task queue of its own whose e-mails go to
an SMTP server of the module's: a test opens the link its acknowledgement carries.

Chromium is the system's (``/usr/bin/chromium``), never a browser Playwright downloads. ``make test``
installs it when it is missing (Debian's ``chromium`` package); without it these tests fail, saying how
to install it, rather than skip.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from playwright.async_api import BrowserContext, ViewportSize, async_playwright
from temporalio.client import Client

from activities.delivery import Deliveries
from api.app import create_app
from api.auth import KeyRole, create_key
from devstack.processes import free_port
from infra.customer_links import PATH, CustomerLinkSettings
from infra.delivery_settings import DeliverySettings
from tests.delivery.servers import SmtpSink
from tests.e2e.api.conftest import api_settings
from tests.e2e.api.helpers import Json, auth, eventually
from worker import build_worker
from workflows.sla_policy import SlaPolicy

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = ViewportSize(width=360, height=740)
# The seller's windows short, so that a test sees the customer's right to its contact details arrive;
# every other clock the policy's own (days away).
POLICY = SlaPolicy(seller_response_window=2)


@dataclass(frozen=True)
class Service:
    """The API over HTTP at ``url``, its worker's mailbox, and keys to act as the team."""

    url: str
    http: httpx.AsyncClient
    smtp: SmtpSink
    intake: str
    agent2: str
    operator: str
    seller_id: str

    async def open_dispute(self, language: str = "fr") -> tuple[Json, str]:
        """A new dispute of a customer of its own; its answer and its customer's e-mail address."""
        email = f"client-{uuid.uuid4().hex[:8]}@example.ma"
        body = {
            "customer": {"id": "C-20931", "name": "Amina El Idrissi", "email": email, "language": language},
            "order_id": f"O-{uuid.uuid4().hex[:8]}",
            "seller_id": self.seller_id,
            "channel": "chat",
            "category": "not_delivered",
            "description": "Commande payée le 3, toujours pas livrée.",
        }
        response = await self.http.post("/disputes", json=body, headers=auth(self.intake))
        assert response.status_code == 201, response.text
        return response.json(), email

    async def link_in_acknowledgement(self, email: str) -> str:
        """The page's link, as the acknowledgement e-mail to ``email`` carries it."""

        async def delivered() -> str | None:
            for mail in self.smtp.mails:
                if email in mail.rcpt_tos:
                    lines = mail.part("plain").splitlines()
                    return next(line for line in lines if line.startswith(f"{self.url}{PATH}/"))
            return None

        link: str = await eventually(delivered)
        return link

    async def dispute(self, dispute_id: str) -> Json:
        response = await self.http.get(f"/disputes/{dispute_id}", headers=auth(self.operator))
        assert response.status_code == 200, response.text
        view: Json = response.json()
        return view


@pytest.fixture(scope="module")
async def service(
    temporal_dev_server: str, temporal_client: Client, database_url: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Service]:
    queue, port, run = f"page-{uuid.uuid4().hex[:8]}", free_port(), uuid.uuid4().hex[:6]
    url = f"http://127.0.0.1:{port}"
    links = CustomerLinkSettings(
        customer_link_secret=f"browser-tests-{uuid.uuid4().hex}", public_base_url=url
    )
    app = create_app(api_settings(temporal_dev_server, database_url, queue), policy=POLICY, links=links)
    # log_config=None: the test session's logging stays as it is (uvicorn would configure its own).
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_config=None)
    server = uvicorn.Server(config)
    keys = {
        role: (await create_key(pg_pool, role, f"page-{role.value}-{run}", **scope))[1]  # type: ignore[arg-type]
        for role, scope in ((KeyRole.INTAKE, {}), (KeyRole.AGENT, {"tier": 2}), (KeyRole.OPERATOR, {}))
    }
    async with SmtpSink() as smtp:
        mail = DeliverySettings(
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_tls="none",
            seller_webhook_url=None,
            alerts_webhook_url=None,
        )
        deliveries = Deliveries.from_settings(pg_pool, mail, links)
        async with build_worker(temporal_client, pg_pool, queue, deliveries):
            serving = asyncio.create_task(server.serve())
            try:
                while not server.started:
                    assert not serving.done(), "the API did not start"
                    await asyncio.sleep(0.05)
                async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                    yield Service(
                        url,
                        http,
                        smtp,
                        intake=keys[KeyRole.INTAKE],
                        agent2=keys[KeyRole.AGENT],
                        operator=keys[KeyRole.OPERATOR],
                        seller_id=f"S-page-{run}",
                    )
            finally:
                server.should_exit = True
                await serving


@pytest.fixture(scope="module")
async def browser(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserContext]:
    """Chromium with a fresh profile, no JavaScript, a small phone's screen."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}. `make test` installs it (Debian's chromium "
            "package, through apt-get as root or with sudo); or install it yourself: "
            "sudo apt-get install -y chromium"
        )
    profile = tmp_path_factory.mktemp("chromium-profile")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            java_script_enabled=False,
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
        )
        try:
            yield context
        finally:
            await context.close()
