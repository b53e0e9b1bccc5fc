"""A moderator merges duplicates from the moderation view with the keyboard alone: a suggested
pair with one button, then any question into another with the two lists and the Merge button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from sessions.models import Notification, Post
from tests.factories import ModeratorFactory, PostFactory, SessionFactory, UserFactory

from .pages import log_in
from .test_keyboard import focus_is_visible, tab_to

pytestmark = pytest.mark.browser


def choose_by_keyboard(page: Page, select: Locator, value: int) -> None:
    """Arrow keys on the focused list until it shows `value`."""
    for _ in range(20):
        if select.input_value() == str(value):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value} is not among the choices of {select}")


def test_moderator_merges_duplicates_with_the_keyboard(daphne_url: str, browser: Browser):
    session = SessionFactory(title="Digital spørgetime")
    ModeratorFactory(
        municipality=session.municipality,
        user=UserFactory(username="moderator", first_name="Mads Moderator"),
    )
    anna = UserFactory(username="anna", first_name="Anna")
    bo = UserFactory(username="bo", first_name="Bo")
    original = PostFactory(session=session, author=anna, body="Hvornår åbner svømmehallen igen?")
    duplicate = PostFactory(session=session, author=bo, body="Åbner svømmehallen snart?")
    other = PostFactory(session=session, author=bo, body="Kommer der en ny cykelsti?")
    page = log_in(browser, daphne_url, "moderator")
    page.goto(f"{daphne_url}/sessions/{session.pk}/moderation/")
    expect(page.locator("#moderation")).to_have_attribute("data-connected", "true")

    suggested = page.get_by_role("button", name=f"Merge #{duplicate.pk} into #{original.pk}")
    tab_to(page, suggested)
    page.keyboard.press("Enter")

    expect(page.locator(".duplicate-pair")).to_have_count(0)
    expect(page.locator('[data-live="stream"]')).to_contain_text(f"Merged into #{original.pk}")
    assert Post.objects.get(pk=duplicate.pk).merged_into_id == original.pk
    # The merged one is no longer offered.
    expect(
        page.locator(f'[data-live="merge-question"] option[value="{duplicate.pk}"]')
    ).to_have_count(0)

    the_duplicate = page.get_by_label("The duplicate")
    tab_to(page, the_duplicate)
    choose_by_keyboard(page, the_duplicate, other.pk)
    into = page.get_by_label("Merge it into")
    tab_to(page, into)
    choose_by_keyboard(page, into, original.pk)
    merge = page.locator(".merge-form").get_by_role("button", name="Merge")
    tab_to(page, merge)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")

    expect(page.locator('[data-live="stream"]')).to_contain_text(
        f"Merged into #{original.pk}",
    )
    expect(page.locator(f'[data-live="merge-question"] option[value="{other.pk}"]')).to_have_count(
        0
    )
    assert Post.objects.get(pk=other.pk).merged_into_id == original.pk
    assert Notification.objects.filter(user=bo, kind="merged").count() == 2
