"""The page shows how many people watch, a browser counted once however many tabs it has; and a
page too far behind for a replay reloads itself, keeping what the user was typing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from sessions import services
from tests.factories import SessionFactory, UserFactory
from tests.servers import DaphneServer
from tests.waiting import RECONNECT_WAIT_MS

from .pages import log_in, never_reloaded, open_live, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_daphne(transactional_db) -> Iterator[DaphneServer]:
    """Presence frames every 0.2 s, and a replay limit of two events."""
    server = DaphneServer(TOWNHALL_PRESENCE_INTERVAL="0.2", TOWNHALL_REPLAY_LIMIT="2").start()
    yield server
    server.stop()


def test_viewers_now_shows_each_browser_once_and_follows_who_leaves(
    quick_daphne: DaphneServer, browser: Browser
):
    session = SessionFactory()
    url = f"{quick_daphne.url}/sessions/{session.pk}/"
    anna, bo = visit(browser), visit(browser)
    open_live(anna, url)
    presence = anna.locator('[data-field="presence"]')
    expect(presence).to_have_text("1 person watching")

    open_live(bo, url)
    second_tab = bo.context.new_page()
    open_live(second_tab, url)

    expect(presence).to_have_text("2 people watching")
    expect(second_tab.locator('[data-field="presence"]')).to_have_text("2 people watching")

    bo.context.close()

    expect(presence).to_have_text("1 person watching")


def test_page_too_far_behind_reloads_and_keeps_the_draft(
    quick_daphne: DaphneServer, browser: Browser
):
    session = SessionFactory()
    UserFactory(username="borger")
    other = UserFactory(username="other")
    citizen = log_in(browser, quick_daphne.url, "borger")
    open_live(citizen, f"{quick_daphne.url}/sessions/{session.pk}/")
    citizen.get_by_label("Your question").fill("Halvt skrevet spørgsmål")

    quick_daphne.kill()
    for n in range(3):
        services.post_question(session=session, author=other, body=f"While away {n}")
    quick_daphne.start()

    expect(citizen.get_by_text("While away 2")).to_be_visible(timeout=RECONNECT_WAIT_MS)
    assert not never_reloaded(citizen)
    assert citizen.locator(".question").count() == 3
    expect(citizen.get_by_label("Your question")).to_have_value("Halvt skrevet spørgsmål")
    expect(citizen.locator("#session")).to_have_attribute("data-connected", "true")
