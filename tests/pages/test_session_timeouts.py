"""Login sessions end when left unused, and some hours after signing in however busy: sooner for
staff and moderators than for citizens. The clock is moved, never waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.two_factor import app_code, enrolled_app

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-123"


def signed_in(username: str) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = browser.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def signed_in_staff(staff) -> Client:
    browser = signed_in(staff.username)
    browser.post("/accounts/two-factor/", {"code": app_code(enrolled_app(staff))})
    assert browser.get("/admin/").status_code == 200
    return browser


def test_staff_left_idle_past_the_limit_must_sign_in_again(staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        browser = signed_in_staff(staff)
        clock.move_to(start + timedelta(minutes=31))

        response = browser.get("/admin/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/admin/"
        page = browser.get("/", follow=True)
        assert "Your session has expired. Sign in again." in page.content.decode()
        assert "Signed in as" not in page.content.decode()


def test_staff_using_the_site_stay_signed_in_past_the_idle_limit(staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        browser = signed_in_staff(staff)
        for minutes in (20, 40, 60):
            clock.move_to(start + timedelta(minutes=minutes))
            assert browser.get("/admin/").status_code == 200


def test_staff_are_signed_out_after_the_absolute_limit_however_busy(staff, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        browser = signed_in_staff(staff)
        for minutes in range(20, 12 * 60, 20):
            clock.move_to(start + timedelta(minutes=minutes))
            assert browser.get("/admin/").status_code == 200
        clock.move_to(start + timedelta(hours=12, minutes=1))

        assert browser.get("/admin/").status_code == 302


def test_a_citizen_stays_signed_in_through_a_quiet_afternoon_but_not_overnight(citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        browser = signed_in("anna")
        clock.move_to(start + timedelta(hours=3))
        assert "Signed in as" in browser.get("/").content.decode()

        clock.move_to(start + timedelta(hours=3 + 12, minutes=1))
        assert "Signed in as" not in browser.get("/").content.decode()


def test_an_expired_session_gets_401_from_the_api(staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        browser = signed_in_staff(staff)
        clock.move_to(start + timedelta(minutes=31))

        response = browser.get("/api/sessions/")

        assert response.status_code == 401
        assert response.json() == {
            "detail": "Your session has expired. Sign in again.",
            "code": "session_expired",
        }
