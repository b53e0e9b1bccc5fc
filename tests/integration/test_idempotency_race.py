"""Two requests with the same Idempotency-Key at the same time, on two database connections:
one question, and both get its answer (issue 17, part 3)."""

from __future__ import annotations

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from sessions import services
from sessions.models import Event, IdempotencyKey, Post
from tests.factories import PostFactory, SessionFactory, UserFactory, api_token
from tests.waiting import WAIT_SECONDS, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_on_a_lock() -> int:
    """Backends of this database blocked on a lock (the second insert of the key)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def post_with_key(token: str, url: str, body: dict | None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    try:
        return client.post(url, body, format="json", headers={"Idempotency-Key": "tap-tap"})
    finally:
        connections.close_all()


def race(monkeypatch, service_name: str, url: str, body: dict | None):
    """The first request holds its transaction open inside the service until the second is
    seen waiting for the key's row; then both finish."""
    token = api_token(UserFactory(username="anna"))
    inside, release = threading.Event(), threading.Event()
    real_service = getattr(services, service_name)

    def held_service(**kwargs):
        result = real_service(**kwargs)
        inside.set()
        assert release.wait(WAIT_SECONDS)
        return result

    monkeypatch.setattr(services, service_name, held_service)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post_with_key, token, url, body)
        assert inside.wait(WAIT_SECONDS)
        monkeypatch.setattr(services, service_name, real_service)
        second = pool.submit(post_with_key, token, url, body)
        wait_until(waiting_on_a_lock, "the second request never waited for the first", every=0.01)
        release.set()
        return first.result(WAIT_SECONDS), second.result(WAIT_SECONDS)


def test_two_racing_questions_with_one_key_store_one_question(monkeypatch):
    session = SessionFactory()

    first, second = race(
        monkeypatch, "post_question", f"/api/sessions/{session.pk}/questions/", {"body": "Hvornår?"}
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert list(Post.objects.values_list("pk", flat=True)) == [first.json()["id"]]
    assert list(Event.objects.values_list("seq", "type")) == [(1, "question.created")]
    assert IdempotencyKey.objects.count() == 1


def test_two_racing_votes_with_one_key_give_the_same_answer(monkeypatch):
    session = SessionFactory()
    question = PostFactory(session=session)

    first, second = race(monkeypatch, "vote", f"/api/posts/{question.pk}/vote/", None)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json() == {"post": question.pk, "vote_count": 1, "voted": True}
    assert question.votes.count() == 1


def send(worker, session_id: int, token: str, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{worker.url}/api/sessions/{session_id}/questions/",
        data=json.dumps({"body": f"Spørgsmål {key}"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            "Idempotency-Key": key,
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
        return response.status, json.loads(response.read())


def test_the_same_key_sent_to_two_workers_at_once_is_one_question_each_time(workers):
    session = SessionFactory()
    token = api_token(UserFactory(username="anna"))
    keys = [f"tap-{n}" for n in range(8)]

    with ThreadPoolExecutor(2) as pool:
        for key in keys:
            both = [pool.submit(send, worker, session.pk, token, key) for worker in workers]
            (status_one, body_one), (status_two, body_two) = [f.result(WAIT_SECONDS) for f in both]
            assert (status_one, status_two) == (201, 201)
            assert body_one == body_two

    bodies = sorted(Post.objects.values_list("body", flat=True))
    assert bodies == sorted(f"Spørgsmål {key}" for key in keys)
    assert list(Event.objects.values_list("seq", flat=True).order_by("seq")) == list(
        range(1, len(keys) + 1)
    )
