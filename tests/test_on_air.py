"""On air: one question per session at a time, put there by the panel, moderators or staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions import services
from sessions.models import Event, Post
from sessions.reports import load_session, session_report

from .factories import (
    ModeratorFactory,
    MunicipalityFactory,
    PoliticianFactory,
    PostFactory,
    ReplyFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(live_session) -> Post:
    return PostFactory(session=live_session, body="Hvornår åbner svømmehallen?")


def on_air_ids(session) -> list[int]:
    return list(Post.objects.filter(session=session, on_air=True).values_list("pk", flat=True))


def test_panel_politician_puts_a_question_on_air_and_everyone_hears_of_it(
    question, mayor_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        services.put_on_air(question=question, user=mayor_user)

    question.refresh_from_db()
    assert question.on_air is True
    assert question.first_on_air_at is not None
    event = Event.objects.get(session=question.session)
    assert (event.type, event.data) == ("question.on_air", {"id": question.pk})
    assert len(broadcasts) == 1


def test_a_second_question_on_air_takes_the_first_off(live_session, question, mayor_user):
    second = PostFactory(session=live_session)
    services.put_on_air(question=question, user=mayor_user)

    services.put_on_air(question=second, user=mayor_user)

    assert on_air_ids(live_session) == [second.pk]
    assert [e.data for e in Event.objects.order_by("seq")] == [
        {"id": question.pk},
        {"id": second.pk},
    ]
    question.refresh_from_db()
    assert question.first_on_air_at is not None, "it was on air: the statistics count it"


def test_taking_it_off_leaves_nothing_on_air(live_session, question, staff):
    services.put_on_air(question=question, user=staff)

    services.take_off_air(question=question, user=staff)

    assert on_air_ids(live_session) == []
    assert Event.objects.order_by("seq").last().data == {"id": None}


def test_moderator_of_the_municipality_may_put_on_air(live_session, question):
    moderator = UserFactory(username="mette")
    ModeratorFactory(municipality=live_session.municipality, user=moderator)

    services.put_on_air(question=question, user=moderator)

    assert on_air_ids(live_session) == [question.pk]


@pytest.mark.parametrize("who", ["citizen", "author", "other_panel", "other_moderator"])
def test_others_may_not_put_on_air(live_session, question, citizen, who):
    users = {
        "citizen": citizen,
        "author": question.author,
        "other_panel": PoliticianFactory(user=UserFactory(username="karen")).user,
    }
    if who == "other_moderator":
        users[who] = UserFactory(username="odense")
        ModeratorFactory(
            municipality=MunicipalityFactory(name="Odense Kommune", slug="odense"),
            user=users[who],
        )

    with pytest.raises(PermissionDenied, match="panel, a moderator or staff"):
        services.put_on_air(question=question, user=users[who])

    assert on_air_ids(live_session) == []
    assert Event.objects.count() == 0


def test_a_reply_cannot_go_on_air(live_session, question, staff):
    reply = ReplyFactory(parent=question)

    with pytest.raises(ValidationError) as refused:
        services.put_on_air(question=reply, user=staff)

    assert refused.value.code == "not_question"
    assert refused.value.messages == ["Only a question can be put on air."]
    assert on_air_ids(live_session) == [] and Event.objects.count() == 0


@pytest.mark.parametrize("status", [Post.Status.HIDDEN, Post.Status.PENDING])
def test_a_post_not_published_cannot_go_on_air(live_session, staff, status):
    hidden = PostFactory(session=live_session, status=status)

    with pytest.raises(ValidationError) as refused:
        services.put_on_air(question=hidden, user=staff)

    assert refused.value.code == "post_unavailable"
    assert on_air_ids(live_session) == [] and Event.objects.count() == 0


def test_nothing_goes_on_air_after_the_session_closed(staff):
    now = timezone.now()
    closed = SessionFactory(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    question = PostFactory(session=closed)

    with pytest.raises(ValidationError) as refused:
        services.put_on_air(question=question, user=staff)

    assert refused.value.code == "session_closed"
    assert on_air_ids(closed) == []


def test_twice_on_air_or_off_when_not_on_air_is_refused(question, staff):
    with pytest.raises(ValidationError) as not_on_air:
        services.take_off_air(question=question, user=staff)
    services.put_on_air(question=question, user=staff)
    with pytest.raises(ValidationError) as already:
        services.put_on_air(question=question, user=staff)

    assert (not_on_air.value.code, already.value.code) == ("not_on_air", "already_on_air")
    assert Event.objects.count() == 1


def test_hiding_the_question_on_air_takes_it_off_air(live_session, question, staff):
    services.put_on_air(question=question, user=staff)

    services.hide_post(post=question, user=staff, reason="spam")

    assert on_air_ids(live_session) == []
    types = list(Event.objects.order_by("seq").values_list("type", "data"))
    assert ("question.on_air", {"id": None}) in types


def test_the_database_holds_one_question_on_air_per_session(live_session, question):
    other = PostFactory(session=live_session)
    Post.objects.filter(pk=question.pk).update(on_air=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=other.pk).update(on_air=True)


def test_statistics_count_the_questions_that_were_on_air(live_session, question, staff):
    second, never = PostFactory(session=live_session), PostFactory(session=live_session)
    services.put_on_air(question=question, user=staff)
    services.put_on_air(question=second, user=staff)
    services.take_off_air(question=second, user=staff)

    totals = session_report(load_session(live_session.pk))["totals"]

    assert totals["questions_on_air"] == 2
    assert never.first_on_air_at is None
