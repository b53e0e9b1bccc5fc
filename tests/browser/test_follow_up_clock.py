"""The end of the follow-up period on an open page: the panel's written answers end on the
clock, without a reload (the questions' fates then come by post.updated: tests/live)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests.factories import PoliticianFactory, PostFactory, SessionFactory, UserFactory

from .pages import log_in, never_reloaded, open_live

pytestmark = pytest.mark.browser


def test_the_panels_answer_box_goes_when_the_follow_up_period_ends(
    daphne_url: str, browser: Browser
):
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    now = timezone.now()
    # Far enough ahead that a loaded machine opens the page in time.
    session = SessionFactory(
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
        follow_up_until=now + timedelta(seconds=15),
        politicians=[mayor],
    )
    PostFactory(session=session, body="Hvornår åbner svømmehallen?")
    page = log_in(browser, daphne_url, "borgmester")
    open_live(page, f"{daphne_url}/sessions/{session.pk}/")
    question = page.locator(".question", has_text="Hvornår åbner svømmehallen?")
    message = page.locator('[data-field="follow-up"]')
    expect(message).to_contain_text("The panel answers open questions in writing until")
    expect(question.locator(".answered-form")).to_be_visible()

    expect(message).to_contain_text("The panel's written answers ended on", timeout=30_000)
    expect(question.locator(".answered-form")).to_be_hidden()
    expect(question.locator('.reply-box[data-needs-open="false"]')).to_be_hidden()
    assert never_reloaded(page)
