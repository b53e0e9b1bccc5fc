"""The page's own forms take an Idempotency-Key header too: a resent form is one post."""

from __future__ import annotations

import pytest

from sessions.models import Post, Vote
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_a_question_form_resent_with_its_key_is_one_question(client, live_session, citizen):
    client.force_login(citizen)
    url = f"/sessions/{live_session.pk}/ask/"

    first = client.post(url, {"body": "Hvornår?"}, headers={"Idempotency-Key": "form-1"})
    again = client.post(url, {"body": "Hvornår?"}, headers={"Idempotency-Key": "form-1"})

    question = Post.objects.get()
    assert first.status_code == again.status_code == 302
    assert (
        first["Location"] == again["Location"] == f"/sessions/{live_session.pk}/#post-{question.pk}"
    )


def test_a_question_form_with_a_reused_key_and_another_text_is_refused_422(
    client, live_session, citizen
):
    client.force_login(citizen)
    url = f"/sessions/{live_session.pk}/ask/"
    client.post(url, {"body": "Hvornår?"}, headers={"Idempotency-Key": "form-1"})

    response = client.post(url, {"body": "Hvorfor?"}, headers={"Idempotency-Key": "form-1"})

    assert response.status_code == 422
    assert "This Idempotency-Key was already used for a different request." in (
        response.content.decode()
    )
    assert list(Post.objects.values_list("body", flat=True)) == ["Hvornår?"]


def test_a_vote_form_resent_with_its_key_is_one_vote_and_no_error(
    client, live_session, citizen, other_citizen
):
    question = PostFactory(session=live_session, author=other_citizen)
    client.force_login(citizen)
    url = f"/posts/{question.pk}/vote/"

    client.post(url, {"action": "vote"}, headers={"Idempotency-Key": "vote-1"})
    again = client.post(url, {"action": "vote"}, headers={"Idempotency-Key": "vote-1"}, follow=True)

    assert Vote.objects.count() == 1
    assert "You have already voted" not in again.content.decode()


def test_a_reply_form_resent_with_its_key_is_one_reply(
    client, live_session, citizen, other_citizen
):
    question = PostFactory(session=live_session, author=other_citizen)
    client.force_login(citizen)
    url = f"/posts/{question.pk}/reply/"

    for _ in range(2):
        client.post(url, {"body": "Godt spørgsmål"}, headers={"Idempotency-Key": "reply-1"})

    assert Post.objects.filter(parent=question).count() == 1
