"""The HTTP API: intake clients open disputes; agents, sellers and operators read and act on them.

``uvicorn api.app:app`` reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL, the payload keys
(PAYLOAD_KEYS or PAYLOAD_KEY_FILE: it does not start without them), the ``CODEC_*`` settings and the
``SLA_*`` policy (once, at start) from the environment, and logs JSON lines. ``create_app`` builds one
with other settings (tests).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from api import errors, observability
from api.auth import DEFAULT_CACHE_TTL, KeyStore
from api.deps import Resources, plain_text
from api.routes import (
    actions,
    codec,
    customer_links,
    customer_page,
    disputes,
    health,
    privacy,
    reports,
    sellers,
    whatsapp,
)
from infra.customer_links import CustomerLinkSettings
from infra.postgres import create_pool
from infra.settings import CodecServerSettings, Settings, SlaSettings
from infra.temporal import connect
from workflows.sla_policy import SlaPolicy

log = logging.getLogger("api.settings")  # not about a dispute: the "api" logger's lines all are

DESCRIPTION = """
Every dispute is a durable Temporal workflow that keeps the SLA policy's clocks.

Send an API key in the `X-API-Key` header (`python -m api.keys create --role ...`). Its role decides
what it may do: `intake` opens disputes and acts for the customer, `agent` (with a tier) and `operator`
handle them, `seller` reads and responds to its own disputes and reads its own account; operators also
reinstate seller accounts.
"""


def create_app(
    settings: Settings | None = None,
    *,
    policy: SlaPolicy | None = None,
    key_cache_ttl: float = DEFAULT_CACHE_TTL,
    json_logs: bool = False,
    codec_server: CodecServerSettings | None = None,
    links: CustomerLinkSettings | None = None,
) -> FastAPI:
    """The app; its lifespan connects to Temporal and PostgreSQL (``settings``, default: the environment)
    and, with ``json_logs``, makes the process log JSON lines (the served app does; tests keep theirs).
    ``links``: the customers' private links (default: the environment's ``CustomerLinkSettings``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if json_logs:
            observability.configure_api_logging()
        config = settings or Settings()
        if not config.database_url:
            raise RuntimeError("DATABASE_URL is not set: point it at the service's PostgreSQL.")
        link_settings = links or CustomerLinkSettings()
        if not link_settings.enabled:
            log.warning("customer links are off: CUSTOMER_LINK_SECRET is not set")
        client = await connect(config)
        # The API sets nothing in a session (no SET, LISTEN, advisory locks or held cursors), so a
        # connection given back needs no reset query: a round trip fewer after each of its queries.
        pool = await create_pool(config.database_url, max_size=20, reset_session=False)
        try:
            app.state.resources = Resources(
                client=client,
                pool=pool,
                keys=KeyStore(pool, key_cache_ttl),
                policy=policy or SlaSettings().policy(),
                task_queue=config.task_queue,
                links=link_settings,
            )
            yield
        finally:
            await pool.close()

    # FastAPI's docs pages, /docs and /redoc, with their scripts, styles and icon served by the app
    # (under /static-offline-docs) rather than from CDNs: they work where the API has no internet.
    app = FastAPIOffline(
        title="Jamla24 disputes",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(plain_text)],  # no NUL or control characters in a path, a query or a header
    )
    app.state.metrics = observability.ApiMetrics()
    app.add_middleware(observability.RequestObserver, metrics=app.state.metrics)
    app.include_router(health.router)
    app.include_router(observability.router)
    app.include_router(disputes.router)
    app.include_router(actions.router)
    app.include_router(reports.router)
    app.include_router(sellers.router)
    app.include_router(privacy.router)
    codec.install(app, codec_server or CodecServerSettings())
    app.include_router(customer_links.router)
    app.include_router(customer_page.router)  # HTML for customers, not in the API's docs
    app.include_router(whatsapp.router)
    errors.install(app)
    return app


app = create_app(json_logs=True)
