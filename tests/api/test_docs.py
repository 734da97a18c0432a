"""The API docs come whole from the service itself: a machine without internet shows them too.

Only the pages and what they load are fetched, so the app runs without its lifespan (no Temporal, no
PostgreSQL).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser

import httpx
import pytest

from api.app import create_app

BASE = "http://api.test"
# The OpenAPI document, as each page names it: Swagger UI's ``url: '...'``, ReDoc's ``spec-url="..."``.
SPEC_URL = re.compile(r"""\burl:\s*'([^']+)'|\bspec-url="([^"]+)\"""")
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),  # as the platform's mime types name it
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


class Assets(HTMLParser):
    """What a page loads: its scripts' ``src`` and its links' ``href`` (style sheets, icon)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_docs_page_and_all_it_loads_come_from_the_app(http: httpx.AsyncClient, page: str) -> None:
    response = await http.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    elsewhere = [url for url in re.findall(r"https?://[^\s\"'<>)]+", html) if not url.startswith(BASE)]
    assert elsewhere == [], f"{page} loads from other hosts"

    parser = Assets()
    parser.feed(html)
    specs = [first or second for first, second in SPEC_URL.findall(html)]
    assert len(specs) == 1, html
    assert any(url.endswith(".js") for url in parser.urls), html  # the page is a script: without it, blank
    for url in [*parser.urls, *specs]:
        asset = await http.get(url)
        assert asset.status_code == 200, url
        path = httpx.URL(url).path
        expected = next(kinds for suffix, kinds in CONTENT_TYPES.items() if path.endswith(suffix))
        assert asset.headers["content-type"].startswith(expected), (url, asset.headers["content-type"])
        assert asset.content, url
