"""A citizen deletes their account; a page left open renames their question at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from sessions import services
from tests.factories import SessionFactory, UserFactory

from .pages import PASSWORD, log_in, never_reloaded, open_live, visit

pytestmark = pytest.mark.browser


def test_open_page_shows_deleted_user_when_the_author_deletes_their_account(
    daphne_url: str, browser: Browser
):
    citizen = UserFactory(username="borger", first_name="Mette Borger")
    session = SessionFactory(title="Digital spørgetime")
    services.post_question(session=session, author=citizen, body="Hvornår åbner hallen?")
    viewer = visit(browser)
    open_live(viewer, f"{daphne_url}/sessions/{session.pk}/")
    question = viewer.locator(".question", has_text="åbner hallen")
    expect(question.locator('[data-field="author"]')).to_have_text("Mette Borger")

    page = log_in(browser, daphne_url, "borger")
    page.goto(f"{daphne_url}/accounts/delete/")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account has been deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    expect(question.locator('[data-field="author"]')).to_have_text("deleted user")
    expect(question.locator('[data-field="body"]')).to_have_text("Hvornår åbner hallen?")
    assert never_reloaded(viewer)
