"""The customer's page over HTTP (its look and its forms in a real browser: tests/e2e/browser/): what it
refuses, and that a refusal changes nothing. An unknown, malformed, revoked or expired link is the same
404 page; a form from elsewhere is refused; text that cannot be stored is named, not repeated; operators
revoke links; and the page shows nothing of the customer's contact details."""

from __future__ import annotations

import html
import re
import uuid
from urllib.parse import quote

import asyncpg
import httpx
import pytest

from activities.customer_links import CustomerLinks
from api.customer_texts import TEXTS
from tests.e2e.api.conftest import LINKS, Keys
from tests.e2e.api.helpers import Json, act, auth, eventually, get, open_dispute
from workflows.models import Language

CONTACT = ("Amina", "El Idrissi", "amina@example.ma", "539420142")  # helpers.intake_body's customer


async def page_path(pg_pool: asyncpg.Pool, dispute_id: str) -> str:
    """The page's path from the link the acknowledgement would carry."""
    url = await CustomerLinks(pg_pool, LINKS).url(dispute_id)
    assert url is not None
    return url.removeprefix(LINKS.public_base_url)


def form_of(page: str) -> dict[str, str]:
    """The hidden fields of the page's forms (the same in each)."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


async def opened(http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool) -> tuple[Json, str]:
    dispute = await open_dispute(http, keys)
    return dispute, await page_path(pg_pool, dispute["dispute_id"])


async def revision(http: httpx.AsyncClient, keys: Keys, dispute_id: str) -> tuple[int, str]:
    view = await get(http, keys.operator, dispute_id)
    return view["revision"], view["status"]


async def test_the_page_shows_the_dispute_and_nothing_of_the_customers_contact(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    dispute, path = await opened(http, keys, pg_pool)
    page = await http.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert dispute["reference"] in page.text and '<html lang="fr" dir="ltr">' in page.text
    for detail in CONTACT:
        assert detail not in page.text
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    arabic = await http.get(path, params={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    unknown = await http.get(path, params={"lang": "xx"})  # a language it does not speak: the dispute's
    assert unknown.status_code == 200 and '<html lang="fr"' in unknown.text


async def test_unknown_malformed_revoked_and_expired_links_are_one_and_the_same_404(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    revoked, revoked_path = await opened(http, keys, pg_pool)
    expired, expired_path = await opened(http, keys, pg_pool)
    assert (await http.get(revoked_path)).status_code == 200
    gone = await http.delete(f"/disputes/{revoked['reference']}/customer-link", headers=auth(keys.operator))
    assert gone.status_code == 204
    await pg_pool.execute(
        "UPDATE customer_links SET expires_at = now() - interval '1 second' WHERE dispute_id = $1",
        expired["dispute_id"],
    )
    paths = [revoked_path, expired_path, f"/c/{'A' * 43}", "/c/short", "/c/" + quote("x\x00y")]
    answers = [await http.get(path) for path in paths]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.text for answer in answers}) == 1  # nothing tells them apart
    assert "Page introuvable" in answers[0].text and "Page not found" in answers[0].text
    form = await http.post(f"{revoked_path}/withdraw", data={"reason": "x"})
    assert form.status_code == 404 and form.text == answers[0].text


async def test_a_form_not_from_the_page_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    dispute, path = await opened(http, keys, pg_pool)
    other, other_path = await opened(http, keys, pg_pool)
    before = await revision(http, keys, dispute["dispute_id"])
    mine, theirs = form_of((await http.get(path)).text), form_of((await http.get(other_path)).text)
    reason = {"reason": "Forged."}

    attempts = {
        "no form token": await http.post(f"{path}/withdraw", data=reason),
        "another link's": await http.post(f"{path}/withdraw", data=reason | {"csrf": theirs["csrf"]}),
        "from another site": await http.post(
            f"{path}/withdraw", data=reason | mine, headers={"Sec-Fetch-Site": "cross-site"}
        ),
        "not a form": await http.post(f"{path}/withdraw", json=reason | mine),
    }
    for name, answer in attempts.items():
        assert answer.status_code == 403, (name, answer.status_code)
        assert TEXTS[Language.FR]["form_refused"] in html.unescape(answer.text), name
    assert await revision(http, keys, dispute["dispute_id"]) == before
    assert (await revision(http, keys, other["dispute_id"]))[1] == "open"


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("x\x00y", "caractère de contrôle"),
        ("x\x1by", "caractère de contrôle"),
        ("   ", "obligatoire"),
        ("x" * 2001, "2000 caractères au plus"),
    ],
)
async def test_text_that_cannot_be_taken_is_named_on_the_page_not_repeated(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool, bad: str, says: str
) -> None:
    dispute, path = await opened(http, keys, pg_pool)
    before = await revision(http, keys, dispute["dispute_id"])
    form = form_of((await http.get(path)).text)
    marked = bad.replace("x", "Zq7")

    answer = await http.post(f"{path}/withdraw", data=form | {"reason": marked})

    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "Pourquoi ?" in answer.text and says in answer.text
    assert "Zq7" not in answer.text  # never what was sent
    assert await revision(http, keys, dispute["dispute_id"]) == before


async def test_bytes_that_are_not_utf8_are_refused_too(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    dispute, path = await opened(http, keys, pg_pool)
    before = await revision(http, keys, dispute["dispute_id"])
    form = form_of((await http.get(path)).text)
    body = "&".join(f"{name}={value}" for name, value in form.items()) + "&reason=x%ffy"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    answer = await http.post(f"{path}/withdraw", content=body, headers=headers)

    assert answer.status_code == 422 and "caractère de contrôle" in answer.text
    assert await revision(http, keys, dispute["dispute_id"]) == before


async def test_a_line_break_as_forms_send_it_is_a_newline(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    dispute, path = await opened(http, keys, pg_pool)
    form = form_of((await http.get(path)).text)

    answer = await http.post(f"{path}/withdraw", data=form | {"reason": "Arrived.\r\nThanks."})

    assert answer.status_code == 303 and answer.headers["Location"] == f"{path}?lang=fr&done=withdrawn"
    view = await get(http, keys.operator, dispute["dispute_id"])
    withdrawn = view["history"][-1]
    assert (view["status"], withdrawn["data"]["reason"]) == ("withdrawn", "Arrived.\nThanks.")
    assert withdrawn["actor"] == {"role": "customer", "id": "C-20931", "tier": None, "seller_id": None}
    # The same form again (a double click): the same request, answered, not refused.
    again = await http.post(f"{path}/withdraw", data=form | {"reason": "Arrived.\r\nThanks."})
    assert again.status_code == 303
    another = form | {"request": uuid.uuid4().hex, "reason": "Twice."}
    refused = await http.post(f"{path}/withdraw", data=another)
    assert refused.status_code == 409 and "Ce litige est clos" in refused.text


async def test_a_form_too_large_and_a_bad_address_are_pages_too(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    _, path = await opened(http, keys, pg_pool)
    form = form_of((await http.get(path)).text)
    huge = await http.post(f"{path}/information", data=form | {"answer": "x" * 300_000})
    assert huge.status_code == 413 and huge.headers["content-type"].startswith("text/html")
    bad = await http.get(f"{path}?lang=" + quote("fr\x1b"))
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")


async def test_only_operators_revoke_a_link_and_only_of_a_dispute_that_exists(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    dispute, path = await opened(http, keys, pg_pool)
    where = f"/disputes/{dispute['dispute_id']}/customer-link"
    for key in (keys.intake, keys.agent3, keys.seller):
        assert (await http.delete(where, headers=auth(key))).status_code == 403
    assert (await http.get(path)).status_code == 200
    assert (await http.delete(where, headers=auth(keys.operator))).status_code == 204
    assert (await http.delete(where, headers=auth(keys.operator))).status_code == 204  # again: nothing to do
    assert (await http.get(path)).status_code == 404
    unknown = await http.delete(f"/disputes/{uuid.uuid4().hex}/customer-link", headers=auth(keys.operator))
    assert unknown.status_code == 404


async def test_an_answer_goes_through_the_workflow_as_the_customers(
    http: httpx.AsyncClient, keys: Keys, pg_pool: asyncpg.Pool
) -> None:
    dispute, path = await opened(http, keys, pg_pool)
    dispute_id = dispute["dispute_id"]
    not_asked = form_of((await http.get(path)).text)
    early = await http.post(f"{path}/information", data=not_asked | {"answer": "Too early."})
    assert early.status_code == 409 and "aucune question" in early.text
    questions = {"questions": ["Was the box damaged?"]}
    assert (await act(http, keys.agent2, dispute_id, "information-requests", questions)).status_code == 200

    page = await http.get(path)
    assert "Was the box damaged?" in page.text and 'id="answer-form"' in page.text
    answered = await http.post(f"{path}/information", data=form_of(page.text) | {"answer": "Yes, crushed."})

    assert answered.status_code == 303
    after = await http.get(answered.headers["Location"])
    assert "Merci : votre réponse a été transmise" in after.text and 'data-status="open"' in after.text

    async def recorded() -> bool:
        return (await revision(http, keys, dispute_id))[1] == "open"

    await eventually(recorded)
