"""The customer's own page of their dispute, ``GET /c/{token}``, and its forms: answer the team's questions,
obtain the seller's contact details, withdraw.

The token names one dispute and nothing else: every request finds its dispute by the token's hash
(``api.customer_link_store``), an unknown, revoked or expired one is the same 404 page, and no form field
names a dispute. Each action is the same workflow update the API sends (``api.updates.execute``), by the
customer (``Role.CUSTOMER`` with their id), so the workflow decides as it does for an intake client and
its refusal is shown on the page. Forms carry the link's form token (cross-site request forgery), and a
form accepted redirects to the page (POST-redirect-GET). Text is checked at the door as everywhere
(``api.text``): refused, the page says which field and why, without repeating it.

HTML, not JSON: these routes answer pages whatever happens (``PageRoute``), and are not in the API's docs.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from temporalio.service import RPCError

from api import customer_html, customer_link_store, customer_page, errors, text, updates, views
from api.customer_texts import TEXTS
from api.deps import resources
from api.schemas import InformationBody, WithdrawBody
from api.text import TextModel
from infra.customer_links import PATH, form_token, form_token_valid
from workflows.actions import ProvideInformationAction, RequestSellerContactAction, WithdrawAction
from workflows.dispute import DisputeWorkflow
from workflows.models import Language
from workflows.rules import Action

log = logging.getLogger("api")

FORM_TYPE = "application/x-www-form-urlencoded"
# An answer is at most 10 000 characters; in Arabic, percent-encoded, that is up to 60 kB.
MAX_FORM_BYTES = 256 * 1024
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


class PageRoute(APIRoute):
    """A route whose failures are pages too: a parameter refused at the door (``api.deps.plain_text``),
    PostgreSQL or Temporal not answering. Logged by the route's template, never its path (the token)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        template = self.path

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as refused:
                # A token with characters no token has names no dispute; anything else, the address is bad.
                if any(error.get("loc", ("",))[0] == "path" for error in refused.errors()):
                    return customer_html.message("not_found", None, 404)
                return customer_html.message("bad_address", None, 422)
            except RPCError as error:
                log.warning("%s %s: Temporal: %s", request.method, template, error.status)
                return _unavailable(request)
            except Exception as error:
                if not errors.postgres_unavailable(error):
                    raise
                log.warning("%s %s: PostgreSQL: %s", request.method, template, type(error).__name__)
                return _unavailable(request)

        return guarded


router = APIRouter(prefix=PATH, route_class=PageRoute, include_in_schema=False, tags=["customer page"])


@dataclass(frozen=True)
class _Form:
    """What one of the page's forms sends, and the action it becomes."""

    update: Any
    action: type[ProvideInformationAction | RequestSellerContactAction | WithdrawAction]
    body: type[TextModel] | None = None  # its text field, checked as the API's body checks it
    field: str = ""
    label: str = ""  # the field's name on the page (a key of ``api.customer_texts``)


_FORMS = {
    Action.PROVIDE_INFORMATION: _Form(
        DisputeWorkflow.provide_information,
        ProvideInformationAction,
        InformationBody,
        "answer",
        "answer_label",
    ),
    Action.REQUEST_SELLER_CONTACT: _Form(DisputeWorkflow.request_seller_contact, RequestSellerContactAction),
    Action.WITHDRAW: _Form(DisputeWorkflow.withdraw, WithdrawAction, WithdrawBody, "reason", "reason_label"),
}


@router.get("/{token}", summary="The customer's page of their dispute")
async def show(token: str, request: Request) -> Response:
    dispute_id = await _dispute_of(request, token)
    if dispute_id is None:
        return customer_html.message("not_found", None, 404)
    found = await views.state_only(resources(request).client, resources(request).pool, dispute_id)
    if found is None:  # its workflow not answering and not yet in the read model
        return _unavailable(request)
    language = _language(request.query_params.get("lang")) or found.state.language
    done = request.query_params.get("done")
    banner = TEXTS[language][f"done_{done}"] if done in customer_page.DONE.values() else None
    return _render(request, token, found, language, banner=banner)


@router.post("/{token}/information", summary="The customer answers the team's questions")
async def answer(token: str, request: Request) -> Response:
    return await _act(request, token, Action.PROVIDE_INFORMATION)


@router.post("/{token}/seller-contact", summary="The customer obtains the seller's contact details")
async def seller_contact(token: str, request: Request) -> Response:
    return await _act(request, token, Action.REQUEST_SELLER_CONTACT)


@router.post("/{token}/withdraw", summary="The customer withdraws the dispute")
async def withdraw(token: str, request: Request) -> Response:
    return await _act(request, token, Action.WITHDRAW)


