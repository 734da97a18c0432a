"""FastAPI dependencies: the lifespan's resources, the policy, and who is calling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from temporalio.client import Client

from api.auth import ApiKey, KeyRole, KeyStore
from api.errors import forbidden, unauthorized
from workflows.models import SlaPolicy


@dataclass
class Resources:
    """What the lifespan makes and every request shares."""

    client: Client
    pool: asyncpg.Pool
    keys: KeyStore
    policy: SlaPolicy
    task_queue: str


def resources(request: Request) -> Resources:
    found: Resources = request.app.state.resources
    return found


def get_client(request: Request) -> Client:
    return resources(request).client


def get_pool(request: Request) -> asyncpg.Pool:
    return resources(request).pool


def get_policy(request: Request) -> SlaPolicy:
    """The SLA policy new disputes start under: read once at start (override in tests)."""
    return resources(request).policy


def get_task_queue(request: Request) -> str:
    return resources(request).task_queue


_api_key = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API key from `python -m api.keys create`; its role decides what it may do.",
)


async def current_key(request: Request, token: Annotated[str | None, Security(_api_key)]) -> ApiKey:
    if not token:
        raise unauthorized("An API key is required: send it in the X-API-Key header.")
    key = await resources(request).keys.authenticate(token)
    if key is None:
        raise unauthorized("This API key is not valid (unknown or revoked).")
    return key


def allow(*roles: KeyRole) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency admitting keys of ``roles`` only (403 for the others)."""
    names = " or ".join(role.value for role in roles)

    async def check(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
        if key.role not in roles:
            raise forbidden(f"Only {names} keys may do this; this key's role is {key.role.value}.")
        return key

    return check


ClientDep = Annotated[Client, Depends(get_client)]
PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
PolicyDep = Annotated[SlaPolicy, Depends(get_policy)]
TaskQueueDep = Annotated[str, Depends(get_task_queue)]
