"""A customer on a small phone, without JavaScript, follows the link of their acknowledgement: reads where
the dispute stands, switches to Arabic, answers the team's questions, obtains the seller's contact
details, withdraws; a form forged on another site, a revoked link and another dispute's link get nowhere.
"""

from __future__ import annotations

from datetime import datetime

from playwright.async_api import BrowserContext, Page, Route, expect

from activities.templating import format_local
from api.customer_texts import TEXTS
from tests.e2e.api.helpers import auth, eventually
from tests.e2e.browser.conftest import PHONE, Service
from tests.e2e.conftest import ROOT
from workflows.models import Language

FR, AR = TEXTS[Language.FR], TEXTS[Language.AR]
# Screenshots of the page in each language, kept for people to look at (CI collects the folder).
SCREENSHOTS = ROOT / "test-artifacts" / "customer-page"


async def screenshot(page: Page, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{language}.png"
    await page.screenshot(path=path, full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def fits_the_phone(page: Page) -> None:
    """Nothing wider than the screen: every section and button within it."""
    for element in await page.locator("section, button, textarea").all():
        box = await element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5


async def test_the_link_in_the_acknowledgement_shows_the_dispute_in_french_then_in_arabic(
    service: Service, browser: BrowserContext
) -> None:
    dispute, email = await service.open_dispute("fr")
    link = await service.link_in_acknowledgement(email)
    page = await browser.new_page()

    response = await page.goto(link)

    assert response is not None and response.status == 200
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.locator("html")).to_have_attribute("dir", "ltr")
    await expect(page.locator("#reference")).to_have_text(dispute["reference"])
    await expect(page.locator("#status")).to_have_text(FR["status_open"])
    await expect(page.locator("#team")).to_have_text("le service client")
    # What comes next, in Casablanca time: the seller's deadline (seconds away here), or once that is past,
    # the resolution team's (24 h); and the 5-day commitment.
    deadlines = {d["kind"]: datetime.fromisoformat(d["due_at"]) for d in dispute["deadlines"]}
    due = {kind: format_local(at, Language.FR) for kind, at in deadlines.items()}
    first = await page.locator("#next p").first.inner_text()
    assert first in (
        FR["next_seller_failure"].format(date=due["seller_failure"]),
        FR["next_resolution_team"].format(date=due["resolution_team"]),
    )
    await expect(page.locator("#next p").last).to_have_text(
        f"Nous nous engageons à régler votre litige au plus tard le {due['resolution']}."
    )
    body = await page.locator("body").inner_text()
    assert "Amina" not in body and email not in body  # nothing of the customer's contact details
    await fits_the_phone(page)
    await screenshot(page, "fr")

    await page.get_by_role("link", name="العربية").click()

    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await expect(page.locator("#status")).to_have_text(AR["status_open"])
    await expect(page.locator("#reference")).to_have_text(dispute["reference"])
    await fits_the_phone(page)
    await screenshot(page, "ar")

    await page.get_by_role("link", name="English").click()

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await fits_the_phone(page)
    await screenshot(page, "en")
    await page.close()


async def test_answering_the_teams_questions_puts_the_dispute_back_to_open(
    service: Service, browser: BrowserContext
) -> None:
    dispute, email = await service.open_dispute("fr")
    link = await service.link_in_acknowledgement(email)
    questions = {"questions": ["Le carton était-il abîmé ?", "Quel transporteur a livré ?"]}
    where = f"/disputes/{dispute['dispute_id']}/information-requests"
    asked = await service.http.post(where, json=questions, headers=auth(service.agent2))
    assert asked.status_code == 200, asked.text
    page = await browser.new_page()
    await page.goto(link)
    await expect(page.locator("#status")).to_have_text(FR["status_awaiting_customer"])
    await expect(page.locator("#questions li")).to_have_text(questions["questions"])

    await page.get_by_label(FR["answer_label"]).fill("Oui, écrasé.\nLivré par Amana.")
    await page.get_by_role("button", name=FR["answer_button"]).click()

    await expect(page.locator("#done")).to_have_text(FR["done_answered"])
    await expect(page.locator("#status")).to_have_text(FR["status_open"])
    await expect(page.locator("#answer-form")).to_have_count(0)
    view = await service.dispute(dispute["dispute_id"])
    provided = view["history"][-1]
    assert (view["status"], provided["kind"]) == ("open", "information_provided")
    assert provided["data"]["answer"] == "Oui, écrasé.\nLivré par Amana."
    assert provided["actor"]["role"] == "customer" and provided["actor"]["id"] == "C-20931"
    await page.close()


async def test_the_sellers_contact_once_allowed_then_withdrawing_and_a_stale_page_told_why_not(
    service: Service, browser: BrowserContext
) -> None:
    dispute, email = await service.open_dispute("fr")
    link = await service.link_in_acknowledgement(email)
    page = await browser.new_page()
    await page.goto(link)
    await expect(page.locator("#seller-contact")).to_contain_text("Si le vendeur ne répond pas d'ici le")
    await expect(page.locator("#contact-form")).to_have_count(0)

    async def seller_windows_over() -> bool:  # two seller windows of 2 s (tests/e2e/browser/conftest.py)
        view = await service.dispute(dispute["dispute_id"])
        return view["seller_efforts"] in ("failed", "unreachable")  # no notice reached this seller

    await eventually(seller_windows_over)
    await page.reload()
    await page.get_by_role("button", name=FR["contact_button"]).click()
    await expect(page.locator("#done")).to_have_text(FR["done_contact"])
    await expect(page.locator("#seller-contact")).to_contain_text(FR["contact_released"])
    assert (await service.dispute(dispute["dispute_id"]))["seller_contact_released"]

    stale = await browser.new_page()  # the same page, open in another tab
    await stale.goto(link)
    await page.get_by_label(FR["reason_label"]).fill("Le colis est finalement arrivé.")
    await page.get_by_role("button", name=FR["withdraw_button"]).click()
    await expect(page.locator("#done")).to_have_text(FR["done_withdrawn"])
    await expect(page.locator("#status")).to_have_text(FR["status_withdrawn"])
    await expect(page.locator("form")).to_have_count(0)  # nothing left to do
    view = await service.dispute(dispute["dispute_id"])
    assert (view["status"], view["history"][-1]["data"]["reason"]) == (
        "withdrawn",
        "Le colis est finalement arrivé.",
    )

    await stale.get_by_label(FR["reason_label"]).fill("Encore.")
    async with stale.expect_response(f"{link}/withdraw") as answer:
        await stale.get_by_role("button", name=FR["withdraw_button"]).click()
    assert (await answer.value).status == 409
    await expect(stale.locator("#error")).to_have_text(FR["refused_closed"])
    await expect(stale.locator("#status")).to_have_text(FR["status_withdrawn"])
    await page.close()
    await stale.close()


async def test_a_form_forged_on_another_site_is_refused(service: Service, browser: BrowserContext) -> None:
    dispute, email = await service.open_dispute("fr")
    link = await service.link_in_acknowledgement(email)
    page = await browser.new_page()
    # A page of another site, with a form aimed at the customer's page but without its form token.
    forged = (
        f'<html><body><form method="post" action="{link}/withdraw">'
        '<input type="hidden" name="reason" value="Forged."><button>Win a prize</button></form></body></html>'
    )

    async def attacker(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=forged)

    await page.route("http://attacker.example/**", attacker)
    await page.goto("http://attacker.example/prize")

    async with page.expect_response(f"{link}/withdraw") as answer:
        await page.get_by_role("button", name="Win a prize").click()

    assert (await answer.value).status == 403
    await expect(page.locator("body")).to_contain_text(FR["request_title"])
    assert (await service.dispute(dispute["dispute_id"]))["status"] == "open"
    await page.close()


async def test_a_revoked_link_is_a_404_and_no_link_reaches_another_dispute(
    service: Service, browser: BrowserContext
) -> None:
    mine, my_email = await service.open_dispute("fr")
    other, other_email = await service.open_dispute("en")
    my_link = await service.link_in_acknowledgement(my_email)
    other_link = await service.link_in_acknowledgement(other_email)
    page = await browser.new_page()

    await page.goto(other_link)  # the other dispute's link shows the other dispute, and only it
    await expect(page.locator("#reference")).to_have_text(other["reference"])
    assert mine["reference"] not in await page.content()

    revoked = await service.http.delete(
        f"/disputes/{mine['dispute_id']}/customer-link", headers=auth(service.operator)
    )
    assert revoked.status_code == 204
    response = await page.goto(my_link)

    assert response is not None and response.status == 404
    await expect(page.locator("h1").first).to_have_text(FR["not_found_title"])
    assert mine["reference"] not in await page.content()
    response = await page.goto(other_link)  # the other one still works
    assert response is not None and response.status == 200
    await page.close()
