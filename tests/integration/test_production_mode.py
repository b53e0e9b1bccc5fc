"""Several Daphne workers on PostgreSQL and Redis: events cross workers, seq stays gap-free
under concurrent writers, and a reconnecting socket misses nothing after a worker crash."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from websockets.sync.client import ClientConnection, connect

from sessions import services
from sessions.models import Event, Session
from tests.factories import SessionFactory, UserFactory
from tests.servers import DaphneServer
from tests.waiting import WAIT_SECONDS

pytestmark = pytest.mark.django_db(transaction=True)


def watch(worker: DaphneServer, session: Session, since: int | None = None) -> ClientConnection:
    query = "" if since is None else f"?since={since}"
    return connect(
        f"{worker.ws_url}/ws/sessions/{session.pk}/{query}",
        origin=worker.url,
        open_timeout=WAIT_SECONDS,
    )


def next_event(socket: ClientConnection, timeout: float = WAIT_SECONDS) -> dict:
    """The next event from the log, past presence frames (viewers now, outside the log)."""
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        if frame["type"] != "presence":
            return frame


def citizen_token() -> str:
    return Token.objects.create(user=UserFactory(username="anna")).key


def test_question_posted_on_one_worker_reaches_a_socket_on_another(workers):
    first, second = workers
    session = SessionFactory()
    token = citizen_token()

    with watch(second, session) as socket:
        # Idle longer than redis-py 8's default 5 s socket timeout (channels_redis#422).
        time.sleep(6)
        posted = first.ask(session.pk, token, "Hvornår åbner havnebadet?")
        event = next_event(socket)

    assert event["type"] == "question.created"
    assert event["seq"] == 1
    assert event["data"]["id"] == posted["id"]
    assert event["data"]["body"] == "Hvornår åbner havnebadet?"


def test_seq_stays_gap_free_and_unique_under_20_concurrent_posters():
    session = SessionFactory()
    citizens = [UserFactory(username=f"poster-{n}") for n in range(20)]
    start = threading.Barrier(len(citizens))

    def post(citizen) -> None:
        start.wait()
        try:
            services.post_question(session=session, author=citizen, body=f"From {citizen}")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(citizens)) as pool:
        list(pool.map(post, citizens))

    seqs = list(Event.objects.filter(session=session).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 21))
    session.refresh_from_db()
    assert session.last_seq == 20
    assert session.posts.count() == 20


def test_socket_reconnecting_after_a_worker_crash_gets_every_missed_event_once_in_order(workers):
    first, second = workers
    session = SessionFactory()
    token = citizen_token()

    with watch(second, session) as socket:
        first.ask(session.pk, token, "Before the crash")
        seen = next_event(socket)["seq"]
        second.kill()
    missed = [first.ask(session.pk, token, f"While down {n}")["id"] for n in range(3)]
    second.start()

    with watch(second, session, since=seen) as socket:
        replayed = [next_event(socket) for _ in range(3)]
        first.ask(session.pk, token, "After the restart")
        live = next_event(socket)
        with pytest.raises(TimeoutError):
            next_event(socket, timeout=5)

    assert seen == 1
    assert [event["seq"] for event in replayed] == [2, 3, 4]
    assert [event["data"]["id"] for event in replayed] == missed
    assert (live["seq"], live["data"]["body"]) == (5, "After the restart")
