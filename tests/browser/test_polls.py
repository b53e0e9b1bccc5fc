"""A live poll in real Chromium: a citizen votes, and another viewer and the presenter view see
the count change without a reload; opening a poll reaches a page already open."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from sessions.models import Poll, PollOption
from tests.factories import PoliticianFactory, SessionFactory, UserFactory

from .pages import call_api, log_in, never_reloaded, visit

pytestmark = pytest.mark.browser


def test_a_citizen_votes_and_other_viewers_see_the_result_without_reload(
    daphne_url: str, browser: Browser
):
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(politicians=[mayor])
    UserFactory(username="borger", first_name="Anna Jensen")
    # A draft a moderator prepared (no one hears of drafts): the mayor opens it on the night.
    poll = Poll.objects.create(
        session=session, question="Hvad skal vi bygge først?", created_at=timezone.now()
    )
    for position, text in enumerate(["Svømmehal", "Cykelsti"]):
        PollOption.objects.create(poll=poll, text=text, position=position)
    viewer = visit(browser)
    viewer.goto(f"{daphne_url}/sessions/{session.pk}/")
    expect(viewer.locator("#session")).to_have_attribute("data-connected", "true")
    viewer.evaluate("window.loadedOnce = true")
    screen = visit(browser)
    screen.goto(f"{daphne_url}/sessions/{session.pk}/present/")
    expect(screen.locator("#presenter")).to_have_attribute("data-connected", "true")
    screen.evaluate("window.loadedOnce = true")
    citizen = log_in(browser, daphne_url, "borger")
    citizen.goto(f"{daphne_url}/sessions/{session.pk}/")
    expect(citizen.locator("#session")).to_have_attribute("data-connected", "true")

    call_api(daphne_url, "POST", f"/api/polls/{poll.pk}/open/", mayor_user)

    viewer_poll = viewer.locator(f"#poll-{poll.pk}")
    expect(viewer_poll.locator(".poll-question")).to_have_text("Hvad skal vi bygge først?")
    expect(viewer.locator('[data-field="announcer"]')).to_have_text(
        "A poll has opened: Hvad skal vi bygge først?"
    )
    expect(viewer_poll.locator(".poll-bars li .figure")).to_have_text(["0 (0 %)", "0 (0 %)"])
    citizen_poll = citizen.locator(f"#poll-{poll.pk}")
    citizen_poll.get_by_label("Cykelsti").check()
    citizen_poll.get_by_role("button", name="Vote").click()

    expect(citizen_poll.get_by_text("You have voted in this poll.")).to_be_visible()
    expect(viewer_poll.locator(".poll-bars li .figure")).to_have_text(["0 (0 %)", "1 (100 %)"])
    expect(viewer_poll.locator('[data-field="voters"]')).to_have_text("1 voter")
    expect(screen.locator(f"#poll-{poll.pk} .poll-bars li .figure")).to_have_text(
        ["0 (0 %)", "1 (100 %)"]
    )
    assert never_reloaded(viewer)
    assert never_reloaded(screen)

    call_api(daphne_url, "POST", f"/api/polls/{poll.pk}/close/", mayor_user)

    expect(viewer_poll).to_have_attribute("data-status", "closed")
    expect(viewer.locator('[data-field="announcer"]')).to_have_text(
        re.compile("The poll has closed")
    )
    expect(screen.locator(f"#poll-{poll.pk}")).to_have_count(0)
