"""POST/DELETE /api/sessions/{id}/reminder/: "Remind me" by API, with the page's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions.models import NotificationSettings, Reminder
from sessions.payloads import iso

from ..factories import SessionFactory, UserFactory, api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(mayor):
    starts = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    return SessionFactory(
        starts_at=starts, ends_at=starts + timedelta(hours=2), politicians=[mayor]
    )


@pytest.fixture
def anna():
    return UserFactory(username="anna", email="anna@example.dk")


def signed_in(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api_client


def test_a_citizen_asks_for_a_reminder_and_takes_it_back(api_client, upcoming, anna):
    client = signed_in(api_client, anna)
    path = f"/api/sessions/{upcoming.pk}/reminder/"
    remind_at = iso(upcoming.starts_at - timedelta(minutes=30))

    asked = client.post(path, HTTP_ACCEPT_LANGUAGE="da")
    again = client.post(path)

    assert asked.status_code == again.status_code == 200
    assert asked.json() == {"session": upcoming.pk, "reminded": True, "remind_at": remind_at}
    assert Reminder.objects.filter(user=anna, session=upcoming).count() == 1
    assert NotificationSettings.objects.get(user=anna).language == "da"

    taken_back = client.delete(path)

    assert taken_back.status_code == 200
    assert taken_back.json() == {"session": upcoming.pk, "reminded": False, "remind_at": remind_at}
    assert Reminder.objects.count() == 0


def test_anonymous_is_401_and_an_unknown_session_404(api_client, upcoming, anna):
    anonymous = api_client.post(f"/api/sessions/{upcoming.pk}/reminder/")
    unknown = signed_in(api_client, anna).post("/api/sessions/999999/reminder/")

    assert (anonymous.status_code, unknown.status_code) == (401, 404)
    assert Reminder.objects.count() == 0


def test_a_started_session_or_a_missing_address_is_a_400_with_a_message(
    api_client, live_session, upcoming, citizen, anna
):
    started = signed_in(api_client, anna).post(f"/api/sessions/{live_session.pk}/reminder/")
    no_address = signed_in(api_client, citizen).post(f"/api/sessions/{upcoming.pk}/reminder/")

    assert started.status_code == 400
    assert "This session has already started. Join it now instead." in str(started.json())
    assert no_address.status_code == 400
    assert "add your e-mail address on your notifications page first" in str(no_address.json())
    assert Reminder.objects.count() == 0
