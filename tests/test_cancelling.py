"""Staff cancel a scheduled session: it stays in view as cancelled and takes no more posts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from sessions import services
from sessions.models import Event, Post, Session

from .factories import PostFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(mayor) -> Session:
    starts = timezone.now() + timedelta(days=2)
    return SessionFactory(
        title="Borgermøde om skolerne",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        politicians=[mayor],
    )


def test_staff_cancel_a_scheduled_session_and_viewers_hear_it(
    scheduled, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as broadcasts:
        services.cancel_session(session=scheduled, user=staff)

    scheduled.refresh_from_db()
    assert scheduled.cancelled_at is not None
    assert scheduled.status_at(timezone.now()) == "cancelled"
    event = Event.objects.get(session=scheduled)
    assert event.type == "session.updated"
    assert event.data["status"] == "cancelled"
    assert event.data["cancelled_at"] is not None
    assert len(broadcasts) == 1


def test_a_cancelled_session_stays_cancelled_when_its_time_comes(scheduled, staff):
    services.cancel_session(session=scheduled, user=staff)
    scheduled.refresh_from_db()
    during = scheduled.starts_at + timedelta(minutes=5)
    assert scheduled.status_at(during) == "cancelled"
    assert scheduled.accepts_posts_at(during) is False


def test_citizen_cannot_cancel(scheduled, citizen):
    with pytest.raises(PermissionDenied):
        services.cancel_session(session=scheduled, user=citizen)
    scheduled.refresh_from_db()
    assert scheduled.cancelled_at is None
    assert Event.objects.count() == 0


def test_a_live_session_cannot_be_cancelled(live_session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.cancel_session(session=live_session, user=staff)
    assert refusal.value.code == "not_scheduled"
    assert refusal.value.messages == [
        "Only a scheduled session can be cancelled; this one has already opened for "
        "questions. Close it instead."
    ]
    live_session.refresh_from_db()
    assert live_session.cancelled_at is None
    assert Event.objects.count() == 0


def test_a_collecting_session_cannot_be_cancelled(scheduled, staff):
    Session.objects.filter(pk=scheduled.pk).update(accepts_questions_early=True)
    scheduled.refresh_from_db()
    with pytest.raises(ValidationError) as refusal:
        services.cancel_session(session=scheduled, user=staff)
    assert refusal.value.code == "not_scheduled"


def test_cancelling_twice_is_refused(scheduled, staff):
    services.cancel_session(session=scheduled, user=staff)
    with pytest.raises(ValidationError) as refusal:
        services.cancel_session(session=scheduled, user=staff)
    assert refusal.value.messages == ["This session is already cancelled."]
    assert Event.objects.filter(session=scheduled).count() == 1


def test_a_cancelled_session_takes_no_questions_and_cannot_be_opened(scheduled, staff, citizen):
    services.cancel_session(session=scheduled, user=staff)
    with pytest.raises(ValidationError) as refusal:
        services.post_question(session=scheduled, author=citizen, body="Kommer I alligevel?")
    assert refusal.value.messages == ["This session was cancelled. New posts are not accepted."]
    with pytest.raises(ValidationError) as opening:
        services.open_session(session=scheduled, user=staff)
    assert opening.value.code == "session_cancelled"
    with pytest.raises(ValidationError):
        services.extend_session(session=scheduled, user=staff, minutes=15)
    assert Post.objects.count() == 0
    assert Event.objects.filter(session=scheduled).count() == 1


# By API -----------------------------------------------------------------------------------


def test_staff_cancel_through_the_api(api_client, scheduled, staff):
    api_client.force_authenticate(staff)
    response = api_client.post(f"/api/sessions/{scheduled.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert api_client.get(f"/api/sessions/{scheduled.pk}/").json()["status"] == "cancelled"
    listed = api_client.get("/api/sessions/?status=cancelled").json()["results"]
    assert [s["id"] for s in listed] == [scheduled.pk]
    assert api_client.get("/api/sessions/?status=scheduled").json()["results"] == []


def test_the_api_refuses_to_cancel_a_live_session_with_a_message(api_client, live_session, staff):
    api_client.force_authenticate(staff)
    response = api_client.post(f"/api/sessions/{live_session.pk}/cancel/")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only a scheduled session can be cancelled; this one has already opened for "
        "questions. Close it instead.",
        "code": "not_scheduled",
    }


def test_the_api_refuses_a_question_in_a_cancelled_session(api_client, scheduled, staff, citizen):
    services.cancel_session(session=scheduled, user=staff)
    api_client.force_authenticate(citizen)
    response = api_client.post(
        f"/api/sessions/{scheduled.pk}/questions/", {"body": "Hvorfor?"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "session_cancelled"


# Pages ------------------------------------------------------------------------------------


def test_staff_see_a_cancel_button_on_a_scheduled_session(client, scheduled, staff):
    client.force_login(staff)
    html = client.get(reverse("session", args=[scheduled.pk])).content.decode()
    assert "Cancel the session" in html
    assert "Yes, cancel this session for everyone" in html


def test_cancel_button_needs_the_confirmation(client, scheduled, staff):
    client.force_login(staff)
    response = client.post(
        reverse("session-control", args=[scheduled.pk]), {"action": "cancel"}, follow=True
    )
    assert "Tick the box to confirm that the session is cancelled." in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.cancelled_at is None


def test_staff_cancel_from_the_page_and_visitors_see_the_banner(client, scheduled, staff):
    client.force_login(staff)
    client.post(
        reverse("session-control", args=[scheduled.pk]), {"action": "cancel", "confirm": "yes"}
    )
    client.logout()

    html = client.get(reverse("session", args=[scheduled.pk])).content.decode()
    assert 'data-status="cancelled"' in html
    assert "This session has been cancelled. It will not take place." in html
    assert "to ask a question, reply and vote." in html  # the prompt is there, but hidden
    assert 'class="sign-in-prompt" hidden' in html


def test_home_page_keeps_a_cancelled_session_marked_cancelled(client, scheduled, staff):
    services.cancel_session(session=scheduled, user=staff)
    html = client.get(reverse("home")).content.decode()
    assert "Borgermøde om skolerne" in html
    card = html.split("Borgermøde om skolerne")[0].rsplit("<li", 1)[1]
    assert "cancelled" in card
    assert "Cancelled" in card


def test_a_cancelled_session_whose_time_came_is_in_the_archive_not_live(client, staff, mayor):
    soon = SessionFactory(
        title="Aflyst møde",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1),
    )
    services.cancel_session(session=soon, user=staff)
    Session.objects.filter(pk=soon.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(minutes=55),
    )
    PostFactory(session=SessionFactory(title="Live nu"))

    html = client.get(reverse("home")).content.decode()
    live_part, _, rest = html.partition('id="upcoming-heading"')
    assert "Live nu" in live_part
    assert "Aflyst møde" not in live_part
    assert "Aflyst møde" in rest.partition('id="archive-heading"')[2]


def test_the_presenter_view_shows_a_cancelled_session_as_cancelled(client, scheduled, staff):
    services.cancel_session(session=scheduled, user=staff)
    html = client.get(reverse("present", args=[scheduled.pk])).content.decode()
    assert 'data-field="status-label">Cancelled</span>' in html
