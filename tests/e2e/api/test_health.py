"""Liveness and readiness."""

from __future__ import annotations

import httpx
from temporalio.client import Client

from api.app import create_app
from tests.e2e.api.conftest import api_settings


async def test_healthz_and_readyz(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"temporal": "ok", "postgres": "ok"}}


async def test_readyz_is_503_naming_the_dependency_that_is_down(
    temporal_dev_server: str, database_url: str, temporal_client: Client
) -> None:
    app = create_app(api_settings(temporal_dev_server, database_url))
    async with app.router.lifespan_context(app):
        await app.state.resources.pool.close()  # PostgreSQL gone, as far as this app can tell
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            assert (await http.get("/healthz")).status_code == 200  # alive, but not ready
            ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["checks"]["temporal"] == "ok"
    assert ready.json()["checks"]["postgres"].startswith("failing")
