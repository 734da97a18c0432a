"""The HTTP API: intake clients open disputes; agents, sellers and operators read and act on them.

``uvicorn api.app:app`` reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL and the ``SLA_*``
policy (once, at start) from the environment. ``create_app`` builds one with other settings (tests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.auth import DEFAULT_CACHE_TTL, KeyStore
from api.deps import Resources
from api.routes import actions, disputes, health
from infra.postgres import create_pool
from infra.settings import Settings, SlaSettings
from infra.temporal import connect
from workflows.models import SlaPolicy

DESCRIPTION = """
Every dispute is a durable Temporal workflow that keeps the SLA policy's clocks.

Send an API key in the `X-API-Key` header (`python -m api.keys create --role ...`). Its role decides
what it may do: `intake` opens disputes and acts for the customer, `agent` (with a tier) and `operator`
handle them, `seller` reads and responds to its own disputes.
"""


def create_app(
    settings: Settings | None = None,
    *,
    policy: SlaPolicy | None = None,
    key_cache_ttl: float = DEFAULT_CACHE_TTL,
) -> FastAPI:
    """The app; its lifespan connects to Temporal and PostgreSQL (``settings``, default: the environment)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or Settings()
        if not config.database_url:
            raise RuntimeError("DATABASE_URL is not set: point it at the service's PostgreSQL.")
        client = await connect(config)
        pool = await create_pool(config.database_url, max_size=20)
        try:
            app.state.resources = Resources(
                client=client,
                pool=pool,
                keys=KeyStore(pool, key_cache_ttl),
                policy=policy or SlaSettings().policy(),
                task_queue=config.task_queue,
            )
            yield
        finally:
            await pool.close()

    app = FastAPI(title="Jamla24 disputes", version="1.0", description=DESCRIPTION, lifespan=lifespan)
    app.include_router(health.router)
    app.include_router(disputes.router)
    app.include_router(actions.router)
    errors.install(app)
    return app


app = create_app()
