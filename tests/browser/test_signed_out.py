"""Signing out in another tab ends the login's socket too: the session page says so, keeps what
was being typed, and brings it back after signing in again."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import SessionFactory, UserFactory

from .pages import PASSWORD, log_in, open_live

pytestmark = pytest.mark.browser


def test_signing_out_elsewhere_asks_to_sign_in_again_and_keeps_the_draft(
    daphne_url: str, browser: Browser
):
    session = SessionFactory()
    UserFactory(username="anna", first_name="Anna Jensen")
    page = log_in(browser, daphne_url, "anna")
    open_live(page, f"{daphne_url}/sessions/{session.pk}/")
    page.get_by_label("Your question").fill("Hvornår åbner svømmehallen igen?")

    other_tab = page.context.new_page()
    other_tab.goto(f"{daphne_url}/")
    other_tab.get_by_role("button", name="Log out").click()
    expect(other_tab.get_by_role("link", name="Log in")).to_be_visible()

    notice = page.locator('[data-field="notice"]')
    expect(notice).to_contain_text("You have signed out. What you typed is kept")
    # The feed goes on, for anyone.
    expect(page.locator("#session")).to_have_attribute("data-connected", "true")
    notice.get_by_role("link", name="Sign in again").click()
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{daphne_url}/sessions/{session.pk}/")
    expect(page.get_by_label("Your question")).to_have_value("Hvornår åbner svømmehallen igen?")
