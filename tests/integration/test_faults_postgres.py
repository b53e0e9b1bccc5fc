"""PostgreSQL restarts (or fails over) under a production-mode worker (issue 17, part 2): while it
is away every request gets 503 with Retry-After and a sentence in the visitor's language, never a
500; once it is back the same worker serves again, without a restart, and a question resent with
its Idempotency-Key is stored once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from tests.faults import OwnPostgres, manage
from tests.integration.test_production_mode import next_event
from tests.servers import PRODUCTION, DaphneServer
from tests.waiting import WAIT_SECONDS, wait_until

SETUP = (
    "from tests.factories import SessionFactory, UserFactory, api_token; "
    "print(SessionFactory().pk, api_token(UserFactory(username='anna')))"
)


def call(url: str, method: str = "GET", token: str = "", body: dict | None = None, **headers):
    """(status, headers, body text) of one request; errors are answers too."""
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Token {token}"} if token else {}),
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS * 2) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def postgres(redis_url: str) -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.start()
        server.create_database()
        manage(server.url, redis_url, "migrate", "--noinput", "-v", "0")
        yield server
    finally:
        server.remove()


@pytest.fixture
def redis_url() -> str:
    from django.conf import settings

    return settings.REDIS_URL


def test_a_database_outage_gives_503_in_the_users_language_and_the_worker_recovers(
    postgres, redis_url
):
    session_id, token = (
        manage(postgres.url, redis_url, "shell", "-c", SETUP).splitlines()[-1].split()
    )
    worker = DaphneServer(
        **PRODUCTION, DATABASE_URL=postgres.url, REDIS_URL=redis_url, DJANGO_LOG_LEVEL="CRITICAL"
    ).start()
    api = f"{worker.url}/api/sessions/{session_id}/"
    questions = f"{api}questions/"
    try:
        with connect(
            f"{worker.ws_url}/ws/sessions/{session_id}/",
            origin=worker.url,
            open_timeout=WAIT_SECONDS,
        ) as socket:
            assert call(api)[0] == 200

            postgres.stop()

            status, headers, text = call(api, **{"Accept-Language": "en"})
            assert status == 503
            assert headers["Retry-After"] == "5"
            assert json.loads(text) == {
                "detail": "The town hall cannot reach its database right now. Nothing you wrote is "
                "lost: try again in a moment.",
                "code": "unavailable",
            }
            status, headers, text = call(
                questions, "POST", token, {"body": "Hvornår?"}, **{"Idempotency-Key": "draft-1"}
            )
            assert (status, headers["Retry-After"]) == (503, "5")
            assert json.loads(text)["code"] == "unavailable"
            status, headers, page = call(
                f"{worker.url}/sessions/{session_id}/", **{"Accept-Language": "da"}
            )
            assert (status, headers["Retry-After"]) == (503, "5")
            assert headers["Content-Type"].startswith("text/html")
            assert '<html lang="da">' in page
            assert "Rådhuset kan ikke nå sin database lige nu." in page
            assert "Traceback" not in page

            postgres.start()

            def serves_again() -> bool:
                status = call(api)[0]
                assert status in (200, 503), status
                return status == 200

            wait_until(serves_again, "the worker did not serve again", every=0.2)
            first = call(
                questions, "POST", token, {"body": "Hvornår?"}, **{"Idempotency-Key": "draft-1"}
            )
            again = call(
                questions, "POST", token, {"body": "Hvornår?"}, **{"Idempotency-Key": "draft-1"}
            )
            assert (first[0], again[0]) == (201, 201)
            # The socket opened before the outage stayed open and hears the question, once.
            frame = next_event(socket)
            assert (frame["type"], frame["seq"]) == ("question.created", 1)
            assert frame["data"]["id"] == json.loads(first[2])["id"]
            assert json.loads(again[2]) == json.loads(first[2])
            listed = json.loads(call(questions)[2])
            assert [q["body"] for q in listed["results"]] == ["Hvornår?"]
            assert worker.process.poll() is None
    finally:
        worker.stop()
