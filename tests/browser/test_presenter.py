"""The presenter view on the chamber's screen, and "on air" from the session page, live."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from sessions import services
from tests.factories import PoliticianFactory, PostFactory, SessionFactory, UserFactory
from tests.servers import DaphneServer

from .pages import log_in, never_reloaded, visit

pytestmark = pytest.mark.browser


def open_presenter(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#presenter")).to_have_attribute("data-connected", "true")
    page.evaluate("window.loadedOnce = true")


def test_the_mayor_puts_a_question_on_air_and_the_screen_follows(daphne_url: str, browser: Browser):
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(politicians=[mayor])
    karl = UserFactory(username="karl", first_name="Karl Berg")
    PostFactory(session=session, author=karl, body="Hvornår åbner svømmehallen?", vote_count=1)
    PostFactory(session=session, body="Hvad med cykelstierne?", vote_count=4)
    screen = visit(browser)
    open_presenter(screen, f"{daphne_url}/sessions/{session.pk}/present/")
    expect(screen.locator('[data-field="countdown"]')).to_have_text(re.compile(r"^Ends in \d"))
    expect(screen.get_by_text("No question is on air right now.")).to_be_visible()
    expect(screen.locator('[data-field="next"] li .body')).to_have_text(
        ["Hvad med cykelstierne?", "Hvornår åbner svømmehallen?"]
    )
    viewer = visit(browser)
    viewer.goto(f"{daphne_url}/sessions/{session.pk}/")
    expect(viewer.locator("#session")).to_have_attribute("data-connected", "true")

    mayor_page = log_in(browser, daphne_url, "borgmester")
    mayor_page.goto(f"{daphne_url}/sessions/{session.pk}/")
    expect(mayor_page.locator("#session")).to_have_attribute("data-connected", "true")
    question = mayor_page.locator(".question", has_text="svømmehallen")
    question.get_by_role("button", name="Put on air").click()

    on_air = screen.locator(".on-air-question")
    expect(on_air.locator(".on-air-body")).to_have_text("Hvornår åbner svømmehallen?")
    expect(on_air.locator(".on-air-author")).to_have_text("Asked by Karl Berg")
    expect(screen.locator('[data-field="next"] li .body')).to_have_text(["Hvad med cykelstierne?"])
    # Everyone sees the mark, in words.
    expect(
        viewer.locator(".question", has_text="svømmehallen").locator(".on-air-flag")
    ).to_be_visible()
    expect(question.get_by_role("button", name="Take off air")).to_be_visible()
    expect(screen.locator('[data-field="presence"]')).to_have_text(re.compile(r"watching"))

    question.get_by_role("button", name="Take off air").click()

    expect(screen.get_by_text("No question is on air right now.")).to_be_visible()
    expect(viewer.locator(".on-air-flag:visible")).to_have_count(0)
    assert never_reloaded(screen)


def test_the_screen_catches_up_after_a_restart(daphne: DaphneServer, browser: Browser):
    staff = UserFactory(username="redaktor", is_staff=True)
    session = SessionFactory()
    question = PostFactory(session=session, body="Hvornår kommer der ny belægning?")
    screen = visit(browser)
    open_presenter(screen, f"{daphne.url}/sessions/{session.pk}/present/")

    daphne.kill()
    expect(screen.locator('[data-field="connection"]')).to_have_text(
        "Connection lost. Reconnecting…"
    )
    services.put_on_air(question=question, user=staff)
    daphne.start()

    expect(screen.locator(".on-air-body")).to_have_text(
        "Hvornår kommer der ny belægning?", timeout=20_000
    )
    expect(screen.locator('[data-field="connection"]')).to_be_hidden()
    assert never_reloaded(screen)


def test_the_screen_counts_down_while_questions_are_collected_and_goes_live_at_the_start(
    daphne_url: str, browser: Browser
):
    starts_at = timezone.now() + timedelta(seconds=8)
    session = SessionFactory(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        accepts_questions_early=True,
    )
    screen = visit(browser)
    open_presenter(screen, f"{daphne_url}/sessions/{session.pk}/present/")
    badge = screen.locator('[data-field="status-label"]')

    expect(badge).to_have_text("Collecting questions")
    expect(screen.locator('[data-field="countdown"]')).to_have_text(
        re.compile(r"^Starts in 0:0\d$")
    )

    expect(badge).to_have_text("Live", timeout=30_000)
    expect(screen.locator('[data-field="countdown"]')).to_have_text(
        re.compile(r"^Ends in 59:\d\d$")
    )
    assert never_reloaded(screen)
