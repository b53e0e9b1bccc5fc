"""The "Remind me" button on the session page and the home page: a plain form (no JavaScript
needed), in Danish and English; refusals come back as a message and change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import NotificationSettings, Reminder, Session

from ..factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def upcoming(mayor) -> Session:
    starts = timezone.now() + timedelta(days=2)
    return SessionFactory(
        title="Trafik i midtbyen",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        politicians=[mayor],
    )


@pytest.fixture
def anna():
    return UserFactory(username="anna", email="anna@example.dk")


def forms_to(html: str, path: str) -> list[str]:
    return re.findall(rf'<form method="post" action="{re.escape(path)}".*?</form>', html, re.S)


def test_a_citizen_clicks_remind_me_and_takes_it_back(client, upcoming, anna):
    client.force_login(anna)
    path = f"/sessions/{upcoming.pk}/reminder/"

    page = client.get(f"/sessions/{upcoming.pk}/", **ENGLISH).content.decode()
    [form] = forms_to(page, path)
    assert 'name="action" value="remind"' in form
    assert '<button type="submit" data-field="remind-me">Remind me' in form
    assert "by e-mail, 30 minutes before the start" in form

    asked = client.post(path, {"action": "remind"}, follow=True, **ENGLISH)

    assert asked.redirect_chain == [(f"/sessions/{upcoming.pk}/", 302)]
    html = asked.content.decode()
    assert "Reminder set for “Trafik i midtbyen”. We will e-mail you 30 minutes before" in html
    assert list(Reminder.objects.values_list("user", "session")) == [(anna.pk, upcoming.pk)]
    assert NotificationSettings.objects.get(user=anna).language == "en"
    [form] = forms_to(html, path)
    assert 'name="action" value="forget"' in form
    assert "Take back the reminder" in form

    taken_back = client.post(path, {"action": "forget"}, follow=True, **ENGLISH)

    assert "Reminder taken back for “Trafik i midtbyen”." in taken_back.content.decode()
    assert Reminder.objects.count() == 0


def test_the_button_speaks_danish_to_a_danish_browser(client, upcoming, anna):
    client.force_login(anna)

    page = client.get(f"/sessions/{upcoming.pk}/", HTTP_ACCEPT_LANGUAGE="da").content.decode()

    assert "Påmind mig" in page
    assert "på e-mail, 30 minutter før starten" in page


def test_without_an_email_address_the_page_says_where_to_add_one(client, upcoming, citizen):
    client.force_login(citizen)
    path = f"/sessions/{upcoming.pk}/reminder/"

    page = client.get(f"/sessions/{upcoming.pk}/", **ENGLISH).content.decode()
    assert forms_to(page, path) == []
    assert "Add your e-mail address first</a>" in page

    refused = client.post(path, {"action": "remind"}, follow=True, **ENGLISH)
    assert "add your e-mail address on your notifications page first" in (refused.content.decode())
    assert Reminder.objects.count() == 0


def test_an_anonymous_visitor_is_asked_to_log_in(client, upcoming):
    page = client.get(f"/sessions/{upcoming.pk}/", **ENGLISH).content.decode()
    assert "Log in to get a reminder by e-mail" in page

    response = client.post(f"/sessions/{upcoming.pk}/reminder/", {"action": "remind"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Reminder.objects.count() == 0


def test_a_live_session_has_no_button_and_refuses_a_reminder(client, live_session, anna):
    client.force_login(anna)
    path = f"/sessions/{live_session.pk}/reminder/"

    page = client.get(f"/sessions/{live_session.pk}/", **ENGLISH).content.decode()
    assert re.search(r'<div class="reminder" data-show-when="scheduled collecting" hidden>', page)

    refused = client.post(path, {"action": "remind"}, follow=True, **ENGLISH)

    assert "This session has already started. Join it now instead." in refused.content.decode()
    assert Reminder.objects.count() == 0


def test_an_unknown_action_or_session_changes_nothing(client, upcoming, anna):
    client.force_login(anna)

    unknown = client.post(
        f"/sessions/{upcoming.pk}/reminder/", {"action": "shout"}, follow=True, **ENGLISH
    )
    missing = client.post("/sessions/999999/reminder/", {"action": "remind"})
    got = client.get(f"/sessions/{upcoming.pk}/reminder/")

    assert "Unknown action." in unknown.content.decode()
    assert (missing.status_code, got.status_code) == (404, 405)
    assert Reminder.objects.count() == 0


def test_the_home_page_has_the_button_beside_add_to_calendar(client, upcoming, anna):
    client.force_login(anna)
    path = f"/sessions/{upcoming.pk}/reminder/"

    home = client.get("/", **ENGLISH).content.decode()
    [form] = forms_to(home, path)
    assert '<input type="hidden" name="next" value="/">' in form
    assert 'Remind me<span class="visually-hidden">: Trafik i midtbyen</span>' in form

    asked = client.post(path, {"action": "remind", "next": "/"}, **ENGLISH)

    assert asked["Location"] == f"/#upcoming-{upcoming.pk}"
    home = client.get("/", **ENGLISH).content.decode()
    [form] = forms_to(home, path)
    assert 'value="forget"' in form


def test_the_home_page_offers_no_reminder_for_a_cancelled_session(client, upcoming, anna, staff):
    from sessions import services

    services.cancel_session(session=upcoming, user=staff)
    client.force_login(anna)

    home = client.get("/", **ENGLISH).content.decode()

    assert forms_to(home, f"/sessions/{upcoming.pk}/reminder/") == []


def test_the_signed_in_page_reads_the_reminder_with_the_other_facts(
    client, upcoming, anna, django_assert_max_num_queries, settings
):
    settings.TOWNHALL_PUBLISHED_SEQ_SECONDS = 600
    client.force_login(anna)
    client.get(f"/sessions/{upcoming.pk}/")
    Reminder.objects.create(user=anna, session=upcoming, created_at=timezone.now())

    # As tests/pages/test_signed_in_reads.py: the reminder comes with the reader's facts.
    with django_assert_max_num_queries(5):
        page = client.get(f"/sessions/{upcoming.pk}/", **ENGLISH)

    assert "Take back the reminder" in page.content.decode()
