"""What a person does in the browser, in a few words each."""

from __future__ import annotations

import json
import urllib.request

from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from sessions import selectors
from tests.factories import api_token
from tests.two_factor import app_code, enrolled_app

PASSWORD = "demo-password-123"


def log_in(browser: Browser, base_url: str, username: str, **context_options) -> Page:
    """Password, then, for staff and moderators, the code of their (enrolled) authenticator app.
    `context_options` go to the browser context (a viewport, forced colours, ...)."""
    user = get_user_model().objects.get(username=username)
    app = enrolled_app(user) if selectors.second_factor_required(user) else None
    page = browser.new_context(locale="en-GB", **context_options).new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    if app is not None:
        expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
        page.get_by_label("Code").fill(app_code(app))
        page.locator("main").get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Two-factor sign-in")).to_have_count(0)
    expect(page.get_by_text("Signed in as")).to_be_visible()
    return page


def visit(browser: Browser, locale: str = "en-GB") -> Page:
    return browser.new_context(locale=locale).new_page()


def open_live(page: Page, url: str) -> None:
    """Open a session page and wait until its socket is connected."""
    page.goto(url)
    expect(page.locator("#session")).to_have_attribute("data-connected", "true")
    page.evaluate("window.loadedOnce = true")


def never_reloaded(page: Page) -> bool:
    return page.evaluate("window.loadedOnce === true")


def call_api(base_url: str, method: str, path: str, user, payload: dict | None = None) -> dict:
    """What another person does through the running server's API (so that its socket hears of it
    at once), signed in with a token."""
    token = api_token(user)
    request = urllib.request.Request(
        f"{base_url}{path}",
        data=None if payload is None else json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())
