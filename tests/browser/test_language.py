"""Danish and English: a Danish browser gets Danish, and the switcher changes it in one pick."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import SessionFactory

from .pages import open_live

pytestmark = pytest.mark.browser


def test_danish_browser_gets_danish_including_the_live_countdown(daphne_url, browser: Browser):
    session = SessionFactory()
    page = browser.new_context(locale="da-DK").new_page()
    open_live(page, f"{daphne_url}/sessions/{session.pk}/")

    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator('[data-field="status-label"]')).to_have_text("Direkte")
    expect(page.locator('[data-field="countdown"]')).to_have_text(re.compile(r"^Slutter om \d"))


def test_picking_a_language_switches_the_page_without_a_button(daphne_url, browser: Browser):
    SessionFactory()
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{daphne_url}/")
    expect(page.get_by_role("heading", name="Live now")).to_be_visible()
    expect(page.get_by_role("button", name="Change")).to_be_hidden()

    page.get_by_label("Language").select_option("da")

    expect(page.get_by_role("heading", name="Direkte nu")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "da")


def test_a_browser_asking_for_french_gets_danish_and_the_switch_is_remembered(
    daphne_url, browser: Browser
):
    SessionFactory()
    page = browser.new_context(locale="fr-FR").new_page()
    page.goto(f"{daphne_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", name="Direkte nu")).to_be_visible()

    page.get_by_label("Sprog").select_option("en")
    expect(page.get_by_role("heading", name="Live now")).to_be_visible()

    page.goto(f"{daphne_url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("main").get_by_role("button", name="Log in")).to_be_visible()
