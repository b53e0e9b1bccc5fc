"""Redis restarts (keeping nothing) under two production-mode workers with viewers on each (issue
17, part 1): a question asked while Redis is away is stored and answered 201, every viewer gets
every event exactly once and in order without anything else being posted, pages and rate limits
keep working, and presence recovers."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection, connect

from sessions.models import Post
from tests.factories import SessionFactory, UserFactory, api_token
from tests.faults import OwnRedis
from tests.servers import CACHE_PREFIX, PRODUCTION, DaphneServer, collect_static
from tests.waiting import WAIT_SECONDS, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# Presence forgets a viewer 45 s after its last renewal, and renews every 15 s: under a minute.
PRESENCE_RECOVERY_SECONDS = 60


@pytest.fixture
def redis() -> Iterator[OwnRedis]:
    server = OwnRedis().start()
    yield server
    server.stop()


@pytest.fixture
def two_workers(redis: OwnRedis) -> Iterator[tuple[DaphneServer, DaphneServer]]:
    collect_static()
    environment = {
        **PRODUCTION,
        "REDIS_URL": redis.url,
        # The default limits, on: they must not turn Redis's absence into a 500.
        "TOWNHALL_RATE_LIMITS": "",
        "DJANGO_LOG_LEVEL": "CRITICAL",
    }
    first = DaphneServer(**environment).start()
    second = DaphneServer(**environment).start()
    yield first, second
    first.stop()
    second.stop()


def watch(worker: DaphneServer, session_id: int, viewer: str) -> ClientConnection:
    return connect(
        f"{worker.ws_url}/ws/sessions/{session_id}/?viewer={viewer}",
        origin=worker.url,
        open_timeout=WAIT_SECONDS,
    )


def events_until(socket: ClientConnection, seq: int) -> list[tuple[int, str]]:
    """(seq, body) of every event the socket gets until `seq`, past presence frames."""
    received = []
    while not received or received[-1][0] < seq:
        frame = json.loads(socket.recv(timeout=WAIT_SECONDS))
        if frame["type"] != "presence":
            received.append((frame["seq"], frame["data"].get("body", "")))
    return received


def no_more_events(socket: ClientConnection, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = json.loads(socket.recv(timeout=left))
        except TimeoutError:
            return True
        if frame["type"] != "presence":
            return False
    return True


def viewers_in_redis(redis: OwnRedis, session_id: int) -> int:
    found = subprocess.run(
        ["redis-cli", "-p", str(redis.port), "zcard", f"{CACHE_PREFIX}:presence:{session_id}"],
        capture_output=True,
        text=True,
    )
    return int(found.stdout.strip() or 0)


def page_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=WAIT_SECONDS) as response:
        return response.status


def test_a_redis_restart_loses_no_event_and_refuses_no_question(redis, two_workers):
    first, second = two_workers
    session = SessionFactory()
    token = api_token(UserFactory(username="anna"))
    with (
        watch(first, session.pk, "viewer-one-0001") as one,
        watch(second, session.pk, "viewer-two-0002") as two,
    ):
        first.ask(session.pk, token, "Før Redis gik ned")
        assert events_until(one, 1) == events_until(two, 1) == [(1, "Før Redis gik ned")]

        redis.stop()

        # Stored and answered 201 (DaphneServer.ask insists), with the rate limits on.
        asked = second.ask(session.pk, token, "Mens Redis var væk")
        assert Post.objects.get(pk=asked["id"]).body == "Mens Redis var væk"
        # Nothing else is posted: the relays read it from the log by themselves.
        assert events_until(one, 2) == events_until(two, 2) == [(2, "Mens Redis var væk")]
        assert page_status(f"{first.url}/sessions/{session.pk}/") == 200
        # A viewer arriving meanwhile is let in, and follows from the log's end.
        with watch(second, session.pk, "viewer-three-0003") as three:
            redis.start()

            first.ask(session.pk, token, "Efter Redis kom igen")
            assert events_until(one, 3) == events_until(two, 3) == [(3, "Efter Redis kom igen")]
            assert events_until(three, 3) == [(3, "Efter Redis kom igen")]
            assert no_more_events(one) and no_more_events(two) and no_more_events(three)

        wait_until(
            lambda: viewers_in_redis(redis, session.pk) == 2,  # the third has left
            "presence did not recover",
            ceiling=PRESENCE_RECOVERY_SECONDS,
            every=0.5,
        )
