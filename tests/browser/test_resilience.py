"""Live pages keep up: votes reorder the list for everyone, and a page whose server restarted
reconnects by itself (the session page and the moderation view through one shared module),
catches up and keeps what the user was typing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from sessions import services
from tests.factories import ModeratorFactory, SessionFactory, UserFactory
from tests.servers import PRODUCTION, DaphneServer, collect_static
from tests.waiting import RECONNECT_WAIT_MS

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

    expect(viewer.get_by_text("Asked while the server was down")).to_be_visible(
        timeout=RECONNECT_WAIT_MS
    )
    expect(citizen.get_by_text("Asked while the server was down")).to_be_visible(
        timeout=RECONNECT_WAIT_MS
    )
    expect(viewer.locator('[data-field="connection"]')).to_be_hidden()
    expect(citizen.get_by_label("Your question")).to_have_value("Halvt skrevet spørgsmål")
    assert viewer.locator(".question").count() == 1
    assert never_reloaded(viewer)
    assert never_reloaded(citizen)


# Keeps the close code of every socket the page opens (the page itself does not show it).
RECORD_CLOSE_CODES = """
window.closeCodes = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("close", (closed) => window.closeCodes.push(closed.code));
  }
};
"""


def test_page_told_going_away_reconnects_with_since_and_misses_nothing(
    daphne: DaphneServer, browser: Browser
):
    session = SessionFactory()
    asker = UserFactory(username="asker")
    services.post_question(session=session, author=asker, body="Before the restart")
    viewer = visit(browser)
    viewer.add_init_script(RECORD_CLOSE_CODES)
    opened = []
    viewer.on("websocket", lambda socket: opened.append(socket.url))
    open_live(viewer, f"{daphne.url}/sessions/{session.pk}/")
    services.post_question(session=session, author=asker, body="Seen live")
    expect(viewer.get_by_text("Seen live")).to_be_visible()

    assert daphne.terminate() == 0  # a rolling restart's SIGTERM: 1001, then the exit
    services.post_question(session=session, author=asker, body="Asked during the restart")
    daphne.start()

    expect(viewer.get_by_text("Asked during the restart")).to_be_visible(timeout=RECONNECT_WAIT_MS)
    expect(viewer.locator('[data-field="connection"]')).to_be_hidden()
    assert viewer.evaluate("window.closeCodes") == [1001]
    assert [re.search(r"since=(\d+)", url)[1] for url in opened] == ["1", "2"]
    assert viewer.locator(".question").count() == 3
    assert never_reloaded(viewer)


def test_moderation_view_reconnects_after_a_restart_and_reads_what_it_missed(
    daphne: DaphneServer, browser: Browser
):
    session = SessionFactory()
    ModeratorFactory(municipality=session.municipality, user=UserFactory(username="moderator"))
    moderator = log_in(browser, daphne.url, "moderator")
    moderator.goto(f"{daphne.url}/sessions/{session.pk}/moderation/")
    view = moderator.locator("#moderation")
    expect(view).to_have_attribute("data-connected", "true")
    moderator.evaluate("window.loadedOnce = true")

    daphne.kill()
    expect(view.locator('[data-field="connection"]')).to_have_text("Connection lost. Reconnecting…")
    expect(view).to_have_attribute("data-connected", "false")
    services.post_question(
        session=session, author=UserFactory(), body="Asked while the server was down"
    )
    daphne.start()

    expect(view).to_have_attribute("data-connected", "true", timeout=RECONNECT_WAIT_MS)
    expect(view.locator('[data-live="stream"]')).to_contain_text(
        "Asked while the server was down", timeout=RECONNECT_WAIT_MS
    )
    expect(view.locator('[data-field="connection"]')).to_be_hidden()
    assert never_reloaded(moderator)


def test_production_page_loads_its_hashed_modules_and_reconnects(
    transactional_db, browser: Browser
):
    collect_static()
    server = DaphneServer(**PRODUCTION).start()
    try:
        session = SessionFactory()
        viewer = visit(browser)
        scripts = []
        viewer.on("request", lambda request: scripts.append(request.url))
        open_live(viewer, f"{server.url}/sessions/{session.pk}/")
        assert any(re.search(r"/live-socket\.[0-9a-f]{12}\.js$", url) for url in scripts)

        server.kill()
        expect(viewer.locator('[data-field="connection"]')).to_have_text(
            "Connection lost. Reconnecting…"
        )
        services.post_question(
            session=session, author=UserFactory(), body="Asked while the server was down"
        )
        server.start()

        expect(viewer.get_by_text("Asked while the server was down")).to_be_visible(
            timeout=RECONNECT_WAIT_MS
        )
        expect(viewer.locator('[data-field="connection"]')).to_be_hidden()
        assert never_reloaded(viewer)
    finally:
        server.stop()


def test_vote_from_a_stale_tab_shows_the_vote_instead_of_an_error(daphne_url, browser: Browser):
    session = SessionFactory()
    services.post_question(session=session, author=UserFactory(username="asker"), body="Hvornår?")
    UserFactory(username="borger")
    first_tab = log_in(browser, daphne_url, "borger")
    second_tab = first_tab.context.new_page()
    url = f"{daphne_url}/sessions/{session.pk}/"
    open_live(first_tab, url)
    open_live(second_tab, url)

    first_tab.get_by_role("button", name="Upvote").click()
    expect(second_tab.locator(".vote-count")).to_have_text("1")
    second_tab.get_by_role("button", name="Upvote").click()  # this tab did not know

    expect(second_tab.get_by_role("button", name="Upvote")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(second_tab.locator(".vote-count")).to_have_text("1")
    expect(second_tab.locator('[data-field="notice"]')).to_be_hidden()


def test_refused_mark_answered_says_why_where_it_can_be_seen(daphne_url, browser: Browser):
    session = SessionFactory()
    question = services.post_question(
        session=session, author=UserFactory(username="asker"), body="Hvornår?"
    )
    UserFactory(username="redaktor", is_staff=True)
    staff = log_in(browser, daphne_url, "redaktor")
    open_live(staff, f"{daphne_url}/sessions/{session.pk}/")
    # Taken down behind the page's back.
    question.status = "hidden"
    question.save()

    staff.get_by_role("button", name="Mark answered").click()

    expect(staff.locator('[data-field="notice"]')).to_be_visible()
    expect(staff.locator('[data-field="notice"]')).to_have_text("That post is no longer available.")
    question.refresh_from_db()
    assert not question.is_answered
