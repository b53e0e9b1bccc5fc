"""The v1 JSON API (DESIGN.md, "API contract (v1)"): paths, fields, status codes, error bodies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken

from sessions.models import Event, Municipality, Politician, Post, Session, Vote
from tests.factories import (
    MunicipalityFactory,
    PostFactory,
    ReplyFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CLOSED = "This session has closed and is now a read-only archive. New posts are not accepted."
NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
STAFF_ONLY = {"detail": "Only staff can do that."}


@pytest.fixture
def closed_session(mayor) -> Session:
    ended = timezone.now() - timedelta(days=1)
    return SessionFactory(
        title="Budget 2025",
        starts_at=ended - timedelta(hours=1),
        ends_at=ended,
        politicians=[mayor],
    )


@pytest.fixture
def upcoming_session(mayor) -> Session:
    starts = timezone.now() + timedelta(days=1)
    return SessionFactory(
        title="Trafik i midtbyen",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        politicians=[mayor],
    )


@pytest.fixture
def question(live_session, other_citizen) -> Post:
    return PostFactory(session=live_session, author=other_citizen, body="Hvornår åbner hallen?")


def what_is_stored() -> dict[str, int]:
    return {
        "posts": Post.objects.count(),
        "votes": Vote.objects.count(),
        "events": Event.objects.count(),
    }


def session_fields(municipality: Municipality, **overrides: object) -> dict[str, object]:
    starts = timezone.now() + timedelta(days=7)
    return {
        "municipality": municipality.pk,
        "title": "Digitalt borgermøde om skolerne",
        "description": "Spørg udvalget.",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        **overrides,
    }


# Tokens ---------------------------------------------------------------------------------------


def test_citizen_gets_a_token_that_then_signs_them_in(api_client, citizen, live_session):
    response = api_client.post(
        "/api/auth/token/",
        {"username": "anna", "password": "demo-password-123"},
        format="json",
    )
    token = response.json()["token"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    asked = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", {"body": "Virker det?"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["expiry"]
    assert AuthToken.objects.get(user=citizen).token_key == token[:15]
    assert asked.status_code == 201
    assert Post.objects.get().author == citizen


def test_wrong_password_gets_no_token(api_client, citizen):
    response = api_client.post(
        "/api/auth/token/", {"username": "anna", "password": "forkert"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert AuthToken.objects.count() == 0


def test_unknown_token_is_refused(api_client, live_session):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", {"body": "Hej"}, format="json"
    )

    assert response.status_code == 401
    assert response.json() == {
        "detail": "This token is not valid: it has expired or was revoked. Ask for a new one at "
        "/api/auth/token/."
    }
    assert Post.objects.count() == 0


# Sessions -------------------------------------------------------------------------------------


def test_anyone_lists_sessions_newest_first(
    api_client, live_session, closed_session, upcoming_session
):
    response = api_client.get("/api/sessions/")

    assert response.status_code == 200
    assert [(s["title"], s["status"]) for s in response.json()["results"]] == [
        ("Trafik i midtbyen", "scheduled"),
        ("Digital spørgetime", "live"),
        ("Budget 2025", "closed"),
    ]


@pytest.mark.parametrize(
    ("status", "title"),
    [("live", "Digital spørgetime"), ("scheduled", "Trafik i midtbyen"), ("closed", "Budget 2025")],
)
def test_sessions_filtered_by_status(
    api_client, live_session, closed_session, upcoming_session, status, title
):
    response = api_client.get("/api/sessions/", {"status": status})

    assert response.status_code == 200
    assert [(s["title"], s["status"]) for s in response.json()["results"]] == [(title, status)]


def test_anyone_reads_one_session_with_its_status_and_panel(api_client, live_session, mayor):
    response = api_client.get(f"/api/sessions/{live_session.pk}/")

    body = response.json()
    assert response.status_code == 200
    assert body["id"] == live_session.pk
    assert body["title"] == "Digital spørgetime"
    assert body["municipality"] == "Roskilde Kommune"
    assert body["status"] == "live"
    assert body["starts_at"] == live_session.starts_at.isoformat().replace("+00:00", "Z")
    assert body["ends_at"] == live_session.ends_at.isoformat().replace("+00:00", "Z")
    assert body["panel"] == [
        {
            "id": mayor.pk,
            "name": "Tomas Breddam",
            "party": "Socialdemokratiet",
            "role": "Borgmester",
            "photo_url": "",
        }
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/sessions/999999/",
        "/api/sessions/999999/questions/",
    ],
)
def test_unknown_session_is_not_found(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Session 999999 does not exist."}


def test_what_was_not_found_is_named_in_the_readers_language(api_client):
    danish = api_client.get("/api/polls/999/results/", headers={"accept-language": "da"})
    too_large = api_client.get("/api/polls/99999999999999999999/results/")

    assert danish.status_code == too_large.status_code == 404
    assert danish.json() == {"detail": "Afstemning 999 findes ikke."}
    assert too_large.json() == {"detail": "Poll 99999999999999999999 does not exist."}


def test_staff_creates_a_session_with_a_panel(api_client, staff, mayor):
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/sessions/",
        session_fields(mayor.municipality, politicians=[mayor.pk]),
        format="json",
    )

    session = Session.objects.get()
    assert response.status_code == 201
    assert response.json()["id"] == session.pk
    assert response.json()["title"] == "Digitalt borgermøde om skolerne"
    assert response.json()["status"] == "scheduled"
    assert [p["name"] for p in response.json()["panel"]] == ["Tomas Breddam"]
    assert list(session.politicians.all()) == [mayor]


def test_citizen_cannot_create_a_session(api_client, citizen, mayor):
    api_client.force_authenticate(citizen)

    response = api_client.post("/api/sessions/", session_fields(mayor.municipality), format="json")

    assert response.status_code == 403
    assert response.json() == STAFF_ONLY
    assert Session.objects.count() == 0


def test_anonymous_visitor_cannot_create_a_session(api_client, mayor):
    response = api_client.post("/api/sessions/", session_fields(mayor.municipality), format="json")

    assert response.status_code == 401
    assert response.json() == NOT_SIGNED_IN
    assert response["WWW-Authenticate"] == "Token"
    assert Session.objects.count() == 0


def test_session_ending_before_it_starts_is_refused_with_a_field_error(api_client, staff, mayor):
    api_client.force_authenticate(staff)
    starts = timezone.now() + timedelta(days=7)

    response = api_client.post(
        "/api/sessions/",
        session_fields(
            mayor.municipality,
            starts_at=starts.isoformat(),
            ends_at=(starts - timedelta(minutes=1)).isoformat(),
        ),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"ends_at": ["The end must be after the start."]}
    assert Session.objects.count() == 0


def test_session_in_an_unknown_municipality_is_refused(api_client, staff):
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/sessions/", session_fields(Municipality(pk=999999)), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"municipality": ['Invalid pk "999999" - object does not exist.']}
    assert Session.objects.count() == 0


def test_session_panel_from_another_municipality_is_refused(api_client, staff, mayor):
    api_client.force_authenticate(staff)
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")

    response = api_client.post(
        "/api/sessions/", session_fields(odense, politicians=[mayor.pk]), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"politicians": ["Not politicians of Odense Kommune: Tomas Breddam."]}
    assert Session.objects.count() == 0


# Questions ------------------------------------------------------------------------------------


def test_questions_are_listed_most_voted_first(api_client, live_session):
    PostFactory(session=live_session, body="Lidt populær", vote_count=2)
    PostFactory(session=live_session, body="Mest populær", vote_count=5)
    PostFactory(session=live_session, body="Ingen stemmer", vote_count=0)

    response = api_client.get(f"/api/sessions/{live_session.pk}/questions/?ordering=-votes")

    assert response.status_code == 200
    assert [(q["body"], q["vote_count"]) for q in response.json()["results"]] == [
        ("Mest populær", 5),
        ("Lidt populær", 2),
        ("Ingen stemmer", 0),
    ]


def test_questions_are_listed_oldest_first_by_created(api_client, live_session):
    now = timezone.now()
    PostFactory(session=live_session, body="Anden", created_at=now - timedelta(minutes=2))
    PostFactory(session=live_session, body="Tredje", created_at=now - timedelta(minutes=1))
    PostFactory(session=live_session, body="Første", created_at=now - timedelta(minutes=3))

    response = api_client.get(f"/api/sessions/{live_session.pk}/questions/?ordering=created")

    assert [q["body"] for q in response.json()["results"]] == ["Første", "Anden", "Tredje"]


def test_question_list_shows_published_questions_and_replies_only(api_client, question):
    ReplyFactory(parent=question, body="Synlig")
    ReplyFactory(parent=question, body="Skjult", status=Post.Status.HIDDEN)
    PostFactory(session=question.session, body="Skjult spørgsmål", status=Post.Status.HIDDEN)

    response = api_client.get(f"/api/sessions/{question.session_id}/questions/")

    assert [(q["body"], [r["body"] for r in q["replies"]]) for q in response.json()["results"]] == [
        ("Hvornår åbner hallen?", ["Synlig"])
    ]


def test_question_list_takes_four_queries_however_long_it_is(
    api_client, live_session, mayor_user, django_assert_num_queries
):
    for number in range(20):
        question = PostFactory(session=live_session, body=f"Spørgsmål {number}")
        ReplyFactory(parent=question, author=mayor_user, politician=live_session.politicians.get())
        ReplyFactory(parent=question)

    # The session, the count, the page of questions with authors and badges, their replies.
    with django_assert_num_queries(4):
        response = api_client.get(f"/api/sessions/{live_session.pk}/questions/")

    assert len(response.json()["results"]) == 20
    assert all(len(question["replies"]) == 2 for question in response.json()["results"])


def test_session_list_takes_three_queries_however_long_it_is(
    api_client, mayor, django_assert_num_queries
):
    for _number in range(10):
        SessionFactory(politicians=[mayor])

    # The count, the page of sessions with their municipality, then every panel at once.
    with django_assert_num_queries(3):
        response = api_client.get("/api/sessions/")

    assert len(response.json()["results"]) == 10
    assert all(
        session["panel"][0]["name"] == "Tomas Breddam" for session in response.json()["results"]
    )


def test_citizen_asks_a_question_and_it_appears_in_the_list(api_client, citizen, live_session):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/",
        {"body": "Hvad med cykelstierne?"},
        format="json",
    )
    listed = api_client.get(f"/api/sessions/{live_session.pk}/questions/").json()["results"]

    question = Post.objects.get()
    assert response.status_code == 201
    assert response.json()["id"] == question.pk
    assert response.json()["author"] == "Anna Jensen"
    assert response.json()["politician"] is None
    assert response.json()["replies"] == []
    assert [(q["id"], q["body"]) for q in listed] == [(question.pk, "Hvad med cykelstierne?")]
    assert Event.objects.get().type == "question.created"


def test_danish_letters_and_emoji_round_trip(api_client, citizen, live_session):
    api_client.force_authenticate(citizen)
    text = "Hvorfor lukker Ærø-færgen? Søren & Åse spørger 🚢🇩🇰"

    created = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", {"body": text}, format="json"
    )
    listed = api_client.get(f"/api/sessions/{live_session.pk}/questions/")

    assert created.json()["body"] == text
    assert listed.json()["results"][0]["body"] == text
    assert text.encode() in listed.content
    assert Post.objects.get().body == text


def test_anonymous_visitor_cannot_ask(api_client, live_session):
    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", {"body": "Hej"}, format="json"
    )

    assert response.status_code == 401
    assert response.json() == NOT_SIGNED_IN
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"body": ""}, {"body": ["Write something before you send it."]}),
        ({"body": "   "}, {"body": ["Write something before you send it."]}),
        ({}, {"body": ["This field is required."]}),
        ({"body": None}, {"body": ["This field may not be null."]}),
        ({"body": "x" * 2001}, {"body": ["Keep it to 2000 characters; this text has 2001."]}),
        ({"body": ["Hej"]}, {"body": ["Not a valid string."]}),
        ({"body": {"text": "Hej"}}, {"body": ["Not a valid string."]}),
        ({"body": "Hej\x00"}, {"body": ["Null characters are not allowed."]}),
    ],
    ids=["empty", "whitespace", "missing", "null", "2001-chars", "list", "object", "nul"],
)
def test_question_with_bad_body_is_refused(api_client, citizen, live_session, payload, errors):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", payload, format="json"
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


def test_question_of_2000_characters_is_accepted(api_client, citizen, live_session):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", {"body": "ø" * 2000}, format="json"
    )

    assert response.status_code == 201
    assert len(Post.objects.get().body) == 2000


def test_question_in_a_closed_session_is_refused(api_client, citizen, closed_session):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{closed_session.pk}/questions/", {"body": "For sent?"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": CLOSED, "code": "session_closed"}
    assert what_is_stored() == {"posts": 0, "votes": 0, "events": 0}


def test_question_in_an_unknown_session_is_not_found(api_client, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post("/api/sessions/999999/questions/", {"body": "Hej"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Session 999999 does not exist."}
    assert Post.objects.count() == 0


# Replies --------------------------------------------------------------------------------------


def test_citizen_replies_to_a_question(api_client, citizen, question):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/posts/{question.pk}/replies/",
        {"body": "Det vil jeg også gerne vide."},
        format="json",
    )

    reply = Post.objects.get(parent=question)
    question.refresh_from_db()
    assert response.status_code == 201
    assert response.json()["id"] == reply.pk
    assert response.json()["parent"] == question.pk
    assert response.json()["politician"] is None
    assert question.is_answered is False


def test_mayor_answers_with_badge_and_marks_the_question_answered(
    api_client, mayor_user, mayor, question
):
    api_client.force_authenticate(mayor_user)

    response = api_client.post(
        f"/api/posts/{question.pk}/replies/",
        {"body": "Hallen åbner 1. juni.", "mark_answered": True},
        format="json",
    )

    question.refresh_from_db()
    listed = api_client.get(f"/api/sessions/{question.session_id}/questions/").json()["results"]
    assert response.status_code == 201
    assert response.json()["politician"] == {
        "id": mayor.pk,
        "name": "Tomas Breddam",
        "party": "Socialdemokratiet",
        "role": "Borgmester",
        "photo_url": "",
    }
    assert question.is_answered is True
    assert listed[0]["is_answered"] is True
    assert listed[0]["replies"][0]["politician"]["role"] == "Borgmester"


def test_citizen_cannot_mark_their_reply_as_an_answer(api_client, citizen, question):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/posts/{question.pk}/replies/",
        {"body": "Svaret er nej.", "mark_answered": True},
        format="json",
    )

    question.refresh_from_db()
    assert response.status_code == 403
    assert response.json() == {"detail": "Only a politician on this session's panel can answer."}
    assert question.is_answered is False
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_reply_to_a_missing_post_is_not_found(api_client, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post("/api/posts/999999/replies/", {"body": "Hej"}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Post 999999 does not exist."}
    assert Post.objects.count() == 0


def test_anonymous_visitor_cannot_reply(api_client, question):
    response = api_client.post(f"/api/posts/{question.pk}/replies/", {"body": "Hej"}, format="json")

    assert response.status_code == 401
    assert response.json() == NOT_SIGNED_IN
    assert Post.objects.count() == 1


def test_reply_to_a_hidden_question_is_refused(api_client, citizen, live_session):
    hidden = PostFactory(session=live_session, status=Post.Status.HIDDEN)
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/posts/{hidden.pk}/replies/", {"body": "Hej"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "That post is no longer available.",
        "code": "post_unavailable",
    }
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_reply_in_a_closed_session_is_refused(api_client, citizen, closed_session):
    question = PostFactory(session=closed_session)
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/posts/{question.pk}/replies/", {"body": "Hej"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": CLOSED, "code": "session_closed"}
    assert Post.objects.count() == 1


# Votes ----------------------------------------------------------------------------------------


def test_citizen_upvotes_a_question(api_client, citizen, question):
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/posts/{question.pk}/vote/")

    question.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"post": question.pk, "vote_count": 1, "voted": True}
    assert question.vote_count == 1


def test_votes_of_two_citizens_add_up(api_client, citizen, mayor_user, question):
    api_client.force_authenticate(citizen)
    api_client.post(f"/api/posts/{question.pk}/vote/")
    api_client.force_authenticate(mayor_user)

    response = api_client.post(f"/api/posts/{question.pk}/vote/")

    assert response.json() == {"post": question.pk, "vote_count": 2, "voted": True}


def test_citizen_takes_a_vote_back(api_client, citizen, question):
    api_client.force_authenticate(citizen)
    api_client.post(f"/api/posts/{question.pk}/vote/")

    response = api_client.delete(f"/api/posts/{question.pk}/vote/")

    question.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"post": question.pk, "vote_count": 0, "voted": False}
    assert question.vote_count == 0
    assert Vote.objects.count() == 0


def test_second_vote_is_refused(api_client, citizen, question):
    api_client.force_authenticate(citizen)
    api_client.post(f"/api/posts/{question.pk}/vote/")

    response = api_client.post(f"/api/posts/{question.pk}/vote/")

    question.refresh_from_db()
    assert response.status_code == 400
    assert response.json() == {
        "detail": "You have already voted for this question.",
        "code": "already_voted",
    }
    assert question.vote_count == 1
    assert what_is_stored() == {"posts": 1, "votes": 1, "events": 1}


def test_taking_back_a_vote_never_given_is_refused(api_client, citizen, question):
    api_client.force_authenticate(citizen)

    response = api_client.delete(f"/api/posts/{question.pk}/vote/")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "You have not voted for this question.",
        "code": "not_voted",
    }
    assert what_is_stored() == {"posts": 1, "votes": 0, "events": 0}


def test_reply_cannot_be_upvoted(api_client, citizen, question):
    reply = ReplyFactory(parent=question)
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/posts/{reply.pk}/vote/")

    assert response.status_code == 400
    assert response.json() == {"detail": "Only questions can be upvoted.", "code": "not_question"}
    assert what_is_stored() == {"posts": 2, "votes": 0, "events": 0}


def test_anonymous_visitor_cannot_vote(api_client, question):
    response = api_client.post(f"/api/posts/{question.pk}/vote/")

    question.refresh_from_db()
    assert response.status_code == 401
    assert response.json() == NOT_SIGNED_IN
    assert question.vote_count == 0
    assert Vote.objects.count() == 0


def test_vote_on_a_missing_post_is_not_found(api_client, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post("/api/posts/999999/vote/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Post 999999 does not exist."}


# Answered flag --------------------------------------------------------------------------------


def test_mayor_marks_a_question_answered(api_client, mayor_user, question):
    api_client.force_authenticate(mayor_user)

    response = api_client.post(f"/api/posts/{question.pk}/answered/", {}, format="json")

    question.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["is_answered"] is True
    assert question.is_answered is True


def test_citizen_cannot_mark_a_question_answered(api_client, citizen, question):
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/posts/{question.pk}/answered/", {}, format="json")

    question.refresh_from_db()
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only a politician on this session's panel or staff can mark questions answered."
    }
    assert question.is_answered is False


# Opening, extending, closing ------------------------------------------------------------------


def test_staff_opens_an_upcoming_session(api_client, staff, upcoming_session):
    api_client.force_authenticate(staff)

    response = api_client.post(f"/api/sessions/{upcoming_session.pk}/open/")

    upcoming_session.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "live"
    assert upcoming_session.starts_at <= timezone.now()
    assert Event.objects.get().type == "session.updated"


def test_staff_extends_a_live_session_by_minutes(api_client, staff, live_session):
    api_client.force_authenticate(staff)
    planned_end = live_session.ends_at

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/extend/", {"minutes": 15}, format="json"
    )

    live_session.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "live"
    assert live_session.ends_at == planned_end + timedelta(minutes=15)
    assert response.json()["ends_at"] == live_session.ends_at.isoformat().replace("+00:00", "Z")


def test_staff_extends_a_closed_session_to_a_time_and_reopens_it(api_client, staff, closed_session):
    api_client.force_authenticate(staff)
    new_end = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)

    response = api_client.post(
        f"/api/sessions/{closed_session.pk}/extend/", {"until": new_end.isoformat()}, format="json"
    )

    closed_session.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["status"] == "live"
    assert closed_session.ends_at == new_end


def test_extending_to_a_time_in_the_past_is_refused(api_client, staff, live_session):
    api_client.force_authenticate(staff)
    planned_end = live_session.ends_at

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/extend/",
        {"until": (timezone.now() - timedelta(minutes=1)).isoformat()},
        format="json",
    )

    live_session.refresh_from_db()
    assert response.status_code == 400
    assert response.json() == {"until": ["The new end must be in the future."]}
    assert live_session.ends_at == planned_end
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"detail": "Give either minutes or an end time.", "code": "invalid"}),
        ({"minutes": 0}, {"minutes": ["Extend by 1 to 720 minutes."]}),
        ({"minutes": "a while"}, {"minutes": ["A valid integer is required."]}),
        ({"until": "tomorrow"}, {"until": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ]}),
    ],
    ids=["nothing", "zero-minutes", "text-minutes", "text-until"],
)  # fmt: skip
def test_extension_with_bad_input_is_refused(api_client, staff, live_session, payload, errors):
    api_client.force_authenticate(staff)

    response = api_client.post(f"/api/sessions/{live_session.pk}/extend/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Event.objects.count() == 0


def test_staff_closes_a_live_session(api_client, staff, live_session):
    api_client.force_authenticate(staff)

    response = api_client.post(f"/api/sessions/{live_session.pk}/close/")

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert Event.objects.get().data["status"] == "closed"


@pytest.mark.parametrize("action", ["open", "extend", "close"])
def test_citizen_cannot_open_extend_or_close_a_session(
    api_client, citizen, upcoming_session, action
):
    api_client.force_authenticate(citizen)
    planned = (upcoming_session.starts_at, upcoming_session.ends_at)

    response = api_client.post(
        f"/api/sessions/{upcoming_session.pk}/{action}/", {"minutes": 10}, format="json"
    )

    upcoming_session.refresh_from_db()
    assert response.status_code == 403
    assert response.json() == STAFF_ONLY
    assert (upcoming_session.starts_at, upcoming_session.ends_at) == planned
    assert Event.objects.count() == 0


def test_anonymous_visitor_cannot_close_a_session(api_client, live_session):
    response = api_client.post(f"/api/sessions/{live_session.pk}/close/")

    assert response.status_code == 401
    assert response.json() == NOT_SIGNED_IN
    assert Event.objects.count() == 0


# Municipalities and politicians ---------------------------------------------------------------


def test_anyone_lists_municipalities(api_client):
    roskilde = MunicipalityFactory()
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")

    response = api_client.get("/api/municipalities/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": odense.pk, "name": "Odense Kommune", "slug": "odense"},
        {"id": roskilde.pk, "name": "Roskilde Kommune", "slug": "roskilde"},
    ]


def test_staff_adds_a_municipality(api_client, staff):
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/municipalities/",
        {"name": "Faaborg-Midtfyn Kommune", "slug": "faaborg-midtfyn"},
        format="json",
    )

    municipality = Municipality.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": municipality.pk,
        "name": "Faaborg-Midtfyn Kommune",
        "slug": "faaborg-midtfyn",
    }


def test_citizen_cannot_add_a_municipality(api_client, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        "/api/municipalities/", {"name": "Min by", "slug": "min-by"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == STAFF_ONLY
    assert Municipality.objects.count() == 0


def test_municipality_slug_must_be_unique(api_client, staff):
    MunicipalityFactory()
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/municipalities/", {"name": "Roskilde", "slug": "roskilde"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"slug": ["Municipality with this Slug already exists."]}
    assert Municipality.objects.count() == 1


def test_anyone_lists_politicians(api_client, mayor, mayor_user):
    response = api_client.get("/api/politicians/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": mayor.pk,
            "municipality": mayor.municipality_id,
            "name": "Tomas Breddam",
            "party": "Socialdemokratiet",
            "role": "Borgmester",
            "photo_url": "",
            "user": mayor_user.pk,
        }
    ]


def test_staff_adds_a_politician_linked_to_an_account(api_client, staff):
    roskilde = MunicipalityFactory()
    account = UserFactory(username="karen")
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/politicians/",
        {
            "municipality": roskilde.pk,
            "name": "Karen Holm",
            "party": "Venstre",
            "role": "Byrådsmedlem",
            "user": account.pk,
        },
        format="json",
    )

    politician = Politician.objects.get()
    assert response.status_code == 201
    assert response.json()["id"] == politician.pk
    assert (politician.name, politician.user) == ("Karen Holm", account)


def test_staff_adds_a_politician_without_an_account(api_client, staff):
    roskilde = MunicipalityFactory()
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/politicians/", {"municipality": roskilde.pk, "name": "Jens Ø"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["user"] is None
    assert Politician.objects.get().name == "Jens Ø"


def test_citizen_cannot_add_a_politician(api_client, citizen):
    roskilde = MunicipalityFactory()
    api_client.force_authenticate(citizen)

    response = api_client.post(
        "/api/politicians/", {"municipality": roskilde.pk, "name": "Mig selv"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == STAFF_ONLY
    assert Politician.objects.count() == 0


def test_one_account_cannot_be_two_politicians_in_one_municipality(api_client, staff, mayor):
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/politicians/",
        {"municipality": mayor.municipality_id, "name": "T. Breddam", "user": mayor.user_id},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert Politician.objects.count() == 1


def test_anonymous_visitor_cannot_add_a_politician(api_client):
    roskilde = MunicipalityFactory()

    response = api_client.post(
        "/api/politicians/", {"municipality": roskilde.pk, "name": "Anonym"}, format="json"
    )

    assert response.status_code == 401
    assert Politician.objects.count() == 0


# Junk never makes a 500 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/auth/token/"),
        ("post", "/api/sessions/"),
        ("post", "/api/sessions/{session}/questions/"),
        ("post", "/api/posts/{question}/replies/"),
        ("post", "/api/posts/{question}/answered/"),
        ("post", "/api/sessions/{session}/extend/"),
        ("post", "/api/municipalities/"),
        ("post", "/api/politicians/"),
    ],
)
@pytest.mark.parametrize(
    "junk",
    [
        "[1, 2, 3]",
        '"just a string"',
        "42",
        "null",
        '{"body": [], "title": [], "starts_at": {}, "minutes": [], "mark_answered": "maybe",'
        ' "answered": "maybe", "name": {}, "slug": []}',
        '{"municipality": "roskilde", "politicians": "all", "user": "me", "until": 7,'
        ' "body": {"text": "Hej"}, "answered": [], "username": ["anna"], "password": 5}',
        "{not json",
    ],
    ids=["list", "string", "number", "null", "wrong-types", "wrong-refs", "broken-json"],
)
def test_junk_bodies_get_a_400_not_a_500(api_client, staff, question, method, path, junk):
    api_client.force_authenticate(staff)
    url = path.format(session=question.session_id, question=question.pk)
    before = what_is_stored()

    response = getattr(api_client, method)(url, junk, content_type="application/json")

    assert response.status_code == 400, response.content
    assert isinstance(response.json(), dict)
    assert what_is_stored() == before
