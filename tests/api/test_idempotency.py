"""Idempotency-Key on the API's writes: a retried post is not a second post (issue 17, part 3)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from sessions.models import Event, IdempotencyKey, Post, Vote
from tests.factories import PostFactory, api_token

pytestmark = pytest.mark.django_db


def signed_in(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def ask(client: APIClient, session, body: str, key: str | None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(
        f"/api/sessions/{session.pk}/questions/", {"body": body}, format="json", headers=headers
    )


def stored() -> dict[str, int]:
    return {
        "posts": Post.objects.count(),
        "votes": Vote.objects.count(),
        "events": Event.objects.count(),
    }


def test_a_question_resent_with_its_key_gets_the_first_answer_and_is_stored_once(
    live_session, citizen
):
    client = signed_in(citizen)

    first = ask(client, live_session, "Hvornår åbner havnebadet?", "draft-1")
    again = ask(client, live_session, "Hvornår åbner havnebadet?", "draft-1")

    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert list(Post.objects.values_list("pk", "body")) == [
        (first.json()["id"], "Hvornår åbner havnebadet?")
    ]
    assert list(Event.objects.values_list("type", flat=True)) == ["question.created"]


def test_without_a_key_the_same_question_twice_is_two_questions(live_session, citizen):
    client = signed_in(citizen)

    first = ask(client, live_session, "Hvornår åbner havnebadet?", None)
    second = ask(client, live_session, "Hvornår åbner havnebadet?", None)

    assert first.json()["id"] != second.json()["id"]
    assert Post.objects.count() == 2


def test_two_users_with_the_same_key_each_get_their_own_question(
    live_session, citizen, other_citizen
):
    mine = ask(signed_in(citizen), live_session, "Mit spørgsmål", "same-key")
    theirs = ask(signed_in(other_citizen), live_session, "Deres spørgsmål", "same-key")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
    assert sorted(Post.objects.values_list("author__username", "body")) == sorted(
        [(citizen.username, "Mit spørgsmål"), (other_citizen.username, "Deres spørgsmål")]
    )


def test_a_key_reused_with_another_body_is_refused_with_422_and_nothing_stored(
    live_session, citizen
):
    client = signed_in(citizen)
    ask(client, live_session, "Første udgave", "draft-1")
    before = stored()

    response = ask(client, live_session, "Anden udgave", "draft-1")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a different request. "
        "Send a new key with a new request.",
        "code": "idempotency_key_reused",
    }
    assert stored() == before


def test_a_key_reused_on_another_path_is_refused_with_422(live_session, citizen):
    client = signed_in(citizen)
    question = ask(client, live_session, "Hvornår?", "key-1").json()
    before = stored()

    response = client.post(
        f"/api/posts/{question['id']}/replies/",
        {"body": "Hvornår?"},
        format="json",
        headers={"Idempotency-Key": "key-1"},
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert stored() == before


@pytest.mark.parametrize("key", ["x" * 256, "", "med mellemrum", "æøå"])
def test_a_malformed_key_is_refused_with_400_and_nothing_stored(live_session, citizen, key):
    response = ask(signed_in(citizen), live_session, "Hvornår?", key)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "An Idempotency-Key is 1 to 255 visible ASCII characters.",
        "code": "invalid_idempotency_key",
    }
    assert stored() == {"posts": 0, "votes": 0, "events": 0}
    assert not IdempotencyKey.objects.exists()


def test_a_key_of_255_characters_is_accepted(live_session, citizen):
    client = signed_in(citizen)
    first = ask(client, live_session, "Hvornår?", "k" * 255)
    again = ask(client, live_session, "Hvornår?", "k" * 255)

    assert (first.status_code, again.status_code) == (201, 201)
    assert Post.objects.count() == 1


def test_a_refused_post_stores_no_key_so_its_retry_is_judged_again(live_session, citizen):
    client = signed_in(citizen)

    empty = ask(client, live_session, "   ", "draft-1")
    assert empty.status_code == 400

    assert not IdempotencyKey.objects.exists()


def test_a_reply_resent_with_its_key_is_one_reply(live_session, citizen, other_citizen):
    question = PostFactory(session=live_session, author=other_citizen)
    client = signed_in(citizen)

    answers = [
        client.post(
            f"/api/posts/{question.pk}/replies/",
            {"body": "Godt spørgsmål"},
            format="json",
            headers={"Idempotency-Key": "reply-1"},
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert Post.objects.filter(parent=question).count() == 1


def test_a_vote_resent_with_its_key_gets_the_first_answer_not_already_voted(
    live_session, citizen, other_citizen
):
    question = PostFactory(session=live_session, author=other_citizen)
    client = signed_in(citizen)
    url = f"/api/posts/{question.pk}/vote/"

    first = client.post(url, headers={"Idempotency-Key": "vote-1"})
    again = client.post(url, headers={"Idempotency-Key": "vote-1"})
    without_key = client.post(url)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() == {"post": question.pk, "vote_count": 1, "voted": True}
    assert without_key.status_code == 400
    assert without_key.json()["code"] == "already_voted"
    assert Vote.objects.count() == 1
    assert list(Event.objects.values_list("type", flat=True)) == ["vote.changed"]


def test_taking_a_vote_back_with_the_votes_key_is_refused(live_session, citizen, other_citizen):
    question = PostFactory(session=live_session, author=other_citizen)
    client = signed_in(citizen)
    url = f"/api/posts/{question.pk}/vote/"
    client.post(url, headers={"Idempotency-Key": "vote-1"})

    response = client.delete(url, headers={"Idempotency-Key": "vote-1"})

    assert response.status_code == 422
    assert Vote.objects.count() == 1


def test_an_expired_key_is_free_again(live_session, citizen, settings):
    settings.TOWNHALL_IDEMPOTENCY_HOURS = 24
    client = signed_in(citizen)
    first = ask(client, live_session, "Hvornår?", "draft-1").json()
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    second = ask(client, live_session, "Hvornår?", "draft-1")

    assert second.status_code == 201
    assert second.json()["id"] != first["id"]
    assert json.loads(IdempotencyKey.objects.get().response)["id"] == second.json()["id"]


def test_keys_live_a_day_and_apply_retention_purges_expired_ones(live_session, citizen):
    client = signed_in(citizen)
    ask(client, live_session, "Hvornår?", "old")
    ask(client, live_session, "Hvorfor?", "new")
    created = IdempotencyKey.objects.get(key="new").created_at
    assert IdempotencyKey.objects.get(key="new").expires_at == created + timedelta(hours=24)
    IdempotencyKey.objects.filter(key="old").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    call_command("apply_retention", stdout=io.StringIO())

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
