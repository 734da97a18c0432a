"""What the API tells operators: Prometheus metrics of its requests and one JSON log line per request.

Labels and log fields hold the route's template (``/disputes/{dispute_id}/resolve``), the method and
the status: never the raw path, a query string, a body, a key or a client's address. A request about
one dispute logs its id in the line's ``dispute_id`` field (for ``POST /disputes``, the id it opened).
"""

from __future__ import annotations

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.process_collector import ProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.logs import configure_logging

log = logging.getLogger("api.access")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # the route of a request no route matched (404): never its raw path
# Probes and scrapes come every few seconds: their lines are debug-level (not written by default).
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
DISPUTES = "/disputes/"


class ApiMetrics:
    """The API's metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "api_requests",
            "HTTP requests answered, by method, route template and status code",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "api_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)  # process_*: CPU, memory, open files

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def _dispute_id(scope: Scope, headers: list[tuple[bytes, bytes]]) -> str | None:
    """The dispute a request is about: its path's, or the one a ``Location`` answer points at."""
    params = scope.get("path_params") or {}
    if isinstance(found := params.get("dispute_id"), str):
        return found
    for name, value in headers:
        if name.lower() == b"location" and value.startswith(DISPUTES.encode()):
            return value.decode("latin-1").removeprefix(DISPUTES).split("/", 1)[0] or None
    return None


class RequestObserver:
    """ASGI middleware: counts and times every HTTP request, and logs one line for it."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering
        headers: list[tuple[bytes, bytes]] = []

        async def observed_send(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers", []))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            elapsed = time.perf_counter() - began
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            route = route_of(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            fields = {"http_method": method, "http_route": route, "http_status": status}
            if dispute_id := _dispute_id(scope, headers):
                fields["dispute_id"] = dispute_id
            log.log(
                logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                "%s %s %d %.1f ms",
                method,
                route,
                status,
                elapsed * 1000,
                extra=fields | {"duration_ms": round(elapsed * 1000, 1)},
            )


def get_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics (no key)",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
)
async def metrics(found: Annotated[ApiMetrics, Depends(get_metrics)]) -> Response:
    """The API's request counts and latencies, by method, route template and status; no ids, no PII."""
    return Response(found.exposition(), media_type=CONTENT_TYPE_LATEST)


def configure_api_logging() -> None:
    """JSON lines for the API process, uvicorn's own messages included.

    uvicorn's access lines (which carry the raw path, query string and client address) are replaced by
    this module's, which carry the route template and the dispute id.
    """
    configure_logging()
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
