"""Reflow (WCAG 1.4.10), text at 200% (1.4.4), reduced motion, and screenshots for review.

Screenshots of each page at 360 and 1280 CSS px go to test-results/screenshots/ (not asserted:
they are for people to look at).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from sessions import services
from tests.factories import PoliticianFactory, PostFactory, SessionFactory, UserFactory

from .pages import PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"


def too_wide(page: Page) -> list[str]:
    """The innermost elements reaching past the window's right edge, for the failure message."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .filter((e) => ![...e.children].some(
                (c) => c.getBoundingClientRect().right > window.innerWidth + 0.5))
            .map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`)"""
    )


def horizontal_overflow(page: Page) -> int:
    """How many CSS px the page is wider than the window (0: no horizontal scrolling)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


@pytest.fixture
def pages(daphne_url: str) -> dict[str, str]:
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(
        title="Digital spørgetime om den nye skole og trafikken i Trekroner", politicians=[mayor]
    )
    long_word = "Trafiksikkerhedsforanstaltningsgennemgangsrapporten"
    question = PostFactory(
        session=session, body=f"Hvornår kommer {long_word}, og hvad står der om cykelstien?"
    )
    PostFactory(session=session, body="Hvad koster svømmehallen?", vote_count=3)
    services.put_on_air(question=question, user=mayor_user)
    base = daphne_url
    return {
        "home": f"{base}/",
        "session": f"{base}/sessions/{session.pk}/",
        "presenter": f"{base}/sessions/{session.pk}/present/",
        "accessibility": f"{base}/accessibility/",
        "login": f"{base}/accounts/login/",
        "signup": f"{base}/accounts/signup/",
    }


def signed_in_context(browser: Browser, base: str, **options):
    context = browser.new_context(locale="en-GB", **options)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("borgmester")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    return page


def test_no_horizontal_scrolling_at_320_px_and_screenshots(
    daphne_url: str, browser: Browser, pages: dict[str, str]
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide: dict[str, int] = {}
    for width in (320, 360, 1280):
        visitor = browser.new_context(locale="en-GB", viewport={"width": width, "height": 800})
        page = visitor.new_page()
        for name, url in pages.items():
            page.goto(url)
            wide[f"{name} at {width}"] = horizontal_overflow(page)
            if width != 320:
                page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        visitor.close()
    assert {where: px for where, px in wide.items() if px > 0} == {}


def test_the_politicians_session_page_works_at_360_px(
    daphne_url: str, browser: Browser, pages: dict[str, str]
):
    page = signed_in_context(browser, daphne_url, viewport={"width": 360, "height": 740})
    page.goto(pages["session"])
    expect(page.locator("#session")).to_have_attribute("data-connected", "true")

    question = page.locator(".question", has_text="svømmehallen")
    question.get_by_text("Answer", exact=True).click()
    question.get_by_label("Answer as Tomas Breddam, Borgmester").fill("Den koster 80 mio.")
    question.get_by_role("button", name="Send answer").click()

    expect(question.locator(".replies")).to_contain_text("Den koster 80 mio.")
    expect(question.locator(".answered-flag")).to_be_visible()
    assert horizontal_overflow(page) <= 0, too_wide(page)
    page.screenshot(path=SCREENSHOTS / "session-politician-360.png", full_page=True)


def test_text_at_200_percent_loses_nothing(
    daphne_url: str, browser: Browser, pages: dict[str, str]
):
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800}).new_page()
    for name, url in pages.items():
        page.goto(url)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert horizontal_overflow(page) <= 0, (name, too_wide(page))
    page.goto(pages["session"])
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    expect(page.get_by_text("Hvad koster svømmehallen?")).to_be_visible()
    expect(page.locator(".question.on-air .on-air-flag")).to_be_visible()


def test_reduced_motion_turns_motion_off(daphne_url: str, browser: Browser, pages):
    page = browser.new_context(locale="en-GB", reduced_motion="reduce").new_page()
    page.goto(pages["session"])

    styles = page.evaluate(
        """() => [...document.querySelectorAll("body *")].map((element) => {
            const style = getComputedStyle(element);
            return [style.animationName, style.transitionDuration, style.scrollBehavior];
        })"""
    )

    assert {tuple(style) for style in styles} == {("none", "0s", "auto")}
