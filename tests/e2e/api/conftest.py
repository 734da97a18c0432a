"""The API in-process (ASGI), on the e2e fixtures' real dev server, real worker and real PostgreSQL.

Disputes here run under the default policy (days), so no timer fires during a test unless the test
chooses a shorter one.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.auth import KeyRole, create_key
from devstack.processes import Child
from infra.customer_links import CustomerLinkSettings
from infra.settings import TASK_QUEUE, Settings
from tests.e2e.conftest import NAMESPACE
from workflows.sla_policy import SlaPolicy

# The session's API makes a customer link at every intake (tests/e2e/api/test_customer_page.py reads them).
LINKS = CustomerLinkSettings(
    customer_link_secret="e2e-api-tests-secret-of-32-characters-or-more", public_base_url="http://api.test"
)


def api_settings(temporal_address: str, database_url: str, task_queue: str = TASK_QUEUE) -> Settings:
    return Settings(
        temporal_address=temporal_address,
        temporal_namespace=NAMESPACE,
        database_url=database_url,
        task_queue=task_queue,
    )


@pytest.fixture(scope="session")
async def api_app(temporal_dev_server: str, database_url: str, worker: Child) -> AsyncIterator[FastAPI]:
    # No key cache: a revoked key must fail at once in the tests.
    settings = api_settings(temporal_dev_server, database_url)
    app = create_app(settings, policy=SlaPolicy(), key_cache_ttl=0, links=LINKS)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="session")
async def http(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=api_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test", timeout=30) as client:
        yield client


@dataclass(frozen=True)
class Keys:
    """A key of every role, and the sellers the seller keys act for."""

    intake: str
    agent1: str
    agent2: str
    agent3: str
    operator: str
    marketplace: str
    seller: str
    other_seller: str
    seller_id: str
    other_seller_id: str


@pytest.fixture(scope="session")
async def keys(pg_pool: asyncpg.Pool) -> Keys:
    run = uuid.uuid4().hex[:6]
    seller_id, other_seller_id = f"S-{run}", f"S-{run}-other"

    async def token(role: KeyRole, actor: str, **scope: str | int) -> str:
        _, value = await create_key(pg_pool, role, f"{actor}-{run}", **scope)  # type: ignore[arg-type]
        return value

    return Keys(
        intake=await token(KeyRole.INTAKE, "chat-intake"),
        agent1=await token(KeyRole.AGENT, "agent-t1", tier=1),
        agent2=await token(KeyRole.AGENT, "agent-t2", tier=2),
        agent3=await token(KeyRole.AGENT, "agent-t3", tier=3),
        operator=await token(KeyRole.OPERATOR, "operator"),
        marketplace=await token(KeyRole.MARKETPLACE, "seller-service"),
        seller=await token(KeyRole.SELLER, "seller", seller_id=seller_id),
        other_seller=await token(KeyRole.SELLER, "other-seller", seller_id=other_seller_id),
        seller_id=seller_id,
        other_seller_id=other_seller_id,
    )
