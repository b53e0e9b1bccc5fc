"""Pausing the live feed (WCAG 2.2.2): new questions wait behind a button, and a polite live
region says what arrived, never each vote (4.1.3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from sessions import services
from tests.factories import SessionFactory, UserFactory

from .pages import call_api, never_reloaded, open_live, visit

pytestmark = pytest.mark.browser


def test_paused_feed_holds_new_questions_behind_a_button(daphne_url: str, browser: Browser):
    session = SessionFactory()
    asker = UserFactory(username="asker", first_name="Aske Borger")
    voter = UserFactory(username="voter")
    first = services.post_question(session=session, author=asker, body="Første spørgsmål")
    reader = visit(browser)
    open_live(reader, f"{daphne_url}/sessions/{session.pk}/")
    announcer = reader.locator('[data-field="announcer"]')
    expect(announcer).to_have_attribute("aria-live", "polite")
    pause = reader.get_by_role("button", name="Pause live updates")

    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    ask = f"/api/sessions/{session.pk}/questions/"
    call_api(daphne_url, "POST", ask, asker, {"body": "Andet spørgsmål"})
    call_api(daphne_url, "POST", ask, asker, {"body": "Tredje spørgsmål"})

    show = reader.get_by_role("button", name="2 new questions, show")
    expect(show).to_be_visible()
    expect(announcer).to_have_text("2 new questions, show")
    expect(reader.locator(".question")).to_have_count(1)

    show.click()

    expect(reader.locator(".question")).to_have_count(3)
    expect(show).to_be_hidden()
    expect(pause).to_be_focused()

    pause.click()  # live again
    expect(pause).to_have_attribute("aria-pressed", "false")
    call_api(daphne_url, "POST", f"/api/posts/{first.pk}/vote/", voter)
    expect(reader.locator(".question", has_text="Første").locator(".vote-count")).to_have_text("1")
    # A vote is never announced: the region still says what arrived last.
    expect(announcer).to_have_text("New question from Aske Borger.")
    assert never_reloaded(reader)
