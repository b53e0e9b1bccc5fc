"""A citizen and the mayor in two browsers: a question and its answer appear live, no reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import PoliticianFactory, SessionFactory, UserFactory

from .pages import log_in, never_reloaded, open_live

pytestmark = pytest.mark.browser


def test_question_and_answer_appear_live_with_the_badge(daphne_url: str, browser: Browser):
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(
        name="Tomas Breddam", party="Socialdemokratiet", role="Borgmester", user=mayor_user
    )
    session = SessionFactory(title="Digital spørgetime", politicians=[mayor])
    UserFactory(username="borger", first_name="Mette Borger")
    url = f"{daphne_url}/sessions/{session.pk}/"

    citizen = log_in(browser, daphne_url, "borger")
    mayor_page = log_in(browser, daphne_url, "borgmester")
    open_live(citizen, url)
    open_live(mayor_page, url)

    citizen.get_by_label("Your question").fill("Hvornår bliver cykelstien på Køgevej færdig?")
    citizen.get_by_role("button", name="Ask", exact=True).click()

    question = mayor_page.locator(".question", has_text="cykelstien på Køgevej")
    expect(question).to_be_visible()
    expect(question.locator('[data-field="author"]').first).to_have_text("Mette Borger")
    expect(mayor_page.locator(".open-questions")).to_contain_text("cykelstien på Køgevej")
    expect(mayor_page.locator('[data-field="announcer"]')).to_have_text(
        "New question from Mette Borger."
    )

    # From the worklist straight into the answer box.
    mayor_page.locator(".open-questions").get_by_role("link", name="cykelstien på Køgevej").click()
    expect(question.get_by_label("Answer as Tomas Breddam, Borgmester")).to_be_focused()
    mayor_page.keyboard.type("Den er færdig til foråret.")
    question.get_by_role("button", name="Send answer").click()

    answer = citizen.locator(".question", has_text="cykelstien").locator(".reply")
    expect(answer).to_contain_text("Den er færdig til foråret.")
    expect(answer.locator(".badge.verified")).to_be_visible()
    expect(answer.locator(".badge.verified")).to_contain_text("Borgmester")
    expect(answer.locator(".badge.verified")).to_contain_text("Socialdemokratiet")
    expect(answer.locator('[data-field="author"]')).to_have_text("Tomas Breddam")
    expect(citizen.locator('[data-field="announcer"]')).to_have_text("Tomas Breddam answered.")
    expect(
        citizen.locator(".question", has_text="cykelstien").locator(".answered-flag")
    ).to_be_visible()
    expect(mayor_page.locator(".open-questions")).not_to_contain_text("cykelstien")
    # Everything above arrived over the socket: the mayor's page never reloaded.
    assert never_reloaded(mayor_page)
