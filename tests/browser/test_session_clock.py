"""The session follows the clock in the browser: countdown, opening and closing without a reload,
and staff controls that every viewer sees at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests.factories import PoliticianFactory, SessionFactory, UserFactory

from .pages import log_in, never_reloaded, open_live, visit

pytestmark = pytest.mark.browser


def test_scheduled_page_counts_down_and_opens_at_the_start(daphne_url: str, browser: Browser):
    UserFactory(username="borger")
    citizen = log_in(browser, daphne_url, "borger")
    # Scheduled just before the page opens, far enough ahead that a loaded machine opens it in time.
    starts = timezone.now() + timedelta(seconds=15)
    session = SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")

    expect(citizen.locator('[data-field="status-label"]')).to_have_text("Scheduled")
    expect(citizen.locator('[data-field="countdown"]')).to_have_text(
        re.compile(r"Starts in 0:[01]\d")
    )
    expect(citizen.get_by_text("This session has not started yet.")).to_be_visible()
    expect(citizen.get_by_label("Your question")).to_be_hidden()

    expect(citizen.locator('[data-field="status-label"]')).to_have_text("Live")
    expect(citizen.locator('[data-field="countdown"]')).to_have_text(re.compile(r"Ends in 59:"))
    expect(citizen.get_by_label("Your question")).to_be_visible()
    expect(citizen.get_by_text("This session has not started yet.")).to_be_hidden()

    citizen.get_by_label("Your question").fill("Nu er vi i gang?")
    citizen.get_by_role("button", name="Ask", exact=True).click()
    question = citizen.locator(".question", has_text="Nu er vi i gang?")
    expect(question.get_by_text("Reply", exact=True)).to_be_visible()
    assert never_reloaded(citizen)


def test_staff_close_early_and_every_viewer_sees_the_archive(daphne_url: str, browser: Browser):
    session = SessionFactory()
    UserFactory(username="borger")
    UserFactory(username="redaktor", is_staff=True)
    url = f"{daphne_url}/sessions/{session.pk}/"
    citizen = log_in(browser, daphne_url, "borger")
    staff = log_in(browser, daphne_url, "redaktor")
    open_live(citizen, url)
    open_live(staff, url)
    citizen.get_by_label("Your question").fill("Nåede jeg det?")

    staff.get_by_role("button", name="Close now").click()

    expect(citizen.locator('[data-field="status-label"]')).to_have_text("Closed")
    expect(
        citizen.get_by_text("This session has closed and is now a read-only archive.")
    ).to_be_visible()
    expect(citizen.get_by_label("Your question")).to_be_hidden()
    expect(staff.get_by_role("button", name="Close now")).to_be_hidden()
    assert never_reloaded(citizen)
    session.refresh_from_db()
    assert session.status_at(timezone.now()) == "closed"


def test_staff_extend_by_15_minutes_and_viewers_see_the_new_end(daphne_url: str, browser: Browser):
    session = SessionFactory()
    UserFactory(username="redaktor", is_staff=True)
    url = f"{daphne_url}/sessions/{session.pk}/"
    viewer = browser.new_context(locale="en-GB").new_page()
    staff = log_in(browser, daphne_url, "redaktor")
    open_live(viewer, url)
    open_live(staff, url)
    planned_end = session.ends_at
    end_before = viewer.locator('[data-field="ends-at"]').get_attribute("datetime")

    staff.get_by_role("button", name="Extend by 15 minutes").click()

    expect(viewer.locator('[data-field="ends-at"]')).not_to_have_attribute("datetime", end_before)
    # It ended 50 minutes after the session was made, now 65: over an hour left, however long a
    # loaded machine took to get here (up to five minutes).
    expect(viewer.locator('[data-field="countdown"]')).to_have_text(
        re.compile(r"Ends in 1:0[0-5]:")
    )
    session.refresh_from_db()
    assert session.ends_at == planned_end + timedelta(minutes=15)
    assert never_reloaded(viewer)


def test_closed_session_refuses_a_question_from_a_stale_page(daphne_url: str, browser: Browser):
    """The browser still shows the form; the server says no, and the page says why."""
    session = SessionFactory()
    UserFactory(username="borger")
    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")
    # Closed behind the page's back: no event, so the page still offers the form.
    session.ends_at = timezone.now() - timedelta(seconds=1)
    session.starts_at = session.ends_at - timedelta(hours=1)
    session.save()

    citizen.get_by_label("Your question").fill("Er der nogen?")
    citizen.get_by_role("button", name="Ask", exact=True).click()

    expect(citizen.locator(".ask-form .form-error")).to_contain_text("This session has closed")
    assert session.posts.count() == 0


def test_staff_edit_in_the_admin_reaches_viewers_live(daphne_url: str, browser: Browser):
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester")
    deputy = PoliticianFactory(name="Lene Madsen", role="Viceborgmester")
    session = SessionFactory(title="Digital spørgetime", politicians=[mayor])
    UserFactory(username="redaktor", is_staff=True, is_superuser=True)
    viewer = visit(browser)
    open_live(viewer, f"{daphne_url}/sessions/{session.pk}/")
    staff = log_in(browser, daphne_url, "redaktor")

    staff.goto(f"{daphne_url}/admin/townhall_sessions/session/{session.pk}/change/")
    staff.locator("#id_title").fill("Digital spørgetime med borgmesteren")
    staff.locator("#id_politicians_from").select_option(label=str(deputy))
    staff.locator("#id_politicians_add").click()
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")

    expect(viewer.locator("h1")).to_have_text("Digital spørgetime med borgmesteren")
    expect(viewer.locator(".panel-list")).to_contain_text("Lene Madsen")
    expect(viewer.locator(".panel-list")).to_contain_text("Tomas Breddam")
    assert never_reloaded(viewer)


def test_staff_cancel_a_scheduled_session_and_viewers_see_it_cancelled(
    daphne_url: str, browser: Browser
):
    starts = timezone.now() + timedelta(days=2)
    session = SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
    UserFactory(username="redaktor", is_staff=True)
    url = f"{daphne_url}/sessions/{session.pk}/"
    viewer = browser.new_context(locale="en-GB").new_page()
    staff = log_in(browser, daphne_url, "redaktor")
    open_live(viewer, url)
    open_live(staff, url)
    cancel = staff.get_by_role("button", name="Cancel the session")

    # Not without the confirmation: the browser holds the form back.
    cancel.click()
    expect(staff.locator("#confirm-cancel:invalid")).to_be_focused()
    session.refresh_from_db()
    assert session.cancelled_at is None
    staff.get_by_label("Yes, cancel this session for everyone").check()
    cancel.click()

    expect(viewer.locator('[data-field="status-label"]')).to_have_text("Cancelled")
    expect(
        viewer.get_by_text("This session has been cancelled. It will not take place.")
    ).to_be_visible()
    expect(viewer.locator('[data-field="countdown"]')).to_have_text("")
    expect(cancel).to_be_hidden()
    assert never_reloaded(viewer)
    session.refresh_from_db()
    assert session.status_at(timezone.now()) == "cancelled"
