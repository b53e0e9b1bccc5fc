"""The API docs page in Chromium under a strict Content-Security-Policy, served from this site.

Issue 7 adds the policy to every response; until then the test adds it on the way in. What the
page needs from it: script-src 'self', style-src 'self', img-src 'self' data: (Swagger UI draws
its icons as data: SVGs in its stylesheet), connect-src 'self' (it fetches /api/schema/).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Route, expect

pytestmark = pytest.mark.browser

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def test_api_docs_show_every_operation_under_a_strict_policy(daphne_url, browser: Browser):
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.on("requestfailed", lambda request: problems.append(request.url))

    def off_site(request) -> None:
        if not request.url.startswith(("data:", daphne_url)):
            problems.append(f"off-site: {request.url}")

    page.on("request", off_site)

    def with_policy(route: Route) -> None:
        response = route.fetch()
        route.fulfill(
            response=response,
            headers={**response.headers, "content-security-policy": POLICY},
        )

    page.route(f"{daphne_url}/**", with_policy)
    page.goto(f"{daphne_url}/api/docs/")

    expect(page.get_by_role("heading", name="Townhall API")).to_be_visible()
    questions = page.locator(
        ".opblock-summary-path", has_text="/api/sessions/{session_id}/questions/"
    )
    expect(questions).to_have_count(2)
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert problems == []
