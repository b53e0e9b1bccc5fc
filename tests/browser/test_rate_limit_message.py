"""Over a rate limit, the live page tells the citizen when to try again, and keeps their text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import SessionFactory, UserFactory
from tests.servers import DaphneServer

from .pages import log_in, open_live

pytestmark = pytest.mark.browser


@pytest.fixture
def strict_daphne(transactional_db) -> Iterator[DaphneServer]:
    """Daphne allowing one question a day per user, so the second is refused."""
    server = DaphneServer(TOWNHALL_RATE_LIMITS="question=1/d").start()
    yield server
    server.stop()


def test_second_question_over_the_limit_shows_when_to_try_again(
    strict_daphne: DaphneServer, browser: Browser
):
    UserFactory(username="borger", first_name="Mette Borger")
    session = SessionFactory(title="Digital spørgetime")
    page = log_in(browser, strict_daphne.url, "borger")
    open_live(page, f"{strict_daphne.url}/sessions/{session.pk}/")

    page.get_by_label("Your question").fill("Hvornår åbner hallen?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator(".question", has_text="åbner hallen")).to_be_visible()
    page.get_by_label("Your question").fill("Og svømmehallen?")
    page.get_by_role("button", name="Ask", exact=True).click()

    expect(page.locator(".ask-form .form-error")).to_have_text(
        re.compile(r"^You are doing that too often\. Try again in \d+ seconds?\.$")
    )
    expect(page.get_by_label("Your question")).to_have_value("Og svømmehallen?")
    expect(page.locator("article.question")).to_have_count(1)
