"""Presence across two Daphne workers sharing Redis: every viewer counted once, wherever its
socket is, and gone soon after it leaves."""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import ClientConnection, connect

from sessions import audience, services
from tests.factories import ModeratorFactory, SessionFactory, UserFactory
from tests.servers import CACHE_PREFIX
from tests.test_moderation import session_cookie
from tests.waiting import WAIT_SECONDS, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def watch(worker, session_id: int, viewer: str) -> ClientConnection:
    url = f"{worker.ws_url}/ws/sessions/{session_id}/?viewer={viewer}"
    return connect(url, origin=worker.url, open_timeout=WAIT_SECONDS)


def presence_becomes(socket: ClientConnection, viewers: int) -> bool:
    while True:
        frame = json.loads(socket.recv(timeout=WAIT_SECONDS))
        if frame["type"] == "presence" and frame["data"]["viewers"] == viewers:
            return True


def test_viewers_on_two_workers_are_counted_together_and_a_leaver_is_gone(workers):
    first, second = workers
    session = SessionFactory()

    with watch(first, session.pk, "anna-browser-1") as anna:
        assert presence_becomes(anna, 1)
        with (
            watch(second, session.pk, "bo-browser-22") as bo,
            watch(second, session.pk, "bo-browser-22") as bo_second_tab,
        ):
            assert presence_becomes(anna, 2)
            assert presence_becomes(bo, 2)
            assert presence_becomes(bo_second_tab, 2)
        assert presence_becomes(anna, 1)


def signed_in_watch(worker, session_id: int, user) -> ClientConnection:
    url = f"{worker.ws_url}/ws/sessions/{session_id}/"
    cookie = f"sessionid={session_cookie(user)}"
    return connect(
        url, origin=worker.url, open_timeout=WAIT_SECONDS, additional_headers={"Cookie": cookie}
    )


def signed_in_viewers_become(session_id: int, expected: int) -> bool:
    return wait_until(
        lambda: audience.signed_in_viewers(session_id) == expected,
        f"never {expected} signed-in viewers",
    )


def test_a_poll_closing_counts_signed_in_viewers_of_every_worker_once_each(workers, settings):
    settings.TOWNHALL_CACHE_PREFIX = CACHE_PREFIX
    first, second = workers
    session = SessionFactory()
    moderator = ModeratorFactory(municipality=session.municipality).user
    anna, bo = UserFactory(username="anna"), UserFactory(username="bo")
    poll = services.create_poll(
        session=session, user=moderator, question="Hvad først?", kind="scale", options=[]
    )
    services.open_poll(poll=poll, user=moderator)

    with (
        signed_in_watch(first, session.pk, anna),
        signed_in_watch(second, session.pk, anna),
        watch(first, session.pk, "somebody-anonymous"),
    ):
        with signed_in_watch(second, session.pk, bo):
            assert signed_in_viewers_become(session.pk, 2)
            services.close_poll(poll=poll, user=moderator)
        assert signed_in_viewers_become(session.pk, 1)

    poll.refresh_from_db()
    assert poll.viewers_at_close == 2
