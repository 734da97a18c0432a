"""FastAPI dependencies: the lifespan's resources, the policy, who is calling, plain text only, and the
parameters several routers share."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote_to_bytes

import asyncpg
from fastapi import Depends, Header, Path, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader
from temporalio.client import Client

from api import dispute_reads, reference_store, references, text
from api.auth import ApiKey, KeyRole, KeyStore
from api.errors import forbidden, invalid, not_sellers, unauthorized
from infra.customer_links import CustomerLinkSettings
from workflows.models import SellerAccountStatus
from workflows.sla_policy import SlaPolicy

_LINKS_OFF = CustomerLinkSettings(customer_link_secret=None)
API_KEY_HEADER = "X-API-Key"
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
CHECKED_HEADERS = (API_KEY_HEADER, IDEMPOTENCY_KEY_HEADER)  # every header the app reads as text


@dataclass
class Resources:
    """What the lifespan makes and every request shares."""

    client: Client
    pool: asyncpg.Pool
    keys: KeyStore
    policy: SlaPolicy
    task_queue: str
    # The customers' private links (``infra.customer_links``); off unless the app was given a secret.
    links: CustomerLinkSettings = field(default_factory=lambda: _LINKS_OFF)


def resources(request: Request) -> Resources:
    found: Resources = request.app.state.resources
    return found


# The dependencies are coroutines, even those that only read the app's state: FastAPI runs a plain
# function in its thread pool, a thread hop for each on every request.


async def get_client(request: Request) -> Client:
    return resources(request).client


async def get_pool(request: Request) -> asyncpg.Pool:
    return resources(request).pool


async def get_policy(request: Request) -> SlaPolicy:
    """The SLA policy new disputes start under: read once at start (override in tests)."""
    return resources(request).policy


async def get_task_queue(request: Request) -> str:
    return resources(request).task_queue


async def get_links(request: Request) -> CustomerLinkSettings:
    return resources(request).links


_api_key = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key from `python -m api.keys create`; its role decides what it may do.",
)


async def current_key(request: Request, token: Annotated[str | None, Security(_api_key)]) -> ApiKey:
    if not token:
        raise unauthorized("An API key is required: send it in the X-API-Key header.")
    key = await resources(request).keys.authenticate(token)
    if key is None:
        raise unauthorized("This API key is not valid (unknown or revoked).")
    if key.seller_status == SellerAccountStatus.TERMINATED:
        # The policy's last step: a terminated account no longer acts here, on any route.
        raise forbidden(
            f"Seller {key.seller_id}'s account is terminated: its keys are refused. Only an operator's "
            "reinstatement (lifting the termination) lets them work again."
        )
    return key


def allow(*roles: KeyRole) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency admitting keys of ``roles`` only (403 for the others)."""
    names = " or ".join(role.value for role in roles)

    async def check(key: Annotated[ApiKey, Depends(current_key)]) -> ApiKey:
        if key.role not in roles:
            raise forbidden(f"Only {names} keys may do this; this key's role is {key.role.value}.")
        return key

    return check


def _path_params(request: Request) -> dict[str, str]:
    """The path's parameters as sent: bytes that are not UTF-8 stay what they are (lone surrogates, which
    ``text.problem`` refuses) instead of the replacement character the server decodes them to."""
    found: dict[str, str] = dict(request.path_params)
    raw, regex = request.scope.get("raw_path"), getattr(request.scope.get("route"), "path_regex", None)
    if isinstance(raw, bytes) and regex is not None:
        path = unquote_to_bytes(raw).decode("utf-8", "surrogateescape")
        path = path.removeprefix(request.scope.get("root_path", ""))
        if (match := regex.match(path)) is not None:
            found |= match.groupdict()
    return found


def _sent_text(request: Request) -> Iterator[tuple[tuple[str, str], str]]:
    """``(loc, value)`` of each path and query parameter and each header the app reads, decoded as UTF-8
    with the bytes that are not UTF-8 kept as lone surrogates."""
    for param, value in _path_params(request).items():
        yield ("path", param), value
    query = request.scope.get("query_string", b"").decode("latin-1")
    for param, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="surrogateescape"):
        yield ("query", param), value
    wanted = {header.lower(): header for header in CHECKED_HEADERS}
    for raw_name, raw_value in request.scope.get("headers", []):
        if (header := wanted.get(raw_name.decode("latin-1").lower())) is not None:
            yield ("header", header), raw_value.decode("utf-8", "surrogateescape")


async def plain_text(request: Request) -> None:
    """Every route's first dependency: a path or query parameter or a header the app reads that holds
    NUL, a lone surrogate (or bytes that are not UTF-8) or a control character is refused with a 422
    naming it (``["path", "seller_id"]``, ``["query", "cursor"]``, ``["header", "Idempotency-Key"]``),
    before it reaches a key lookup, PostgreSQL or Temporal. Request bodies are checked by their models'
    ``Text`` fields."""
    errors: list[dict[str, Any]] = [
        {"loc": loc, "msg": message, "type": text.ERROR_TYPE}
        for loc, value in _sent_text(request)
        if (message := text.problem(value)) is not None
    ]
    if errors:
        raise RequestValidationError(errors)


ClientDep = Annotated[Client, Depends(get_client)]
PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
PolicyDep = Annotated[SlaPolicy, Depends(get_policy)]
TaskQueueDep = Annotated[str, Depends(get_task_queue)]
LinksDep = Annotated[CustomerLinkSettings, Depends(get_links)]

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ID_OR_REFERENCE = Path(
    min_length=1,
    max_length=64,
    pattern=r"^[A-Za-z0-9_ -]+$",
    description=(
        "the dispute's id (32 hex characters) or its reference (`J24-` and 8 characters: any case, "
        "with or without `J24-`, dashes and spaces ignored)"
    ),
    examples=["3f1c0d9e2b7a4c5d8e6f1a2b3c4d5e6f", "J24-7KX4M2QJ"],
)


async def resolve_dispute_id(
    request: Request,
    dispute_id: Annotated[str, _ID_OR_REFERENCE],
    key: Annotated[ApiKey, Depends(current_key)],
) -> str:
    """The id of the dispute the path names, by its id or by its reference.

    An id is taken as it is. A reference is looked up in PostgreSQL (after the key: no lookup for a
    caller without one); one that no dispute has stands for itself, so that it is answered as an unknown
    id is (404; 403 for a seller, who must not tell another seller's disputes from missing ones). So that
    a seller cannot tell them apart by the id a refusal would name either, another seller's dispute named
    by its reference is refused here, by that reference. A reference whose check character does not match
    is a 422 naming the path. The access log gets the id.
    """
    try:
        reference = references.parse(dispute_id) if references.candidate(dispute_id) else None
    except references.InvalidReference as error:
        raise invalid(("path", "dispute_id"), str(error)) from None
    if reference is None:
        if not _ID.match(dispute_id):
            raise invalid(("path", "dispute_id"), f"not a dispute id, nor a reference ({references.FORMAT})")
        return dispute_id
    found = await reference_store.dispute_of(resources(request).pool, reference)
    if found is not None and key.role == KeyRole.SELLER:
        if await dispute_reads.seller_of(resources(request).client, found) != key.seller_id:
            raise not_sellers(reference, key.seller_id)
    named = found or reference
    request.scope["path_params"] = request.path_params | {"dispute_id": named}
    return named


DisputeId = Annotated[str, Depends(resolve_dispute_id)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_KEY_HEADER,
        min_length=1,
        max_length=200,
        description=(
            "the same key on a retried request (the same body) makes the action take effect once; "
            "with a different body it is refused (422)"
        ),
    ),
]
