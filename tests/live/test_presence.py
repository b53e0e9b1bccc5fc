"""Presence in one process: viewers now, a browser counted once, frames outside the event log."""

from __future__ import annotations

import json

import pytest

from sessions.live.presence import viewer_key
from tests.live.test_consumers import ask, connect, live_session_with_citizen
from tests.waiting import Communicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def presence_often(settings) -> None:
    settings.TOWNHALL_PRESENCE_INTERVAL = 0.05


async def next_presence(socket: Communicator) -> int:
    while True:
        frame = json.loads(await socket.receive_from())
        if frame["type"] == "presence":
            assert "seq" not in frame
            return frame["data"]["viewers"]


async def presence_becomes(socket: Communicator, viewers: int) -> bool:
    """Read presence frames until one says `viewers` (a socket first gets the count it joined)."""
    while await next_presence(socket) != viewers:
        pass
    return True


async def test_each_browser_counts_once_and_a_leaving_one_is_gone():
    session, _ = await live_session_with_citizen()
    anna = await connect(session.pk, "viewer=anna-browser-1")
    assert await next_presence(anna) == 1

    anna_second_tab = await connect(session.pk, "viewer=anna-browser-1")
    bo = await connect(session.pk, "viewer=bo-browser-22")
    assert await presence_becomes(anna, 2)
    assert await presence_becomes(anna_second_tab, 2)
    assert await presence_becomes(bo, 2)
    assert await anna.receive_nothing(timeout=0.2)  # 2 stays 2: no frame

    await bo.disconnect()
    assert await next_presence(anna) == 1
    await anna_second_tab.disconnect()
    await anna.disconnect()


async def test_sockets_without_a_browser_id_count_one_each():
    session, _ = await live_session_with_citizen()
    first = await connect(session.pk)
    second = await connect(session.pk, "viewer=no")  # too short to be an id

    assert await presence_becomes(first, 2)
    await first.disconnect()
    await second.disconnect()


async def test_presence_frames_take_no_seq_from_the_log():
    session, citizen = await live_session_with_citizen()
    socket = await connect(session.pk, "viewer=anna-browser-1")
    assert await next_presence(socket) == 1

    await ask(session, citizen, "Første spørgsmål")

    frame = json.loads(await socket.receive_from())
    assert (frame["type"], frame["seq"]) == ("question.created", 1)
    await socket.disconnect()


def test_viewer_key_takes_a_sane_browser_id_and_makes_one_up_otherwise():
    assert viewer_key("0123456789abcdef") == "v:0123456789abcdef"
    assert viewer_key("short").startswith("s:")
    assert viewer_key("<script>alert(1)</script>").startswith("s:")
    assert viewer_key(None) != viewer_key(None)
