"""Keyboard only (WCAG 2.1.1, 2.4.7, 2.4.1): sign in, ask, reply, vote and take it back; a
politician answers and marks answered. No mouse; the focus is visible at every step."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.factories import PoliticianFactory, PostFactory, SessionFactory, UserFactory

from .pages import PASSWORD

pytestmark = pytest.mark.browser

MAX_TABS = 120


def focus_is_visible(page: Page) -> bool:
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has the focus, as a keyboard user would; its focus must show."""
    handle = target.element_handle()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(element) => document.activeElement === element", handle):
            assert focus_is_visible(page), f"no visible focus on {target}"
            return
    raise AssertionError(f"Tab never reached {target}")


def sign_in_by_keyboard(browser: Browser, base_url: str, username: str) -> Page:
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{base_url}/accounts/login/")
    # The login form puts the focus in its first field.
    expect(page.get_by_label("Username")).to_be_focused()
    assert focus_is_visible(page)
    page.keyboard.type(username)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Signed in as")).to_be_visible()
    return page


def open_session(page: Page, url: str) -> None:
    """Open the page and skip its header with the skip link, the first stop of the Tab key."""
    page.goto(url)
    expect(page.locator("#session")).to_have_attribute("data-connected", "true")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_a_citizen_and_a_politician_without_a_mouse(daphne_url: str, browser: Browser):
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(politicians=[mayor])
    PostFactory(session=session, body="Hvornår åbner svømmehallen?")
    PostFactory(session=session, body="Hvad med cykelstien?")
    UserFactory(username="borger", first_name="Mette Borger")
    url = f"{daphne_url}/sessions/{session.pk}/"

    citizen = sign_in_by_keyboard(browser, daphne_url, "borger")
    open_session(citizen, url)
    tab_to(citizen, citizen.get_by_label("Your question"))
    citizen.keyboard.type("Kan biblioteket holde åbent om søndagen?")
    tab_to(citizen, citizen.get_by_role("button", name="Ask", exact=True))
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".question", has_text="biblioteket")).to_be_visible()

    pool = citizen.locator(".question", has_text="svømmehallen")
    tab_to(citizen, pool.locator("summary", has_text="Reply"))
    citizen.keyboard.press("Enter")
    tab_to(citizen, pool.get_by_label("Your reply"))
    citizen.keyboard.type("Det vil jeg også gerne vide.")
    tab_to(citizen, pool.get_by_role("button", name="Send reply"))
    citizen.keyboard.press("Enter")
    expect(pool.locator(".replies")).to_contain_text("Det vil jeg også gerne vide.")

    upvote = pool.get_by_role("button", name="Upvote")
    tab_to(citizen, upvote)
    citizen.keyboard.press("Space")
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(pool.locator(".vote-count")).to_have_text("1")
    tab_to(citizen, upvote)  # the list may have moved: find it again, by keyboard
    citizen.keyboard.press("Space")
    expect(upvote).to_have_attribute("aria-pressed", "false")
    expect(pool.locator(".vote-count")).to_have_text("0")

    politician = sign_in_by_keyboard(browser, daphne_url, "borgmester")
    open_session(politician, url)
    question = politician.locator(".question", has_text="svømmehallen")
    tab_to(politician, question.locator("summary", has_text="Answer"))
    politician.keyboard.press("Enter")
    tab_to(politician, question.get_by_label("Answer as Tomas Breddam, Borgmester"))
    politician.keyboard.type("Den åbner 1. juni.")
    tab_to(politician, question.get_by_role("button", name="Send answer"))
    politician.keyboard.press("Enter")
    expect(question.locator(".answered-flag")).to_be_visible()
    expect(pool.locator(".replies")).to_contain_text("Den åbner 1. juni.")

    other = politician.locator(".question", has_text="cykelstien")
    tab_to(politician, other.get_by_role("button", name="Mark answered"))
    politician.keyboard.press("Enter")
    expect(other.locator(".answered-flag")).to_be_visible()
    expect(
        citizen.locator(".question", has_text="cykelstien").locator(".answered-flag")
    ).to_be_visible()
