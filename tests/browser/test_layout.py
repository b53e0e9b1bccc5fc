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
from sessions.models import Session
from tests.factories import (
    ModeratorFactory,
    PoliticianFactory,
    PostFactory,
    SessionFactory,
    UserFactory,
)

from .pages import PASSWORD, log_in

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


def enlarge_text(page: Page, factor: int) -> None:
    """Chromium's own text-size setting (Settings, Appearance, Font size; chrome://settings/fonts)
    set to `factor` times the default, through the DevTools protocol, as a person who needs
    larger text sets it: only text grows, the layout's CSS pixels stay. (Page zoom, which
    enlarges everything, is what the 320 px reflow test stands for: 1280 px at 400%.)"""
    session = page.context.new_cdp_session(page)
    session.send(
        "Page.setFontSizes",
        {"fontSizes": {"standard": DEFAULT_FONT_PX * factor, "fixed": DEFAULT_FIXED_PX * factor}},
    )


# Chromium's defaults: 16 px for text, 13 px for monospace.
DEFAULT_FONT_PX = 16
DEFAULT_FIXED_PX = 13


def text_sizes(page: Page) -> dict[str, float]:
    """The font size of every visible element that holds text of its own, by a readable path."""
    return page.evaluate(
        """() => {
            const sizes = {};
            const path = (e) => {
                const parts = [];
                for (let n = e; n && n !== document.body; n = n.parentElement) {
                    const i = [...n.parentElement.children].indexOf(n);
                    const kind = n.className ? "." + String(n.className).split(" ")[0] : "";
                    parts.unshift(`${n.tagName.toLowerCase()}${kind}[${i}]`);
                }
                return parts.join(">");
            };
            for (const e of document.querySelectorAll("body *")) {
                const own = [...e.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
                if (!own || !e.getClientRects().length || e.closest(".visually-hidden")) continue;
                sizes[path(e)] = parseFloat(getComputedStyle(e).fontSize);
            }
            return sizes;
        }"""
    )


def clipped_text(page: Page) -> list[str]:
    """Elements that cut off what they hold (overflow hidden or clipped, content larger)."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => !e.closest(".visually-hidden") && e.getClientRects().length)
            .filter((e) => {
                const style = getComputedStyle(e);
                const hides = (v) => v === "hidden" || v === "clip";
                return (hides(style.overflowX) && e.scrollWidth > e.clientWidth + 1)
                    || (hides(style.overflowY) && e.scrollHeight > e.clientHeight + 1);
            })
            .map((e) => `${e.tagName}.${e.className}: ${e.textContent.trim().slice(0, 40)}`)"""
    )


def test_text_at_200_percent_loses_nothing(
    daphne_url: str, browser: Browser, pages: dict[str, str]
):
    page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800}).new_page()
    not_grown: dict[str, list[str]] = {}
    for name, url in pages.items():
        page.goto(url)
        before = text_sizes(page)
        enlarge_text(page, 2)
        page.goto(url)
        after = text_sizes(page)
        assert before.keys() == after.keys(), name  # nothing appeared or vanished
        not_grown[name] = [
            f"{where}: {before[where]} px -> {after[where]} px"
            for where in before
            if after[where] < 2 * before[where] - 0.5
        ]
        assert horizontal_overflow(page) <= 0, (name, too_wide(page))
        assert clipped_text(page) == [], name
        page.screenshot(path=SCREENSHOTS / f"{name}-text-200.png", full_page=True)
        enlarge_text(page, 1)
    assert {name: grown for name, grown in not_grown.items() if grown} == {}
    page.goto(pages["session"])
    enlarge_text(page, 2)
    page.goto(pages["session"])
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


def test_colour_is_never_the_only_signal(daphne_url: str, browser: Browser):
    """Answered, on air, pending and flagged are each said in words, which stay when the colours
    go (forced colours, as Windows' contrast themes replace every colour of a page)."""
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(politicians=[mayor], moderation_mode=Session.ModerationMode.PRE)
    ModeratorFactory(municipality=session.municipality, user=UserFactory(username="moderator"))
    citizen = UserFactory(username="borger", first_name="Mette Borger")
    answered = PostFactory(session=session, body="Hvad koster den nye skole?")
    services.mark_answered(question=answered, user=mayor_user)
    on_air = PostFactory(session=session, body="Hvornår åbner svømmehallen?")
    services.put_on_air(question=on_air, user=mayor_user)
    services.post_question(session=session, author=citizen, body="Venter på en moderator")
    url = f"{daphne_url}/sessions/{session.pk}/"

    page = log_in(browser, daphne_url, "borger", forced_colors="active")
    page.goto(url)
    expect(page.locator('[data-field="status-label"]')).to_have_text("Live")
    expect(page.locator(".question", has_text="skole").locator(".answered-flag")).to_have_text(
        "Answered live"
    )
    expect(page.locator(".question", has_text="svømmehallen").locator(".on-air-flag")).to_have_text(
        "● On air"
    )
    expect(page.locator(".own-post", has_text="Venter")).to_contain_text("Awaiting approval")

    moderator = log_in(browser, daphne_url, "moderator", forced_colors="active")
    moderator.goto(f"{url}moderation/")
    # In the queue and in the list of every post, each time in words.
    expect(moderator.locator(".mod-post", has_text="Venter").locator(".mod-status")).to_have_text(
        ["Awaiting approval", "Awaiting approval"]
    )


def test_signed_in_pages_reflow_at_320_px_and_screenshots(daphne_url: str, browser: Browser):
    """The pages behind a login: the moderation view, the reports, the public record of a
    closed session, the account pages and two-factor set-up."""
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(politicians=[mayor], moderation_mode=Session.ModerationMode.PRE)
    UserFactory(username="redaktor", first_name="Web Redaktør", is_staff=True)
    UserFactory(username="borger", first_name="Mette Borger")
    long_word = "Trafiksikkerhedsforanstaltningsgennemgangsrapporten"
    question = PostFactory(session=session, body=f"Hvornår kommer {long_word}?", vote_count=4)
    PostFactory(session=session, parent=question, author=mayor_user, politician=mayor, body="Snart")
    base = daphne_url
    staff_pages = {
        "moderation": f"{base}/sessions/{session.pk}/moderation/",
        "session-report": f"{base}/sessions/{session.pk}/report/",
        "municipality-report": f"{base}/municipalities/{session.municipality.slug}/report/",
        "record": f"{base}/sessions/{session.pk}/record/",
    }
    citizen_pages = {
        "account-delete": f"{base}/accounts/delete/",
        "two-factor-set-up": f"{base}/accounts/two-factor/",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide: dict[str, object] = {}
    for username, pages in (("redaktor", staff_pages), ("borger", citizen_pages)):
        page = log_in(browser, base, username)
        for width in (320, 360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            for name, url in pages.items():
                page.goto(url)
                expect(page.locator("main h1")).to_be_visible()
                if horizontal_overflow(page) > 0:
                    wide[f"{name} at {width}"] = (horizontal_overflow(page), too_wide(page))
                if width != 320:
                    page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        page.context.close()
    assert wide == {}
