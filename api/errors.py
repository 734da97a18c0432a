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
from workflows.options import ACTION_REFUSED

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
    if isinstance(cause, ApplicationError) and cause.type == ACTION_REFUSED:
        return conflict(cause.message)
    raise error


def public_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """What a 422 tells of one error: where (``loc``), what is wrong (``msg``) and its ``type``.

    Not the ``input`` pydantic keeps (the request body itself, with the customer's contact details and
    words), nor its ``ctx`` (which can hold it too). The messages of the types the API's inputs use
    describe the expectation, not the value (an e-mail address's is replaced, in ``api.contact``). Every
    string is made printable, so that the answer renders whatever the request held: a lone surrogate or a
    control character in what it names (a field's name as sent) must not turn a 422 into a 500.
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


# What PostgreSQL answers when it cannot serve anyone now: connection failures (08xxx, and the driver's
# lost connection), operator intervention (57xxx: shutting down, starting up, a cancelled query) and
# exhausted resources (53xxx: too many connections, out of memory or disk); and a transaction it rolled
# back because two requests collided (40xxx: a deadlock, a serialization failure), which the same
# request sent again gets through. Not a query's own error (a constraint, a type): that is a bug, and
# stays a 500.
_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
)


def postgres_unavailable(error: BaseException) -> bool:
    """Whether ``error`` means PostgreSQL cannot be reached or cannot serve now (a 503, not a 500).

    The driver raises whatever the socket raises: ``FileNotFoundError`` for a unix socket that is gone,
    ``ConnectionRefusedError``, ``socket.gaierror``, ``TimeoutError`` (connecting, or waiting for a pooled
    connection)... An ``OSError`` counts when it was raised inside the driver, which its traceback shows;
    one from elsewhere is not PostgreSQL's.
    """
    if isinstance(error, _UNAVAILABLE):
        return True
    if isinstance(error, asyncpg.InterfaceError):  # the pool closing under a request (shutdown)
        return str(error).startswith(("pool is closing", "pool is closed"))
    return isinstance(error, OSError) and _raised_in_driver(error)


def _raised_in_driver(error: BaseException) -> bool:
    trace = error.__traceback__
    while trace is not None:
        module = str(trace.tb_frame.f_globals.get("__name__", ""))
        if module == "asyncpg" or module.startswith("asyncpg."):
            return True
        trace = trace.tb_next
    return False


async def _postgres_down(request: Request, error: Exception) -> JSONResponse:
    if not postgres_unavailable(error):
        raise error  # a bug: the 500 it is
    log.warning("%s %s: PostgreSQL: %s", request.method, request.url.path, type(error).__name__)
    return JSONResponse({"detail": "PostgreSQL is not answering; try again shortly."}, 503, RETRY_AFTER)


def install(app: FastAPI) -> None:
    """422s that never repeat the request; 503 rather than 500 when a server the API needs is down."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(RPCError, _temporal_down)
    # Every route: whichever of these a request's PostgreSQL call raises, _postgres_down decides.
    for error in (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        app.add_exception_handler(error, _postgres_down)