async def _act(request: Request, token: str, action: Action) -> Response:
    """Check the form, send its action as the customer, and redirect to the page; or show why not."""
    res = resources(request)
    dispute_id = await _dispute_of(request, token)
    if dispute_id is None:
        return customer_html.message("not_found", None, 404)
    form = await _read_form(request)
    if form is None:
        return customer_html.message("too_large", None, 413, back_path=_page_path(request, token))
    language = _language(form.get("lang"))
    if not _same_site(request) or not form_token_valid(res.links.secret, token, form.get("csrf", "")):
        return customer_html.message("form_refused", language, 403, back_path=_page_path(request, token))
    found = await views.state_only(res.client, res.pool, dispute_id)
    if found is None:
        return _unavailable(request)
    language = language or found.state.language
    spec = _FORMS[action]
    fields, problem = _fields(spec, form, language)
    if problem is not None:
        return _render(request, token, found, language, error=problem, status_code=422)
    act = spec.action.model_validate({"actor": customer_page.customer(found.state), **fields})
    request_id = _request_id(dispute_id, action, form.get("request", ""))
    try:
        await updates.execute(res.client, res.pool, dispute_id, spec.update, act, request_id)
    except HTTPException as refused:
        if refused.status_code == 409:
            found = await views.state_only(res.client, res.pool, dispute_id) or found
            why = customer_page.refused(action, found.state, language)
            return _render(request, token, found, language, error=why, status_code=409)
        if refused.status_code == 404:
            return customer_html.message("not_found", None, 404)
        back = _page_path(request, token)
        return customer_html.message("busy", language, 503, back_path=back, headers=errors.RETRY_AFTER)
    done = customer_page.DONE[action]
    where = f"{_page_path(request, token)}?lang={language.value}&done={done}"
    return RedirectResponse(where, status_code=303, headers=customer_html.HEADERS)


async def _dispute_of(request: Request, token: str) -> str | None:
    """The dispute ``token``'s link in force names; its id goes to the access log (never the token)."""
    res = resources(request)
    if not res.links.enabled:
        return None
    dispute_id = await customer_link_store.dispute_of(res.pool, token)
    if dispute_id is not None:
        request.scope["path_params"] = request.path_params | {"dispute_id": dispute_id}
    return dispute_id


def _render(
    request: Request,
    token: str,
    found: views.Found,
    language: Language,
    *,
    banner: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    view = customer_page.page(found.state, language, stale_as_of=found.as_of if found.stale else None)
    return customer_html.page(
        view,
        page_path=_page_path(request, token),
        form_token=form_token(resources(request).links.secret, token),
        banner=banner,
        error=error,
        status_code=status_code,
    )


def _unavailable(request: Request) -> Response:
    language = _language(request.query_params.get("lang"))
    return customer_html.message("unavailable", language, 503, headers=errors.RETRY_AFTER)


def _page_path(request: Request, token: str) -> str:
    return f"{request.scope.get('root_path', '')}{PATH}/{token}"


def _language(value: str | None) -> Language | None:
    return next((language for language in Language if language.value == value), None)


def _same_site(request: Request) -> bool:
    """False for a request the browser says another site made (``Sec-Fetch-Site``); older browsers send
    no such header, and rely on the form token alone."""
    return request.headers.get("sec-fetch-site", "").lower() != "cross-site"


async def _read_form(request: Request) -> dict[str, str] | None:
    """The form's fields (the first of each name), as sent: bytes that are not UTF-8 become lone
    surrogates, which the text checks refuse. Not a form: no fields. Too large: None."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        return {}
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    fields: dict[str, str] = {}
    sent = body.decode("utf-8", "surrogateescape")
    for name, value in parse_qsl(sent, keep_blank_values=True, encoding="utf-8", errors="surrogateescape"):
        fields.setdefault(name, value)
    return fields


def _fields(spec: _Form, form: dict[str, str], language: Language) -> tuple[dict[str, Any], str | None]:
    """The action's fields from the form, checked as the API's body is; or what is wrong, said for the page.

    A browser sends a line break in a text area as CR LF: that is the form's way of writing a newline, not
    a carriage return the customer typed, so it is read as one newline before the checks.
    """
    if spec.body is None:
        return {}, None
    value = form.get(spec.field, "").replace("\r\n", "\n")
    try:
        body = spec.body.model_validate({spec.field: value})
    except ValidationError as invalid:
        label = TEXTS[language][spec.label]
        return {}, _explain(invalid.errors(include_input=False)[0], label, language)
    return body.model_dump(), None


def _explain(error: ErrorDetails, field: str, language: Language) -> str:
    """A refused field as the page says it: which, and what is wrong; never what was sent."""
    t = TEXTS[language]
    kind = error["type"]
    if kind == text.ERROR_TYPE:
        return t["error_character"].format(field=field)
    if kind in ("missing", "string_too_short"):
        return t["error_required"].format(field=field)
    if kind == "string_too_long":
        return t["error_too_long"].format(field=field, max=(error.get("ctx") or {}).get("max_length", ""))
    return t["error_invalid"].format(field=field)


def _request_id(dispute_id: str, action: Action, sent: str) -> str:
    """The update's id: the page gives each rendering of a form its own, so a form sent twice (a double
    click, a reload that posts again) is one request, answered the second time rather than refused."""
    nonce = sent if _REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    digest = hashlib.sha256(f"{dispute_id}\n{action.value}\n{nonce}".encode()).hexdigest()
    return f"customer-{action.value}-{digest[:32]}"
