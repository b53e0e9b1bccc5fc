"""The Content Security Policy holds and breaks nothing: zero violations on the live session page
(asking, voting, answering live) and in the admin (lists, change forms with their widgets)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import PoliticianFactory, PostFactory, SessionFactory, UserFactory

from .pages import log_in, open_live

pytestmark = pytest.mark.browser


def watch_csp(page: Page) -> list[str]:
    """Chromium reports every blocked inline script, style or load on the console."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_live_session_page_works_with_no_csp_violation(daphne_url: str, browser: Browser):
    UserFactory(username="borger", first_name="Mette Borger")
    session = SessionFactory(title="Digital spørgetime")
    PostFactory(session=session, body="Hvornår åbner svømmehallen?")
    page = log_in(browser, daphne_url, "borger")
    violations = watch_csp(page)

    open_live(page, f"{daphne_url}/sessions/{session.pk}/")
    page.get_by_label("Your question").fill("Kommer der flere cykelstier?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".question", has_text="flere cykelstier")).to_be_visible()
    page.locator(".question", has_text="svømmehallen").get_by_role("button", name="Upvote").click()
    expect(
        page.locator(".question", has_text="svømmehallen").locator('[data-field="votes"]')
    ).to_have_text("1")

    assert violations == []


def test_admin_works_with_no_csp_violation(daphne_url: str, browser: Browser):
    UserFactory(username="redaktor", first_name="Web Editor", is_staff=True, is_superuser=True)
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester")
    session = SessionFactory(title="Digital spørgetime", politicians=[mayor])
    page = log_in(browser, daphne_url, "redaktor")
    violations = watch_csp(page)

    page.goto(f"{daphne_url}/admin/")
    expect(page.get_by_role("link", name="Sessions", exact=True)).to_be_visible()
    page.goto(f"{daphne_url}/admin/townhall_sessions/session/")
    expect(page.get_by_role("link", name="Digital spørgetime")).to_be_visible()
    page.goto(f"{daphne_url}/admin/townhall_sessions/session/{session.pk}/change/")
    expect(page.get_by_label("Title:")).to_have_value("Digital spørgetime")
    page.goto(f"{daphne_url}/admin/townhall_sessions/session/add/")
    page.goto(f"{daphne_url}/admin/auth/user/")
    # The changelist's "select all" checkbox is the admin's own JavaScript at work.
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    assert violations == []
