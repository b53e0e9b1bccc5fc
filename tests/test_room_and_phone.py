"""Questions from the room and by phone: a moderator or staff enters them for someone offline.

They are voted on and answered like any other, marked with their channel on every page, and
counted under their channel in the statistics, never as a citizen account.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from sessions import events, services
from sessions.models import Event, Post
from sessions.reports import session_report

from .factories import ModeratorFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(live_session):
    user = UserFactory(username="moderator", first_name="Mette Moderator")
    ModeratorFactory(municipality=live_session.municipality, user=user)
    return user


def test_moderator_enters_a_question_from_the_room_and_everyone_hears_of_it(
    live_session, moderator
):
    question = services.enter_question(
        session=live_session,
        user=moderator,
        body="  Hvad sker der med biblioteket? ",
        channel="room",
        asked_by="Jens fra Himmelev",
    )

    assert (question.channel, question.asked_by, question.status) == (
        "room",
        "Jens fra Himmelev",
        Post.Status.PUBLISHED,
    )
    assert question.body == "Hvad sker der med biblioteket?"
    event = Event.objects.get(session=live_session)
    assert event.type == events.QUESTION_CREATED
    assert (event.data["channel"], event.data["author"]) == ("room", "Jens fra Himmelev")


def test_a_phone_question_without_a_name_shows_no_moderator_name(live_session, staff):
    services.enter_question(session=live_session, user=staff, body="Hvorfor?", channel="phone")

    event = Event.objects.get(session=live_session)
    assert (event.data["channel"], event.data["author"]) == ("phone", "")


def test_a_citizen_cannot_enter_a_room_question(live_session, citizen):
    with pytest.raises(PermissionDenied):
        services.enter_question(session=live_session, user=citizen, body="Hej", channel="room")

    assert Post.objects.count() == 0
    assert Event.objects.count() == 0


def test_a_moderator_of_another_municipality_cannot_enter_one(live_session):
    elsewhere = UserFactory(username="odense")
    ModeratorFactory(municipality__name="Odense", municipality__slug="odense", user=elsewhere)

    with pytest.raises(PermissionDenied):
        services.enter_question(session=live_session, user=elsewhere, body="Hej", channel="room")
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("channel", "asked_by", "field"),
    [("online", "", "channel"), ("letter", "", "channel"), ("room", "x" * 201, "asked_by")],
)
def test_bad_channel_or_name_is_refused(live_session, moderator, channel, asked_by, field):
    with pytest.raises(ValidationError) as refusal:
        services.enter_question(
            session=live_session, user=moderator, body="Hej", channel=channel, asked_by=asked_by
        )

    assert list(refusal.value.message_dict) == [field]
    assert Post.objects.count() == 0


def test_a_room_question_is_voted_on_and_answered_like_any_other(
    live_session, moderator, citizen, mayor_user
):
    question = services.enter_question(
        session=live_session, user=moderator, body="Biblioteket?", channel="room"
    )

    services.vote(question=question, user=citizen)
    services.answer_question(question=question, author=mayor_user, body="Det bliver.")

    question.refresh_from_db()
    assert (question.vote_count, question.is_answered) == (1, True)


def test_statistics_count_room_and_phone_questions_under_their_channel_not_as_citizens(
    live_session, moderator, citizen
):
    services.post_question(session=live_session, author=citizen, body="Online?")
    services.enter_question(session=live_session, user=moderator, body="Salen?", channel="room")
    services.enter_question(session=live_session, user=moderator, body="Tlf?", channel="phone")
    services.enter_question(session=live_session, user=moderator, body="Tlf 2?", channel="phone")

    report = session_report(live_session)

    totals = report["totals"]
    assert (totals["questions_online"], totals["questions_room"], totals["questions_phone"]) == (
        1,
        1,
        2,
    )
    assert (totals["questions"], totals["citizen_questions"], totals["citizens"]) == (4, 1, 1)
    assert totals["citizen_comments"] == 1
    assert [row["name"] for row in report["per_citizen"]] == ["Anna Jensen"]


def test_moderator_enters_a_room_question_through_the_api(live_session, moderator, citizen):
    client = APIClient()
    client.force_authenticate(moderator)

    response = client.post(
        f"/api/sessions/{live_session.pk}/questions/",
        {"body": "Parkering?", "channel": "phone", "asked_by": "Karen"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["channel"], response.json()["author"]) == ("phone", "Karen")
    client.force_authenticate(citizen)
    refused = client.post(
        f"/api/sessions/{live_session.pk}/questions/",
        {"body": "Parkering?", "channel": "room"},
        format="json",
    )
    assert refused.status_code == 403
    assert Post.objects.count() == 1


def test_room_question_is_marked_on_the_session_and_record_pages(client, live_session, moderator):
    services.enter_question(
        session=live_session, user=moderator, body="Biblioteket?", channel="room", asked_by="Jens"
    )

    page = client.get(f"/sessions/{live_session.pk}/").content.decode()
    record = client.get(f"/sessions/{live_session.pk}/record/").content.decode()

    assert '<span class="author" data-field="author">Jens</span>' in page
    assert '<span class="badge channel" data-field="channel" >Asked in the room</span>' in page
    assert "Mette Moderator" not in page.split('<div class="question-list"', 1)[1]
    assert 'class="badge channel">Asked in the room</span>' in record


def test_moderator_enters_a_room_question_from_the_page(client, live_session, moderator):
    client.force_login(moderator)
    page = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert "A question from the room or by phone" in page

    response = client.post(
        f"/sessions/{live_session.pk}/enter/",
        {"channel": "room", "asked_by": "Jens", "body": "Biblioteket?"},
    )

    assert response.status_code == 302
    assert Post.objects.get().channel == "room"


def test_citizen_gets_no_room_form_and_cannot_post_one(client, live_session, citizen):
    client.force_login(citizen)
    page = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert "A question from the room or by phone" not in page

    client.post(f"/sessions/{live_session.pk}/enter/", {"channel": "room", "body": "Biblioteket?"})

    assert Post.objects.count() == 0


def test_a_room_question_after_the_end_is_refused(moderator, live_session):
    closed = SessionFactory(
        municipality=live_session.municipality,
        starts_at=live_session.starts_at.replace(year=2024),
        ends_at=live_session.ends_at.replace(year=2024),
    )

    with pytest.raises(ValidationError) as refusal:
        services.enter_question(session=closed, user=moderator, body="Hej", channel="room")
    assert refusal.value.code == "session_closed"
