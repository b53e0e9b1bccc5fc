"""Questions before the start: from questions_open_at the session is `collecting` (citizens ask
and upvote), then live at starts_at. Exact to the microsecond on both edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from sessions import services
from sessions.models import Event, Post, Session

from .factories import PostFactory, SessionFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
OPENS = START - timedelta(days=2)
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def session(mayor) -> Session:
    return SessionFactory(
        starts_at=START, ends_at=END, questions_open_at=OPENS, politicians=[mayor]
    )


def test_the_phases_follow_the_clock_to_the_microsecond(session):
    assert session.status_at(OPENS - MICROSECOND) == "scheduled"
    assert session.status_at(OPENS) == "collecting"
    assert session.status_at(START - MICROSECOND) == "collecting"
    assert session.status_at(START) == "live"
    assert session.status_at(END) == "closed"


def test_citizens_ask_and_upvote_while_collecting(session, citizen, other_citizen):
    question = services.post_question(session=session, author=citizen, body="Skolen?", now=OPENS)
    services.vote(question=question, user=other_citizen, now=START - MICROSECOND)

    question.refresh_from_db()
    assert (question.status, question.vote_count) == (Post.Status.PUBLISHED, 1)


def test_before_questions_open_a_question_is_refused_with_when_they_open(session, citizen):
    with pytest.raises(ValidationError) as refusal:
        services.post_question(
            session=session, author=citizen, body="For tidligt", now=OPENS - MICROSECOND
        )

    assert refusal.value.messages == [
        "This session has not started yet. It opens for questions at March 2, 2025, 18:00."
    ]
    assert Post.objects.count() == 0


def test_the_old_boolean_collects_from_the_moment_the_session_exists(mayor):
    early = SessionFactory(starts_at=START, ends_at=END, accepts_questions_early=True)

    assert early.status_at(START - timedelta(days=300)) == "collecting"


def test_questions_open_after_the_start_is_refused_and_nothing_changes(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.update_session(
            session=session, user=staff, questions_open_at=START + MICROSECOND, now=OPENS
        )

    assert refusal.value.message_dict == {
        "questions_open_at": ["Questions must open before the session starts."]
    }
    session.refresh_from_db()
    assert session.questions_open_at == OPENS
    assert Event.objects.count() == 0


def test_opening_a_collecting_session_now_makes_it_live(session, staff):
    services.open_session(session=session, user=staff, now=OPENS + timedelta(hours=1))

    session.refresh_from_db()
    assert session.status_at(OPENS + timedelta(hours=1)) == "live"


def test_opening_before_questions_open_moves_their_opening_with_the_start(session, staff):
    now = OPENS - timedelta(hours=1)

    services.open_session(session=session, user=staff, now=now)

    session.refresh_from_db()
    assert (session.starts_at, session.questions_open_at) == (now, now)


def test_the_api_says_collecting_and_filters_by_it(mayor):
    now = timezone.now()
    collecting = SessionFactory(
        title="Skolerne",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=1),
        questions_open_at=now - timedelta(hours=1),
    )
    SessionFactory(
        title="Senere", starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=1)
    )
    client = APIClient()

    one = client.get(f"/api/sessions/{collecting.pk}/").json()
    listed = client.get("/api/sessions/", {"status": "collecting"}).json()["results"]
    scheduled = client.get("/api/sessions/", {"status": "scheduled"}).json()["results"]

    assert one["status"] == "collecting"
    assert one["questions_open_at"] is not None
    assert [s["title"] for s in listed] == ["Skolerne"]
    assert [s["title"] for s in scheduled] == ["Senere"]


def test_staff_set_questions_open_at_through_patch(api_client, staff, mayor):
    now = timezone.now()
    session = SessionFactory(
        starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1)
    )
    api_client.force_authenticate(staff)

    response = api_client.patch(
        f"/api/sessions/{session.pk}/",
        {"questions_open_at": (now - timedelta(minutes=1)).isoformat()},
        format="json",
    )
    late = api_client.patch(
        f"/api/sessions/{session.pk}/",
        {"questions_open_at": (now + timedelta(days=2)).isoformat()},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "collecting"
    assert late.status_code == 400
    assert late.json() == {"questions_open_at": ["Questions must open before the session starts."]}


def test_the_page_shows_the_collecting_phase_with_the_ask_form(client, citizen):
    now = timezone.now()
    session = SessionFactory(
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=1),
        questions_open_at=now - timedelta(hours=1),
    )
    PostFactory(session=session, body="Hvad med skolen?")

    anonymous = client.get(f"/sessions/{session.pk}/").content.decode()
    client.force_login(citizen)
    signed_in = client.get(f"/sessions/{session.pk}/").content.decode()

    assert 'data-status="collecting"' in anonymous
    assert "Collecting questions</span>" in anonymous
    assert "Questions are open: ask and upvote now." in anonymous
    assert '<form method="post" action="/sessions/' in signed_in
    assert 'class="ask-form card" data-action="ask" >' in signed_in
