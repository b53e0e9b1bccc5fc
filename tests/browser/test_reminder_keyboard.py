""" "Remind me" with the keyboard alone, in a real browser, and taken back the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from sessions.models import Reminder
from tests.factories import SessionFactory, UserFactory

from .test_keyboard import open_session, sign_in_by_keyboard, tab_to

pytestmark = pytest.mark.browser


def test_a_citizen_asks_for_a_reminder_and_takes_it_back_without_a_mouse(
    daphne_url: str, browser: Browser
):
    starts = timezone.now() + timedelta(days=2)
    session = SessionFactory(
        title="Trafik i midtbyen", starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    anna = UserFactory(username="borger", first_name="Anna Borger", email="anna@example.dk")

    page = sign_in_by_keyboard(browser, daphne_url, "borger")
    open_session(page, f"{daphne_url}/sessions/{session.pk}/")
    tab_to(page, page.get_by_role("button", name="Remind me"))
    page.keyboard.press("Enter")

    expect(page.get_by_text("Reminder set for “Trafik i midtbyen”.")).to_be_visible()
    assert list(Reminder.objects.values_list("user", "session")) == [(anna.pk, session.pk)]

    open_session(page, page.url)
    tab_to(page, page.get_by_role("button", name="Take back the reminder"))
    page.keyboard.press("Enter")

    expect(page.get_by_text("Reminder taken back for “Trafik i midtbyen”.")).to_be_visible()
    expect(page.get_by_role("button", name="Remind me")).to_be_visible()
    assert Reminder.objects.count() == 0
