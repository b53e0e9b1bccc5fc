"""Duplicates in the browser: similar questions offered while typing, and a merge seen live."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.factories import (
    ModeratorFactory,
    PostFactory,
    ReplyFactory,
    SessionFactory,
    UserFactory,
    api_token,
)

from .pages import log_in, never_reloaded, open_live

pytestmark = pytest.mark.browser


def test_typing_a_question_offers_similar_ones_to_upvote(daphne_url: str, browser: Browser):
    session = SessionFactory(title="Digital spørgetime")
    PostFactory(session=session, body="Hvornår åbner svømmehallen igen?")
    PostFactory(session=session, body="Hvad koster den nye skole?")
    UserFactory(username="borger", first_name="Mette Borger")
    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")

    citizen.get_by_label("Your question").press_sequentially("Åbner svømmehallen snart?")

    similar = citizen.locator('[data-field="similar"]')
    expect(similar).to_be_visible()
    expect(similar.locator("li")).to_have_count(1)
    expect(similar).to_contain_text("Hvornår åbner svømmehallen igen?")


def test_a_merge_shows_live_with_the_replies_moved(daphne_url: str, browser: Browser):
    session = SessionFactory(title="Digital spørgetime")
    original = PostFactory(session=session, body="Hvornår åbner svømmehallen igen?")
    duplicate = PostFactory(session=session, body="Åbner svømmehallen snart?")
    ReplyFactory(parent=duplicate, body="Det vil jeg også gerne vide.")
    moderator = UserFactory(username="moderator")
    ModeratorFactory(municipality=session.municipality, user=moderator)
    UserFactory(username="borger", first_name="Mette Borger")
    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")

    # Through the server, whose socket relays the event (this process's channel layer is not its).
    response = requests.post(
        f"{daphne_url}/api/posts/{duplicate.pk}/merge/",
        json={"into": original.pk},
        headers={"Authorization": f"Token {api_token(moderator)}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text

    merged = citizen.locator(f"#post-{duplicate.pk}")
    expect(merged.locator('[data-field="merged"]')).to_be_visible()
    expect(merged.locator(".vote-button")).to_be_hidden()
    expect(citizen.locator(f"#post-{original.pk} .replies")).to_contain_text(
        "Det vil jeg også gerne vide."
    )
    assert never_reloaded(citizen)
