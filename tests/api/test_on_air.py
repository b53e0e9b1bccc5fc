"""POST and DELETE /api/posts/{id}/on-air/: what callers get, and refusals that change nothing."""

from __future__ import annotations

import pytest

from sessions.models import Event, Post
from tests.factories import PostFactory, ReplyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(live_session) -> Post:
    return PostFactory(session=live_session, body="Hvornår åbner svømmehallen?")


def test_panel_politician_puts_a_question_on_air(api_client, question, mayor_user):
    api_client.force_authenticate(mayor_user)

    response = api_client.post(f"/api/posts/{question.pk}/on-air/")

    assert response.status_code == 200
    assert response.json()["id"] == question.pk
    assert response.json()["on_air"] is True
    listed = api_client.get(f"/api/sessions/{question.session_id}/questions/").json()
    assert listed["results"][0]["on_air"] is True


def test_delete_takes_it_off(api_client, question, staff):
    api_client.force_authenticate(staff)
    api_client.post(f"/api/posts/{question.pk}/on-air/")

    response = api_client.delete(f"/api/posts/{question.pk}/on-air/")

    assert response.status_code == 200
    assert response.json()["on_air"] is False
    assert not Post.objects.filter(on_air=True).exists()


def test_a_reply_is_refused_with_a_message(api_client, question, staff):
    reply = ReplyFactory(parent=question)
    api_client.force_authenticate(staff)

    response = api_client.post(f"/api/posts/{reply.pk}/on-air/")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only a question can be put on air.",
        "code": "not_question",
    }
    assert Event.objects.count() == 0


def test_a_citizen_is_refused(api_client, question, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/posts/{question.pk}/on-air/")

    assert response.status_code == 403
    assert "moderator or staff" in response.json()["detail"]
    assert not Post.objects.filter(on_air=True).exists()


def test_a_missing_post_is_404(api_client, staff):
    api_client.force_authenticate(staff)

    response = api_client.post("/api/posts/999999/on-air/")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_refusal_in_danish(api_client, question, staff):
    api_client.force_authenticate(staff)

    response = api_client.delete(f"/api/posts/{question.pk}/on-air/", HTTP_ACCEPT_LANGUAGE="da")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Det spørgsmål er ikke i æteren.",
        "code": "not_on_air",
    }
