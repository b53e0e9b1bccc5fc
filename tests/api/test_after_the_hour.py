"""After the hour through the API: fates in the questions, written answers in the follow-up
period, the public record, and staff editing a session with PATCH."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions import events
from sessions.models import Event, Post, Session
from tests.factories import PostFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_follow_up(mayor) -> Session:
    starts = timezone.now() - timedelta(days=3)
    return SessionFactory(
        starts_at=starts, ends_at=starts + timedelta(hours=1), politicians=[mayor]
    )


@pytest.fixture
def long_closed(mayor) -> Session:
    starts = timezone.now() - timedelta(days=30)
    return SessionFactory(
        starts_at=starts, ends_at=starts + timedelta(hours=1), politicians=[mayor]
    )


def test_questions_carry_their_fate_and_the_session_its_follow_up_end(
    api_client, in_follow_up, long_closed
):
    PostFactory(session=in_follow_up, body="Venter")
    PostFactory(session=long_closed, body="For sent")

    waiting = api_client.get(f"/api/sessions/{in_follow_up.pk}/questions/").json()["results"]
    too_late = api_client.get(f"/api/sessions/{long_closed.pk}/questions/").json()["results"]
    session = api_client.get(f"/api/sessions/{in_follow_up.pk}/").json()

    assert [(q["fate"], q["answered_at"]) for q in waiting] == [("open", None)]
    assert [q["fate"] for q in too_late] == ["unanswered"]
    assert session["follow_up_until"] == (
        in_follow_up.ends_at + timedelta(days=14)
    ).isoformat().replace("+00:00", "Z")


def test_panel_answers_in_the_follow_up_and_the_event_carries_the_fate(
    api_client, in_follow_up, mayor_user
):
    question = PostFactory(session=in_follow_up, body="Hvornår?")
    api_client.force_authenticate(mayor_user)

    response = api_client.post(
        f"/api/posts/{question.pk}/replies/",
        {"body": "I maj.", "mark_answered": True},
        format="json",
    )

    assert response.status_code == 201
    updated = Event.objects.get(session=in_follow_up, type=events.POST_UPDATED)
    assert updated.data["fate"] == "answered_later"
    listed = api_client.get(f"/api/sessions/{in_follow_up.pk}/questions/").json()["results"]
    assert listed[0]["fate"] == "answered_later"
    assert listed[0]["replies"][0]["fate"] is None


def test_panel_answer_after_the_follow_up_is_a_400_and_nothing_changes(
    api_client, long_closed, mayor_user
):
    question = PostFactory(session=long_closed, body="Hvornår?")
    api_client.force_authenticate(mayor_user)

    response = api_client.post(
        f"/api/posts/{question.pk}/replies/",
        {"body": "For sent.", "mark_answered": True},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "follow_up_over"
    assert "The record is closed." in response.json()["detail"]
    assert Post.objects.count() == 1
    assert Event.objects.count() == 0


def test_anyone_reads_the_record(api_client, in_follow_up, mayor):
    PostFactory(session=in_follow_up, body="Hvad med vejene?")

    record = api_client.get(f"/api/sessions/{in_follow_up.pk}/record/").json()

    assert record["session"]["id"] == in_follow_up.pk
    assert record["session"]["panel"][0]["name"] == "Tomas Breddam"
    assert [q["body"] for q in record["questions"]] == ["Hvad med vejene?"]
    assert record["totals"]["open"] == 1
    assert record["tally"] == {"hidden": 0, "reasons": []}


def test_staff_patch_a_session_through_update_session(
    api_client, live_session, staff, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(staff)
    until = live_session.ends_at + timedelta(days=30)

    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        response = api_client.patch(
            f"/api/sessions/{live_session.pk}/",
            {"title": "Spørgetime om havnen", "follow_up_until": until.isoformat()},
            format="json",
        )

    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Spørgetime om havnen"
    live_session.refresh_from_db()
    assert (live_session.title, live_session.follow_up_until) == ("Spørgetime om havnen", until)
    event = Event.objects.get(session=live_session)
    assert event.type == events.SESSION_UPDATED
    assert event.data["title"] == "Spørgetime om havnen"
    assert len(broadcasts) == 1


def test_patch_changes_the_panel_only_when_sent(api_client, live_session, staff, mayor):
    api_client.force_authenticate(staff)

    api_client.patch(f"/api/sessions/{live_session.pk}/", {"title": "Ny"}, format="json")
    assert list(live_session.politicians.all()) == [mayor]

    response = api_client.patch(
        f"/api/sessions/{live_session.pk}/", {"politicians": []}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["panel"] == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            "follow_up_before_end",
            "follow_up_until",
            "Written answers must end after the session ends.",
        ),
        ("end_before_start", "ends_at", "The end must be after the start."),
        ("unknown", "non_field_errors", "Unknown fields: last_seq."),
    ],
)
def test_bad_patch_is_a_400_with_a_message_and_nothing_changes(
    api_client, live_session, staff, body, field, message
):
    bodies = {
        "follow_up_before_end": {
            "follow_up_until": (live_session.ends_at - timedelta(minutes=1)).isoformat()
        },
        "end_before_start": {"ends_at": (live_session.starts_at - timedelta(hours=1)).isoformat()},
        "unknown": {"last_seq": 99},
    }
    api_client.force_authenticate(staff)
    before = Session.objects.values().get(pk=live_session.pk)

    response = api_client.patch(f"/api/sessions/{live_session.pk}/", bodies[body], format="json")

    assert response.status_code == 400
    assert message in str(response.json())
    assert Session.objects.values().get(pk=live_session.pk) == before
    assert Event.objects.count() == 0


def test_citizen_cannot_patch_a_session(api_client, live_session, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.patch(f"/api/sessions/{live_session.pk}/", {"title": "X"}, format="json")

    assert response.status_code == 403
    live_session.refresh_from_db()
    assert live_session.title == "Digital spørgetime"
