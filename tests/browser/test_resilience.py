"""Live pages keep up: votes reorder the list for everyone, and a page whose server restarted
reconnects by itself, catches up from the event log and keeps what the user was typing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from sessions import services
from tests.factories import SessionFactory, UserFactory
from tests.servers import DaphneServer

from .pages import log_in, never_reloaded, open_live, visit

pytestmark = pytest.mark.browser


def test_votes_show_live_and_most_wanted_moves_first(daphne_url: str, browser: Browser):
    session = SessionFactory()
    asker = UserFactory(username="asker")
    services.post_question(session=session, author=asker, body="Første spørgsmål")
    services.post_question(session=session, author=asker, body="Andet spørgsmål")
    UserFactory(username="borger")
    url = f"{daphne_url}/sessions/{session.pk}/"
    viewer, citizen = visit(browser), log_in(browser, daphne_url, "borger")
    open_live(viewer, url)
    open_live(citizen, url)
    first_body = viewer.locator(".question").first.locator('[data-field="body"]')
    expect(first_body).to_have_text("Første spørgsmål")

    second = citizen.locator(".question", has_text="Andet spørgsmål")
    second.get_by_role("button", name="Upvote").click()

    expect(viewer.locator(".question", has_text="Andet").locator(".vote-count")).to_have_text("1")
    expect(first_body).to_have_text("Andet spørgsmål")
    expect(second.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "true")

    second.get_by_role("button", name="Upvote").click()  # take it back

    expect(viewer.locator(".question", has_text="Andet").locator(".vote-count")).to_have_text("0")
    expect(first_body).to_have_text("Første spørgsmål")
    assert never_reloaded(viewer)


def test_page_reconnects_after_a_restart_and_misses_nothing(daphne: DaphneServer, browser: Browser):
    session = SessionFactory()
    UserFactory(username="borger")
    other = UserFactory(username="other")
    url = f"{daphne.url}/sessions/{session.pk}/"
    viewer, citizen = visit(browser), log_in(browser, daphne.url, "borger")
    open_live(viewer, url)
    open_live(citizen, url)
    citizen.get_by_label("Your question").fill("Halvt skrevet spørgsmål")

    daphne.kill()
    expect(viewer.locator('[data-field="connection"]')).to_have_text(
        "Connection lost. Reconnecting…"
    )
    services.post_question(session=session, author=other, body="Asked while the server was down")
    daphne.start()

    expect(viewer.get_by_text("Asked while the server was down")).to_be_visible(timeout=20_000)
    expect(citizen.get_by_text("Asked while the server was down")).to_be_visible(timeout=20_000)
    expect(viewer.locator('[data-field="connection"]')).to_be_hidden()
    expect(citizen.get_by_label("Your question")).to_have_value("Halvt skrevet spørgsmål")
    assert viewer.locator(".question").count() == 1
    assert never_reloaded(viewer)
    assert never_reloaded(citizen)
