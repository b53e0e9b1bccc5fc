"""Presence across two Daphne workers sharing Redis: every viewer counted once, wherever its
socket is, and gone soon after it leaves."""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.factories import SessionFactory
from tests.waiting import WAIT_SECONDS

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
