"""After the hour: every question's fate, and the panel's written answers until follow_up_until.

The session runs 18:00 to 19:00; written answers run 14 days after the end unless staff set
another date. Every service takes `now=`, so each edge is hit to the microsecond.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sessions import events, services
from sessions.models import Event, Post, Session
from sessions.payloads import post_payload
from sessions.reports import session_report

from .factories import PostFactory, SessionFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
DURING = START + timedelta(minutes=20)
NEXT_WEEK = END + timedelta(days=7)
FOLLOW_UP_ENDS = END + timedelta(days=14)
MICROSECOND = timedelta(microseconds=1)

FOLLOW_UP_OVER = (
    "The panel's written answers for this session ended on March 18, 2025. The record is closed."
)


@pytest.fixture
def session(mayor) -> Session:
    return SessionFactory(starts_at=START, ends_at=END, politicians=[mayor])


@pytest.fixture
def question(session, citizen) -> Post:
    return PostFactory(
        session=session, author=citizen, body="Hvornår åbner svømmehallen?", created_at=DURING
    )


def fate(question: Post, now: datetime) -> str | None:
    question.refresh_from_db()
    return question.fate_at(now)


def test_follow_up_runs_fourteen_days_after_the_end_unless_staff_set_it(session):
    assert session.follow_up_ends_at == FOLLOW_UP_ENDS

    session.follow_up_until = END + timedelta(days=30)

    assert session.follow_up_ends_at == END + timedelta(days=30)


def test_an_open_question_stays_open_until_the_follow_up_period_is_over(question):
    assert fate(question, DURING) == "open"
    assert fate(question, END) == "open"
    assert fate(question, FOLLOW_UP_ENDS - MICROSECOND) == "open"
    assert fate(question, FOLLOW_UP_ENDS) == "unanswered"


def test_a_question_answered_while_live_is_answered_live(question, mayor_user):
    services.answer_question(question=question, author=mayor_user, body="Til juni.", now=END)

    assert fate(question, END) == "answered_live"
    assert fate(question, FOLLOW_UP_ENDS + timedelta(days=100)) == "answered_live"


def test_panel_answers_in_writing_after_the_end_and_the_fate_says_afterwards(
    question, mayor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.answer_question(
            question=question, author=mayor_user, body="Svømmehallen åbner 1. juni.", now=NEXT_WEEK
        )

    question.refresh_from_db()
    assert answer.politician is not None
    assert (question.is_answered, question.answered_at) == (True, NEXT_WEEK)
    assert question.fate_at(NEXT_WEEK) == "answered_later"
    updated = Event.objects.get(type=events.POST_UPDATED)
    assert updated.data["fate"] == "answered_later"
    assert updated.data["answered_at"] == "2025-03-11T18:00:00Z"
    assert updated.data == post_payload(question, NEXT_WEEK)


def test_panel_answer_on_the_last_moment_of_the_follow_up_is_taken(question, mayor_user):
    services.answer_question(
        question=question, author=mayor_user, body="Svar.", now=FOLLOW_UP_ENDS - MICROSECOND
    )

    assert fate(question, FOLLOW_UP_ENDS) == "answered_later"


def test_panel_answer_after_the_follow_up_period_is_refused_and_nothing_changes(
    question, mayor_user
):
    with pytest.raises(ValidationError) as refusal:
        services.answer_question(
            question=question, author=mayor_user, body="For sent.", now=FOLLOW_UP_ENDS
        )

    assert refusal.value.messages == [FOLLOW_UP_OVER]
    assert refusal.value.code == "follow_up_over"
    assert Post.objects.count() == 1
    assert Event.objects.count() == 0
    assert fate(question, FOLLOW_UP_ENDS) == "unanswered"


def test_marking_answered_after_the_follow_up_period_is_refused(question, mayor_user, staff):
    for user in (mayor_user, staff):
        with pytest.raises(ValidationError) as refusal:
            services.mark_answered(question=question, user=user, now=FOLLOW_UP_ENDS)
        assert refusal.value.messages == [FOLLOW_UP_OVER]

    assert fate(question, FOLLOW_UP_ENDS) == "unanswered"
    assert Event.objects.count() == 0


def test_follow_up_answer_by_someone_not_on_the_panel_is_refused(question, other_citizen):
    with pytest.raises(PermissionDenied):
        services.answer_question(question=question, author=other_citizen, body="Ja", now=NEXT_WEEK)
    with pytest.raises(ValidationError) as closed:
        services.post_reply(post=question, author=other_citizen, body="Ja", now=NEXT_WEEK)

    assert closed.value.code == "session_closed"
    assert Post.objects.count() == 1


def test_staff_set_follow_up_until_and_it_moves_the_deadline(session, question, staff, mayor_user):
    services.update_session(
        session=session, user=staff, follow_up_until=END + timedelta(days=2), now=DURING
    )

    with pytest.raises(ValidationError):
        services.answer_question(
            question=question, author=mayor_user, body="Svar", now=END + timedelta(days=2)
        )
    assert fate(question, END + timedelta(days=2)) == "unanswered"


def test_follow_up_until_before_the_end_is_refused_and_nothing_changes(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.update_session(
            session=session, user=staff, follow_up_until=END - MICROSECOND, now=DURING
        )

    assert refusal.value.message_dict == {
        "follow_up_until": ["Written answers must end after the session ends."]
    }
    session.refresh_from_db()
    assert session.follow_up_until is None
    assert Event.objects.count() == 0


def test_follow_up_until_on_the_end_itself_is_allowed(session, staff):
    services.update_session(session=session, user=staff, follow_up_until=END, now=DURING)

    session.refresh_from_db()
    assert session.follow_up_ends_at == END
    event = Event.objects.get()
    assert event.type == events.SESSION_UPDATED
    assert event.data["follow_up_until"] == "2025-03-04T18:00:00Z"


def test_extending_past_a_set_follow_up_falls_back_to_the_default(session, staff):
    services.update_session(session=session, user=staff, follow_up_until=END, now=DURING)

    services.extend_session(session=session, user=staff, minutes=30, now=DURING)

    session.refresh_from_db()
    assert session.follow_up_until is None
    assert session.follow_up_ends_at == END + timedelta(minutes=30, days=14)


def test_the_report_counts_fates_as_the_questions_show_them(session, question, mayor_user):
    live = PostFactory(session=session, created_at=DURING)
    services.answer_question(question=live, author=mayor_user, body="Nu.", now=DURING)
    services.answer_question(question=question, author=mayor_user, body="Senere.", now=NEXT_WEEK)
    PostFactory(session=session, created_at=DURING)

    totals = session_report(session)["totals"]

    assert (
        totals["questions_answered_live"],
        totals["questions_answered_afterwards"],
        totals["questions_not_answered"],
    ) == (1, 1, 1)
