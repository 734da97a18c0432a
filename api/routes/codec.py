"""The codec endpoint: Temporal UI and the ``temporal`` CLI decode (and encode) payloads through it.

Temporal's codec-server protocol: ``POST /codec/decode`` and ``POST /codec/encode`` take and answer the
protobuf JSON of ``temporal.api.common.v1.Payloads`` (``{"payloads": [{"metadata": {k: base64},
"data": base64}]}``), run through the service's own codec (``infra.codec``, with the API's keys), for the
namespace the ``X-Namespace`` header names, which must be the service's. Operators only: their key in
``X-API-Key`` or as ``Authorization: Bearer <key>`` (what the CLI's ``--codec-auth`` sends), or the
access token Temporal UI forwards, when ``CODEC_JWT_ISSUER`` is set and it names an operator
(``api.codec_tokens``). Browsers may call it from the Temporal UI origins of ``CODEC_UI_ORIGINS`` only
(CORS, on these paths alone). On the local stack, ``CODEC_TRUST_LOCAL_UI`` lets its UI decode without a key.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload, Payloads

from api.auth import KeyRole
from api.codec_tokens import KeysUnavailable, TokenRejected, TokenVerifier
from api.deps import API_KEY_HEADER, ClientDep, resources
from api.errors import forbidden, invalid, unauthorized, unavailable
from infra.payload_keys import PayloadKeyError
from infra.settings import CodecServerSettings

log = logging.getLogger("api")

PREFIX = "/codec"
# A protocol for Temporal UI and the CLI, described in the README, not a route for the API's clients:
# it stays out of the API's OpenAPI schema and its docs.
router = APIRouter(prefix=PREFIX, tags=["codec"], include_in_schema=False)


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def operator(
    request: Request,
    x_namespace: Annotated[str | None, Header(description="the namespace whose payloads these are")] = None,
    authorization: Annotated[
        str | None, Header(description="`Bearer <an operator's API key or access token>`")
    ] = None,
    x_api_key: Annotated[str | None, Header(alias=API_KEY_HEADER)] = None,
) -> None:
    """An operator's key or access token (or, on the local stack only, its own UI); the service's
    namespace."""
    settings: CodecServerSettings = request.app.state.codec
    token = x_api_key or _bearer(authorization)
    if token is None:
        origin = request.headers.get("origin", "").rstrip("/")
        if not (settings.trust_local_ui and origin in settings.origins):
            raise unauthorized(
                "An operator's API key is required: send it in X-API-Key or as `Authorization: Bearer <key>`."
            )
    else:
        key = await resources(request).keys.authenticate(token)
        verifier: TokenVerifier | None = request.app.state.codec_tokens
        if key is None and verifier is not None and not x_api_key:
            await _token_user(request, verifier, token)
        elif key is None:
            raise unauthorized("This API key is not valid (unknown or revoked).")
        elif key.role != KeyRole.OPERATOR:
            raise forbidden(f"Only operator keys may decode payloads; this key's role is {key.role.value}.")
    namespace = resources(request).client.namespace
    if x_namespace != namespace:
        raise forbidden(f"This codec serves namespace {namespace} only (X-Namespace: {x_namespace}).")


async def _token_user(request: Request, verifier: TokenVerifier, token: str) -> None:
    """A bearer that is no API key, as the identity provider's access token: an operator's passes."""
    try:
        user = await verifier.verify(token)
    except KeysUnavailable as error:
        log.warning("codec: the identity provider's keys are unavailable: %s", error)
        raise unavailable("The identity provider's signing keys could not be fetched; try again.") from None
    except TokenRejected as error:
        log.info("codec: a bearer token refused: %s", error)
        raise unauthorized("Neither an API key nor a valid access token of the identity provider.") from None
    if not user.operator:
        log.info("codec: %s refused, not an operator (sub %s)", request.url.path, user.subject)
        raise forbidden(f"{user.name} is not one of the operators who may decode payloads.")
    # Who decoded what kind of data, as the key's use is recorded: the subject, never the token.
    log.info("codec: %s by %s (sub %s)", request.url.path, user.name, user.subject)


Coding = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


async def _apply(request: Request, coding: Coding) -> Response:
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except json_format.ParseError as error:
        raise invalid(("body",), f"expected Payloads as protobuf JSON: {error}") from None
    try:
        result = Payloads(payloads=await coding(payloads.payloads))
    except PayloadKeyError as error:
        raise invalid(("body", "payloads"), str(error)) from None
    return Response(json_format.MessageToJson(result, indent=None), media_type="application/json")


@router.post("/decode", dependencies=[Depends(operator)])
async def decode(request: Request, client: ClientDep) -> Response:
    """Payloads as Temporal stores them, decrypted; those not encrypted come back as they are."""
    codec = client.data_converter.payload_codec
    assert codec is not None  # infra.temporal's data converter always has one
    return await _apply(request, codec.decode)


@router.post("/encode", dependencies=[Depends(operator)])
async def encode(request: Request, client: ClientDep) -> Response:
    """Payloads encrypted as the service stores them (an input typed in Temporal UI or the CLI)."""
    codec = client.data_converter.payload_codec
    assert codec is not None
    return await _apply(request, codec.encode)


class CodecCors:
    """CORS on the codec's paths only, for the Temporal UI origins: the rest of the API answers no
    browser of another origin, as before."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app, allow_origins=list(origins), allow_methods=["POST"], allow_headers=["*"]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and (path == PREFIX or path.startswith(f"{PREFIX}/")):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install(app: FastAPI, settings: CodecServerSettings) -> None:
    """The codec's routes, and CORS for them."""
    app.state.codec = settings
    app.state.codec_tokens = TokenVerifier.from_settings(settings)
    app.add_middleware(CodecCors, origins=settings.origins)
    app.include_router(router)
