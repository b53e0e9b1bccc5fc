"""The write path: who may do what, when, with which text, and what each change broadcasts.

Every service takes `now=`, so the boundaries of starts_at and ends_at are hit to the microsecond.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from sessions import events, services
from sessions.models import Event, Post, Session, Vote
from sessions.payloads import post_payload, question_payload, session_payload

from .factories import (
    MunicipalityFactory,
    PoliticianFactory,
    PostFactory,
    ReplyFactory,
    SessionFactory,
    UserFactory,
)
from .waiting import WAIT_SECONDS

pytestmark = pytest.mark.django_db

# 18:00 to 19:00 in Copenhagen.
START = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
DURING = START + timedelta(minutes=20)
AFTER = END + timedelta(hours=2)
BEFORE = START - timedelta(days=1)
MICROSECOND = timedelta(microseconds=1)

NOT_STARTED = "This session has not started yet. It opens for questions at March 4, 2025, 18:00."
CLOSED = "This session has closed and is now a read-only archive. New posts are not accepted."


class RollBack(Exception):
    """Raised in a test to roll a transaction back after a service call."""


@pytest.fixture
def session(mayor) -> Session:
    """Digital spørgetime, 18:00 to 19:00, with the mayor on the panel."""
    return SessionFactory(starts_at=START, ends_at=END, politicians=[mayor])


@pytest.fixture
def question(session, other_citizen) -> Post:
    return PostFactory(
        session=session, author=other_citizen, body="Hvornår åbner svømmehallen?", created_at=DURING
    )


@pytest.fixture
def council_member_off_panel():
    """A politician of the same municipality, with an account, who is not on this panel."""
    return PoliticianFactory(
        name="Karen Holm", role="Byrådsmedlem", user=UserFactory(username="karen")
    )


def what_is_stored() -> dict[str, int]:
    return {
        "posts": Post.objects.count(),
        "votes": Vote.objects.count(),
        "events": Event.objects.count(),
    }


def logged_events(session: Session) -> list[tuple[int, str]]:
    return list(Event.objects.filter(session=session).order_by("seq").values_list("seq", "type"))


# The session's clock --------------------------------------------------------------------------


def test_citizen_cannot_ask_one_microsecond_before_session_starts(session, citizen):
    with pytest.raises(ValidationError) as refusal:
        services.post_question(
            session=session, author=citizen, body="Må jeg spørge nu?", now=START - MICROSECOND
        )

    assert refusal.value.messages == [NOT_STARTED]
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


def test_citizen_can_ask_at_the_exact_start(session, citizen):
    question = services.post_question(
        session=session, author=citizen, body="Første spørgsmål!", now=START
    )

    assert question.created_at == START
    assert Post.objects.get().body == "Første spørgsmål!"


def test_citizen_can_ask_one_microsecond_before_session_ends(session, citizen):
    question = services.post_question(
        session=session, author=citizen, body="Sidste spørgsmål?", now=END - MICROSECOND
    )

    assert question.created_at == END - MICROSECOND
    assert Post.objects.count() == 1


def test_citizen_cannot_ask_at_the_exact_end(session, citizen):
    with pytest.raises(ValidationError) as refusal:
        services.post_question(session=session, author=citizen, body="For sent?", now=END)

    assert refusal.value.messages == [CLOSED]
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


def test_session_accepting_questions_early_takes_a_question_before_start(mayor, citizen):
    session = SessionFactory(
        starts_at=START, ends_at=END, politicians=[mayor], accepts_questions_early=True
    )

    question = services.post_question(
        session=session, author=citizen, body="Et spørgsmål i god tid.", now=BEFORE
    )

    assert question.created_at == BEFORE
    assert Post.objects.count() == 1


def test_session_accepting_questions_early_still_closes_at_the_end(mayor, citizen):
    session = SessionFactory(
        starts_at=START, ends_at=END, politicians=[mayor], accepts_questions_early=True
    )

    with pytest.raises(ValidationError) as refusal:
        services.post_question(session=session, author=citizen, body="For sent?", now=END)

    assert refusal.value.messages == [CLOSED]
    assert Post.objects.count() == 0


def test_politician_on_panel_can_answer_after_session_closes(question, mayor, mayor_user):
    reply = services.answer_question(
        question=question, author=mayor_user, body="Til sommer.", now=AFTER
    )

    question.refresh_from_db()
    assert reply.parent == question
    assert reply.politician == mayor
    assert reply.created_at == AFTER
    assert question.is_answered is True
    assert question.answered_at == AFTER


def test_citizen_cannot_reply_after_session_closes(question, citizen):
    before = what_is_stored()

    with pytest.raises(ValidationError) as refusal:
        services.post_reply(post=question, author=citizen, body="Enig!", now=AFTER)

    assert refusal.value.messages == [CLOSED]
    assert what_is_stored() == before


def test_citizen_cannot_vote_after_session_closes(question, citizen):
    with pytest.raises(ValidationError) as refusal:
        services.vote(question=question, user=citizen, now=END)

    question.refresh_from_db()
    assert refusal.value.messages == [CLOSED]
    assert question.vote_count == 0
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


# Asking, replying, voting ---------------------------------------------------------------------


def test_question_is_stored_trimmed_and_broadcast_as_question_created(
    session, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        question = services.post_question(
            session=session, author=citizen, body="  Hvad koster en ny skole? 🏫 \n", now=DURING
        )

    event = Event.objects.get()
    assert question.body == "Hvad koster en ny skole? 🏫"
    assert question.author == citizen
    assert question.politician is None
    assert question.status == Post.Status.PUBLISHED
    assert (event.session, event.seq, event.type) == (session, 1, events.QUESTION_CREATED)
    assert event.data == question_payload(question, [], DURING)
    assert event.data["author"] == "Anna Jensen"
    assert len(broadcasts) == 1


def test_broadcast_reaches_the_session_group_on_the_channel_layer(
    session, citizen, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.group_name(session.pk), channel)

    with django_capture_on_commit_callbacks(execute=True):
        services.post_question(session=session, author=citizen, body="Hej byråd", now=DURING)

    async def receive_one() -> dict:
        return await asyncio.wait_for(layer.receive(channel), timeout=WAIT_SECONDS)

    message = async_to_sync(receive_one)()
    assert message["type"] == "session.event"
    assert message["seq"] == 1
    # PostgreSQL's jsonb reorders keys, so compare what the text says, not its bytes.
    assert json.loads(message["text"]) == json.loads(events.encode(Event.objects.get()))


def test_politician_on_panel_replies_with_verified_badge(
    question, mayor, mayor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        reply = services.post_reply(
            post=question, author=mayor_user, body="Godt spørgsmål.", now=DURING
        )

    question.refresh_from_db()
    event = Event.objects.get()
    assert reply.politician == mayor
    assert question.is_answered is False
    assert (event.seq, event.type, event.data) == (1, events.REPLY_CREATED, post_payload(reply))
    assert event.data["politician"]["role"] == "Borgmester"
    assert len(broadcasts) == 1


def test_reply_to_a_reply_joins_the_question_thread(question, citizen):
    first_reply = ReplyFactory(parent=question, created_at=DURING)

    reply = services.post_reply(post=first_reply, author=citizen, body="Også mig.", now=DURING)

    assert reply.parent == question


def test_answer_marks_question_answered_and_broadcasts_reply_then_update(
    question, mayor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        reply = services.answer_question(
            question=question, author=mayor_user, body="Den 1. juni.", now=DURING
        )

    question.refresh_from_db()
    assert question.is_answered is True
    assert question.answered_at == DURING
    assert logged_events(question.session) == [
        (1, events.REPLY_CREATED),
        (2, events.POST_UPDATED),
    ]
    assert Event.objects.get(seq=1).data == post_payload(reply)
    assert Event.objects.get(seq=2).data == post_payload(question)
    assert len(broadcasts) == 2


def test_staff_can_mark_question_answered(question, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        services.mark_answered(question=question, user=staff, now=DURING)

    question.refresh_from_db()
    assert question.is_answered is True
    assert logged_events(question.session) == [(1, events.POST_UPDATED)]
    assert Event.objects.get().data["is_answered"] is True
    assert len(broadcasts) == 1


def test_marking_an_answered_question_answered_again_records_nothing(question, staff):
    services.mark_answered(question=question, user=staff, now=DURING)

    services.mark_answered(question=question, user=staff, now=DURING)

    assert logged_events(question.session) == [(1, events.POST_UPDATED)]


def test_politician_can_mark_question_unanswered_again(question, mayor_user):
    services.mark_answered(question=question, user=mayor_user, now=DURING)

    services.mark_answered(question=question, user=mayor_user, answered=False, now=DURING)

    question.refresh_from_db()
    assert question.is_answered is False
    assert question.answered_at is None
    assert logged_events(question.session) == [(1, events.POST_UPDATED), (2, events.POST_UPDATED)]


def test_citizen_upvotes_a_question_and_the_count_is_broadcast(
    question, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        voted = services.vote(question=question, user=citizen, now=DURING)

    event = Event.objects.get()
    assert voted.vote_count == 1
    assert Vote.objects.get().user == citizen
    assert (event.type, event.data) == (events.VOTE_CHANGED, {"post": question.pk, "vote_count": 1})
    assert len(broadcasts) == 1


def test_citizen_takes_a_vote_back(question, citizen):
    services.vote(question=question, user=citizen, now=DURING)

    unvoted = services.unvote(question=question, user=citizen, now=DURING)

    assert unvoted.vote_count == 0
    assert Vote.objects.count() == 0
    assert Event.objects.get(seq=2).data == {"post": question.pk, "vote_count": 0}


# Who may do what ------------------------------------------------------------------------------


def test_anonymous_visitor_cannot_ask_a_question(session, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as broadcasts,
        pytest.raises(PermissionDenied) as refusal,
    ):
        services.post_question(session=session, author=AnonymousUser(), body="Hej", now=DURING)

    assert str(refusal.value) == "Sign in to ask a question."
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}
    assert broadcasts == []


def test_anonymous_visitor_cannot_reply(question):
    with pytest.raises(PermissionDenied) as refusal:
        services.post_reply(post=question, author=AnonymousUser(), body="Hej", now=DURING)

    assert str(refusal.value) == "Sign in to reply."
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_anonymous_visitor_cannot_vote(question):
    with pytest.raises(PermissionDenied) as refusal:
        services.vote(question=question, user=AnonymousUser(), now=DURING)

    assert str(refusal.value) == "Sign in to vote."
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_citizen_cannot_answer_a_question(question, citizen, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as broadcasts,
        pytest.raises(PermissionDenied) as refusal,
    ):
        services.answer_question(
            question=question, author=citizen, body="Jeg svarer bare.", now=DURING
        )

    question.refresh_from_db()
    assert str(refusal.value) == "Only a politician on this session's panel can answer."
    assert question.is_answered is False
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}
    assert broadcasts == []


def test_citizen_cannot_mark_a_question_answered(question, citizen):
    with pytest.raises(PermissionDenied) as refusal:
        services.mark_answered(question=question, user=citizen, now=DURING)

    question.refresh_from_db()
    assert str(refusal.value) == (
        "Only a politician on this session's panel or staff can mark questions answered."
    )
    assert question.is_answered is False
    assert Event.objects.count() == 0


def test_politician_not_on_panel_replies_without_badge(question, council_member_off_panel):
    reply = services.post_reply(
        post=question, author=council_member_off_panel.user, body="Jeg mener ...", now=DURING
    )

    assert reply.politician is None
    assert Event.objects.get().data["politician"] is None


def test_politician_not_on_panel_cannot_answer(question, council_member_off_panel):
    with pytest.raises(PermissionDenied) as refusal:
        services.answer_question(
            question=question, author=council_member_off_panel.user, body="Svar", now=DURING
        )

    question.refresh_from_db()
    assert str(refusal.value) == "Only a politician on this session's panel can answer."
    assert question.is_answered is False
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_politician_not_on_panel_cannot_answer_after_close_either(
    question, council_member_off_panel
):
    with pytest.raises(PermissionDenied):
        services.answer_question(
            question=question, author=council_member_off_panel.user, body="Svar", now=AFTER
        )

    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_citizen_cannot_create_a_session(citizen):
    with pytest.raises(PermissionDenied) as refusal:
        services.create_session(
            user=citizen,
            municipality=MunicipalityFactory(),
            title="Min egen spørgetime",
            starts_at=START,
            ends_at=END,
        )

    assert str(refusal.value) == "Only staff can do that."
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    ("change_clock", "arguments"),
    [
        (services.open_session, {"now": BEFORE}),
        (services.extend_session, {"minutes": 30, "now": DURING}),
        (services.close_session, {"now": DURING}),
    ],
    ids=["open", "extend", "close"],
)
def test_citizen_cannot_open_extend_or_close_a_session(session, citizen, change_clock, arguments):
    with pytest.raises(PermissionDenied) as refusal:
        change_clock(session=session, user=citizen, **arguments)

    session.refresh_from_db()
    assert str(refusal.value) == "Only staff can do that."
    assert (session.starts_at, session.ends_at) == (START, END)
    assert Event.objects.count() == 0


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n\t  "], ids=["empty", "whitespace"])
def test_question_without_text_is_refused(session, citizen, body):
    with pytest.raises(ValidationError) as refusal:
        services.post_question(session=session, author=citizen, body=body, now=DURING)

    assert refusal.value.message_dict == {"body": ["Write something before you send it."]}
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


def test_question_of_2001_characters_is_refused(session, citizen):
    with pytest.raises(ValidationError) as refusal:
        services.post_question(session=session, author=citizen, body="æ" * 2001, now=DURING)

    assert refusal.value.message_dict == {
        "body": ["Keep it to 2000 characters; this text has 2001."]
    }
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


def test_question_of_exactly_2000_characters_is_accepted(session, citizen):
    question = services.post_question(session=session, author=citizen, body="æ" * 2000, now=DURING)

    assert len(question.body) == 2000


def test_length_limit_counts_the_trimmed_text(session, citizen):
    question = services.post_question(
        session=session, author=citizen, body="  " + "ø" * 2000 + "  ", now=DURING
    )

    assert len(question.body) == 2000


@pytest.mark.parametrize("body", [None, 42, ["Hej"], {"body": "Hej"}])
def test_question_body_that_is_not_text_is_refused(session, citizen, body):
    with pytest.raises(ValidationError) as refusal:
        services.post_question(session=session, author=citizen, body=body, now=DURING)

    assert refusal.value.message_dict == {"body": ["Write your text as a string."]}
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


def test_reply_to_a_hidden_question_is_refused(session, citizen):
    hidden = PostFactory(session=session, status=Post.Status.HIDDEN, created_at=DURING)

    with pytest.raises(ValidationError) as refusal:
        services.post_reply(post=hidden, author=citizen, body="Hvor blev den af?", now=DURING)

    assert refusal.value.messages == ["That post is no longer available."]
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_reply_to_a_reply_under_a_hidden_question_is_refused(session, citizen):
    hidden = PostFactory(session=session, status=Post.Status.HIDDEN, created_at=DURING)
    reply = ReplyFactory(parent=hidden, created_at=DURING)

    with pytest.raises(ValidationError) as refusal:
        services.post_reply(post=reply, author=citizen, body="Også mig.", now=DURING)

    assert refusal.value.messages == ["That post is no longer available."]
    assert Post.objects.count() == 2


def test_citizen_cannot_vote_twice(question, citizen, django_capture_on_commit_callbacks):
    services.vote(question=question, user=citizen, now=DURING)

    with (
        django_capture_on_commit_callbacks(execute=True) as broadcasts,
        pytest.raises(ValidationError) as refusal,
    ):
        services.vote(question=question, user=citizen, now=DURING)

    question.refresh_from_db()
    assert refusal.value.messages == ["You have already voted for this question."]
    assert question.vote_count == 1
    assert what_is_stored() == {"posts": 1, "votes": 1, "events": 1}
    assert broadcasts == []


def test_citizen_cannot_take_back_a_vote_never_given(question, citizen):
    with pytest.raises(ValidationError) as refusal:
        services.unvote(question=question, user=citizen, now=DURING)

    question.refresh_from_db()
    assert refusal.value.messages == ["You have not voted for this question."]
    assert question.vote_count == 0
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_replies_cannot_be_upvoted(question, citizen):
    reply = ReplyFactory(parent=question, created_at=DURING)

    with pytest.raises(ValidationError) as refusal:
        services.vote(question=reply, user=citizen, now=DURING)

    reply.refresh_from_db()
    assert refusal.value.messages == ["Only questions can be upvoted."]
    assert reply.vote_count == 0
    assert what_is_stored() == {"posts": 2, "votes": 0, "events": 0}


def test_hidden_question_cannot_be_upvoted(session, citizen):
    hidden = PostFactory(session=session, status=Post.Status.HIDDEN, created_at=DURING)

    with pytest.raises(ValidationError) as refusal:
        services.vote(question=hidden, user=citizen, now=DURING)

    assert refusal.value.messages == ["That post is no longer available."]
    assert Vote.objects.count() == 0


def test_reply_cannot_be_marked_answered(question, staff):
    reply = ReplyFactory(parent=question, created_at=DURING)

    with pytest.raises(ValidationError) as refusal:
        services.mark_answered(question=reply, user=staff, now=DURING)

    reply.refresh_from_db()
    assert refusal.value.messages == ["Only a question can be marked answered."]
    assert reply.is_answered is False


# Opening, extending, closing ------------------------------------------------------------------


def test_staff_opens_a_scheduled_session_early(session, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        opened = services.open_session(session=session, user=staff, now=BEFORE)

    session.refresh_from_db()
    event = Event.objects.get()
    assert (session.starts_at, session.ends_at) == (BEFORE, END)
    assert session.status_at(BEFORE) == Session.Status.LIVE
    assert (event.seq, event.type) == (1, events.SESSION_UPDATED)
    assert event.data == session_payload(opened, BEFORE)
    assert event.data["status"] == "live"
    assert len(broadcasts) == 1


def test_opened_session_takes_questions_at_once(session, staff, citizen):
    services.open_session(session=session, user=staff, now=BEFORE)

    question = services.post_question(session=session, author=citizen, body="Nu?", now=BEFORE)

    assert question.created_at == BEFORE


def test_staff_cannot_open_a_live_session(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.open_session(session=session, user=staff, now=DURING)

    session.refresh_from_db()
    assert refusal.value.messages == ["This session is already live."]
    assert (session.starts_at, session.ends_at) == (START, END)
    assert Event.objects.count() == 0


def test_staff_cannot_open_a_closed_session(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.open_session(session=session, user=staff, now=AFTER)

    assert refusal.value.messages == ["This session has closed. Extend it to open it again."]
    assert Event.objects.count() == 0


def test_staff_extends_a_live_session_by_minutes(session, staff):
    extended = services.extend_session(session=session, user=staff, minutes=30, now=DURING)

    session.refresh_from_db()
    event = Event.objects.get()
    assert session.ends_at == END + timedelta(minutes=30)
    assert (event.type, event.data["status"]) == (events.SESSION_UPDATED, "live")
    assert event.data["ends_at"] == "2025-03-04T18:30:00Z"
    assert extended.last_seq == 1


def test_staff_extends_a_session_to_a_given_time(session, staff):
    new_end = END + timedelta(minutes=45)

    services.extend_session(session=session, user=staff, until=new_end, now=DURING)

    session.refresh_from_db()
    assert session.ends_at == new_end
    assert Event.objects.get().data["ends_at"] == "2025-03-04T18:45:00Z"


def test_staff_cannot_extend_a_session_to_a_time_in_the_past(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.extend_session(
            session=session, user=staff, until=DURING - timedelta(minutes=1), now=DURING
        )

    session.refresh_from_db()
    assert refusal.value.message_dict == {"until": ["The new end must be in the future."]}
    assert session.ends_at == END
    assert Event.objects.count() == 0


def test_staff_cannot_move_the_end_of_a_scheduled_session_before_its_start(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.extend_session(
            session=session, user=staff, until=START - timedelta(minutes=5), now=BEFORE
        )

    session.refresh_from_db()
    assert refusal.value.message_dict == {
        "until": ["The new end must be after the session starts."]
    }
    assert session.ends_at == END
    assert Event.objects.count() == 0


@pytest.mark.parametrize("minutes", [0, -5, 721])
def test_staff_cannot_extend_by_a_number_of_minutes_out_of_range(session, staff, minutes):
    with pytest.raises(ValidationError) as refusal:
        services.extend_session(session=session, user=staff, minutes=minutes, now=DURING)

    session.refresh_from_db()
    assert refusal.value.message_dict == {"minutes": ["Extend by 1 to 720 minutes."]}
    assert session.ends_at == END
    assert Event.objects.count() == 0


def test_staff_must_give_either_minutes_or_an_end_time(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.extend_session(session=session, user=staff, now=DURING)

    assert refusal.value.messages == ["Give either minutes or an end time."]
    assert Event.objects.count() == 0


def test_extending_a_closed_session_reopens_it(session, staff, citizen):
    services.extend_session(session=session, user=staff, minutes=30, now=AFTER)

    session.refresh_from_db()
    assert session.ends_at == AFTER + timedelta(minutes=30)
    assert session.status_at(AFTER) == Session.Status.LIVE
    assert Event.objects.get().data["status"] == "live"
    assert services.post_question(session=session, author=citizen, body="Igen!", now=AFTER)


def test_staff_closes_a_live_session_early(session, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        services.close_session(session=session, user=staff, now=DURING)

    session.refresh_from_db()
    event = Event.objects.get()
    assert (session.starts_at, session.ends_at) == (START, DURING)
    assert session.status_at(DURING) == Session.Status.CLOSED
    assert (event.seq, event.type, event.data["status"]) == (1, events.SESSION_UPDATED, "closed")
    assert len(broadcasts) == 1


def test_closing_a_scheduled_session_closes_it_before_it_starts(session, staff):
    services.close_session(session=session, user=staff, now=BEFORE)

    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == (BEFORE, BEFORE)
    assert Event.objects.get().data["status"] == "closed"


def test_closed_early_session_refuses_questions(session, staff, citizen):
    services.close_session(session=session, user=staff, now=DURING)

    with pytest.raises(ValidationError) as refusal:
        services.post_question(session=session, author=citizen, body="Hallo?", now=DURING)

    assert refusal.value.messages == [CLOSED]


def test_staff_cannot_close_a_closed_session(session, staff):
    with pytest.raises(ValidationError) as refusal:
        services.close_session(session=session, user=staff, now=END)

    session.refresh_from_db()
    assert refusal.value.messages == ["This session is already closed."]
    assert session.ends_at == END
    assert Event.objects.count() == 0


# Creating sessions ----------------------------------------------------------------------------


def test_staff_creates_a_session_with_its_panel(staff, mayor):
    session = services.create_session(
        user=staff,
        municipality=mayor.municipality,
        title="Digitalt borgermøde",
        starts_at=START,
        ends_at=END,
        politicians=[mayor],
    )

    assert Session.objects.get() == session
    assert list(session.politicians.all()) == [mayor]
    assert session.last_seq == 0


def test_session_ending_before_it_starts_is_refused(staff):
    with pytest.raises(ValidationError) as refusal:
        services.create_session(
            user=staff, municipality=MunicipalityFactory(), title="Bagvendt", starts_at=END,
            ends_at=START,
        )  # fmt: skip

    assert refusal.value.message_dict == {"ends_at": ["The end must be after the start."]}
    assert Session.objects.count() == 0


def test_politician_of_another_municipality_cannot_join_the_panel(staff, mayor):
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")

    with pytest.raises(ValidationError) as refusal:
        services.create_session(
            user=staff,
            municipality=odense,
            title="Spørgetime",
            starts_at=START,
            ends_at=END,
            politicians=[mayor],
        )

    assert refusal.value.message_dict == {
        "politicians": ["Not politicians of Odense Kommune: Tomas Breddam."]
    }
    assert Session.objects.count() == 0


# The event log's seq --------------------------------------------------------------------------


def test_seq_rises_by_one_per_event_in_a_session(session, citizen, mayor_user):
    question = services.post_question(session=session, author=citizen, body="Hvorfor?", now=DURING)
    services.vote(question=question, user=mayor_user, now=DURING)
    services.answer_question(question=question, author=mayor_user, body="Derfor.", now=DURING)

    session.refresh_from_db()
    assert logged_events(session) == [
        (1, events.QUESTION_CREATED),
        (2, events.VOTE_CHANGED),
        (3, events.REPLY_CREATED),
        (4, events.POST_UPDATED),
    ]
    assert session.last_seq == 4


def test_seq_is_counted_per_session(session, mayor, citizen):
    other_session = SessionFactory(starts_at=START, ends_at=END, politicians=[mayor])

    services.post_question(session=session, author=citizen, body="Et", now=DURING)
    services.post_question(session=other_session, author=citizen, body="To", now=DURING)
    services.post_question(session=session, author=citizen, body="Tre", now=DURING)

    assert logged_events(session) == [(1, events.QUESTION_CREATED), (2, events.QUESTION_CREATED)]
    assert logged_events(other_session) == [(1, events.QUESTION_CREATED)]


def test_rolled_back_service_call_leaves_no_event_and_broadcasts_nothing(
    session, citizen, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as broadcasts,
        pytest.raises(RollBack),
        transaction.atomic(),
    ):
        services.post_question(session=session, author=citizen, body="Fortrudt", now=DURING)
        raise RollBack

    session.refresh_from_db()
    assert broadcasts == []
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}
    assert session.last_seq == 0


def test_seq_continues_without_a_gap_after_a_rollback(session, citizen):
    with pytest.raises(RollBack), transaction.atomic():
        services.post_question(session=session, author=citizen, body="Fortrudt", now=DURING)
        raise RollBack

    services.post_question(session=session, author=citizen, body="Rigtigt", now=DURING)

    assert logged_events(session) == [(1, events.QUESTION_CREATED)]
