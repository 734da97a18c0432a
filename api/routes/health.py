"""Liveness and readiness, for anyone (no key): load balancers and orchestrators call these."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Response
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from api.deps import ClientDep, PoolDep
from api.schemas import Liveness, Readiness
from infra.postgres import ping

router = APIRouter(tags=["health"])

CHECK_TIMEOUT = 2.0  # seconds


@router.get("/healthz", response_model=Liveness, summary="Liveness")
async def healthz() -> Liveness:
    """The process is up and serving."""
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: Temporal and PostgreSQL answer",
    responses={503: {"model": Readiness, "description": "a dependency does not answer"}},
)
async def readyz(response: Response, client: ClientDep, pool: PoolDep) -> Readiness:
    """Ready when both Temporal and PostgreSQL answer within 2 s; 503 and which one otherwise."""

    async def temporal() -> None:
        await client.workflow_service.get_system_info(
            GetSystemInfoRequest(), timeout=timedelta(seconds=CHECK_TIMEOUT)
        )

    async def postgres() -> None:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await ping(pool)

    results = await asyncio.gather(temporal(), postgres(), return_exceptions=True)
    checks = {
        name: "ok" if result is None else f"failing: {type(result).__name__}"
        for name, result in zip(("temporal", "postgres"), results, strict=True)
    }
    ready = all(value == "ok" for value in checks.values())
    response.status_code = 200 if ready else 503
    return Readiness(status="ok" if ready else "unavailable", checks=checks)
