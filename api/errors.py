"""Errors as HTTP answers: each a status and a ``detail`` a person can act on.

401 no or bad key · 403 not for this key · 404 no such dispute or seller · 409 refused by the dispute (the
workflow's reason) or by the seller's account, or the same intake reference with another body · 422 bad
input: each error's ``loc`` (the field), ``msg`` and ``type``, never the value sent · 503 Temporal or
PostgreSQL not answering, or no worker picking up the action.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from api.text import printable
from workflows.rules import REFUSED

log = logging.getLogger("api")

RETRY_AFTER = {"Retry-After": "5"}


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "X-API-Key"})


def forbidden(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail)


def not_found(dispute_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No dispute {dispute_id}.")


def seller_not_found(seller_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No seller {seller_id} on record: no dispute names it.")


def not_this_seller(seller_id: str, own: str | None) -> HTTPException:
    """The same answer whether the account is another seller's or does not exist."""
    return forbidden(f"A seller key may read its own account only ({own}), not seller {seller_id}'s.")


def not_sellers(dispute_id: str, seller_id: str | None) -> HTTPException:
    """The same answer whether the dispute is another seller's or does not exist."""
    return forbidden(f"Dispute {dispute_id} is not one of seller {seller_id}'s disputes.")


def invalid(loc: tuple[str, ...], message: str) -> RequestValidationError:
    """A 422 for one input, as FastAPI's own: ``loc`` such as ``("body", "first_contact_at")``."""
    return RequestValidationError([{"loc": loc, "msg": message, "type": "value_error"}])


def conflict(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail)


def unavailable(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers=RETRY_AFTER)


def refusal(error: WorkflowUpdateFailedError) -> HTTPException:
    """A 409 with the workflow's reason, if the dispute refused the action; else re-raise."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == REFUSED:
        return conflict(cause.message)
    raise error


def public_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """What a 422 tells of one error: where (``loc``), what is wrong (``msg``) and its ``type``.

    Not the ``input`` pydantic keeps (the request body itself, with the customer's contact details and
    words), nor its ``ctx`` (which can hold it too). The messages of the types the API's inputs use
    describe the expectation, not the value (an e-mail address's is replaced, in ``api.contact``). Every
    string is made printable, so that the answer renders whatever the request held: a lone surrogate in
    the name of an unknown field must not turn a 422 into a 500.
    """
    loc = [part if isinstance(part, int) else printable(str(part)) for part in error.get("loc", ())]
    return {
        "loc": loc,
        "msg": printable(str(error.get("msg", ""))),
        "type": printable(str(error.get("type", ""))),
    }


async def _invalid_request(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": [public_error(item) for item in error.errors()]}, 422)


async def _temporal_down(request: Request, error: Exception) -> JSONResponse:
    log.warning("%s %s: Temporal: %s", request.method, request.url.path, error)
    return JSONResponse({"detail": "Temporal is not answering; try again shortly."}, 503, RETRY_AFTER)


async def _postgres_down(request: Request, error: Exception) -> JSONResponse:
    log.warning("%s %s: PostgreSQL: %s", request.method, request.url.path, type(error).__name__)
    return JSONResponse({"detail": "PostgreSQL is not answering; try again shortly."}, 503, RETRY_AFTER)


def install(app: FastAPI) -> None:
    """422s that never repeat the request; 503 rather than 500 when a server the API needs is down."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(RPCError, _temporal_down)
    for error in (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, ConnectionError):
        app.add_exception_handler(error, _postgres_down)
