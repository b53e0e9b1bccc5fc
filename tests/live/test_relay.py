"""The per-process relay: one channel-layer member per process, each event once to every socket of
its session, gaps read from the log, vote counts coalesced, slow sockets closed with 4013."""

from __future__ import annotations

import json
import socket as sockets
import time
from base64 import b64encode
from contextlib import ExitStack

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from websockets.sync.client import connect as ws_connect

from sessions import events, services
from sessions.live.relay import (
    DIRECT_SEND_VERSIONS,
    close_relay,
    direct_send_supported,
    get_relay,
)
from sessions.models import Session
from tests.factories import SessionFactory, UserFactory, api_token
from tests.live.test_consumers import ask, connect, live_session_with_citizen, receive
from tests.servers import DaphneServer
from tests.waiting import WAIT_SECONDS, async_wait_until

pytestmark = pytest.mark.django_db(transaction=True)


async def test_each_event_reaches_every_socket_of_its_session_once_and_no_other_session():
    session, citizen = await live_session_with_citizen()
    other = await database_sync_to_async(SessionFactory)(title="Another session")
    watching = [await connect(session.pk) for _ in range(3)]
    elsewhere = await connect(other.pk)

    await ask(session, citizen, "Hvornår åbner svømmehallen?")
    await ask(session, citizen, "Og biblioteket?")

    for socket in watching:
        first, second = await receive(socket), await receive(socket)
        assert (first["seq"], first["data"]["body"]) == (1, "Hvornår åbner svømmehallen?")
        assert (second["seq"], second["data"]["body"]) == (2, "Og biblioteket?")
        assert await socket.receive_nothing(timeout=0.1)
    assert await elsewhere.receive_nothing(timeout=0.1)
    for socket in [*watching, elsewhere]:
        await socket.disconnect()


async def group_members(group: str) -> list[str]:
    """The channels in a channel-layer group, as the layer itself stores them."""
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # in memory
        return list(layer.groups.get(group, {}))
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.REDIS_URL)
    members = await redis.zrange(f"{layer.prefix}:group:{group}", 0, -1)
    await redis.aclose()
    return [member.decode() for member in members]


async def test_the_session_group_gets_one_member_however_many_sockets_watch():
    session, _ = await live_session_with_citizen()
    group = events.group_name(session.pk)
    before = await group_members(group)  # a crashed process's relay stays until Redis expires it
    watching = [await connect(session.pk) for _ in range(5)]

    added = set(await group_members(group)) - set(before)

    assert added == {get_relay().channel_name}
    for socket in watching:
        await socket.disconnect()


async def test_an_event_whose_doorbell_was_lost_is_read_from_the_log_before_the_next(
    monkeypatch,
):
    session, citizen = await live_session_with_citizen()
    socket = await connect(session.pk)
    ring = events.broadcast
    monkeypatch.setattr(events, "broadcast", lambda event: None)
    await ask(session, citizen, "Lost doorbell")
    monkeypatch.setattr(events, "broadcast", ring)

    await ask(session, citizen, "Rings")

    first, second = await receive(socket), await receive(socket)
    assert [(first["seq"], first["data"]["body"]), (second["seq"], second["data"]["body"])] == [
        (1, "Lost doorbell"),
        (2, "Rings"),
    ]
    assert await socket.receive_nothing(timeout=0.1)
    await socket.disconnect()


@database_sync_to_async
def votes_from(session: Session, question, count: int) -> None:
    for n in range(count):
        services.vote(question=question, user=UserFactory(username=f"voter-{n}"))


async def test_a_vote_storm_is_coalesced_and_the_last_count_always_arrives(settings):
    # Coalescing needs two votes within one interval: 3 s leaves room for a loaded machine's slow
    # writes (1 s did not); the last count still arrives one interval after the last vote.
    settings.TOWNHALL_VOTE_INTERVAL = 3.0
    session, citizen = await live_session_with_citizen()
    question = await ask(session, citizen, "Skal vi have en ny skole?")
    socket = await connect(session.pk, "since=1")

    await votes_from(session, question, 10)

    counts = []
    while not counts or counts[-1]["data"]["vote_count"] != 10:
        counts.append(await receive(socket))
    assert {frame["type"] for frame in counts} == {"vote.changed"}
    assert len(counts) < 10
    assert counts[-1]["seq"] == 11
    assert [frame["seq"] for frame in counts] == sorted({frame["seq"] for frame in counts})
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_held_vote_counts_go_out_before_a_later_event_in_seq_order(settings):
    settings.TOWNHALL_VOTE_INTERVAL = 60.0
    session, citizen = await live_session_with_citizen()
    question = await ask(session, citizen, "Skal vi have en ny skole?")
    socket = await connect(session.pk, "since=1")

    await votes_from(session, question, 3)
    await ask(session, citizen, "Next question")

    frames = [await receive(socket) for _ in range(3)]
    assert [(frame["type"], frame["seq"]) for frame in frames] == [
        ("vote.changed", 2),  # the first count goes at once
        ("vote.changed", 4),  # the third replaced the second while held
        ("question.created", 5),
    ]
    assert frames[1]["data"] == {"post": question.pk, "vote_count": 3}
    await socket.disconnect()


# Through Daphne: a viewer that stops reading ------------------------------------------------


def next_event(viewer, timeout: float = WAIT_SECONDS) -> dict:
    """The next event on a websockets client, past presence frames (which carry no seq)."""
    while True:
        frame = json.loads(viewer.recv(timeout=timeout))
        if frame["type"] != "presence":
            return frame


def open_unread_socket(server: DaphneServer, session_id: int) -> sockets.socket:
    """A WebSocket that never reads after the handshake, with a tiny receive window."""
    raw = sockets.socket()
    raw.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, 2048)
    raw.connect(("127.0.0.1", server.port))
    key = b64encode(b"townhall-slow-16").decode()
    raw.sendall(
        (
            f"GET /ws/sessions/{session_id}/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Origin: {server.url}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += raw.recv(1)
    assert response.startswith(b"HTTP/1.1 101")
    return raw


def how_it_ended(raw: sockets.socket) -> str:
    """Read the socket to its end: "close 4013" for a close frame with that code, "dropped" when
    the server cut the connection (it waits a second for a client to answer a close, then drops
    it; a client that reads nothing never sees the frame), "open" when it still stands."""
    raw.settimeout(WAIT_SECONDS)
    data = b""
    ending = "open"
    while True:
        try:
            chunk = raw.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            ending = "dropped"
            break
        if not chunk:
            ending = "dropped"
            break
        data += chunk
    while len(data) >= 2:
        opcode, length, offset = data[0] & 0x0F, data[1] & 0x7F, 2
        if length == 126:
            length, offset = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, offset = int.from_bytes(data[2:10], "big"), 10
        if opcode == 0x8:
            return f"close {int.from_bytes(data[offset : offset + 2], 'big')}"
        data = data[offset + length :]
    return ending


# Both paths to the socket, ASGI send and the direct one, pass the same tests.
both_paths = pytest.mark.parametrize("direct", ["0", "1"], ids=["asgi-send", "direct-send"])


@both_paths
def test_a_socket_that_stops_reading_is_closed_with_4013_and_the_others_get_every_event(direct):
    session = SessionFactory()
    token = api_token(UserFactory(username="editor", is_staff=True))
    server = DaphneServer(
        TOWNHALL_DIRECT_SEND=direct,
        TOWNHALL_SOCKET_BUFFER_LIMIT="4096",
        TOWNHALL_SOCKET_KERNEL_BUFFER="8192",
        TOWNHALL_RATE_LIMITS="off",
    ).start()
    try:
        slow = open_unread_socket(server, session.pk)
        with ws_connect(
            f"{server.ws_url}/ws/sessions/{session.pk}/",
            origin=server.url,
            open_timeout=WAIT_SECONDS,
        ) as fast:
            # The kernel's buffers take some 20 KB here and Twisted's 64 KB before the writer
            # starts holding frames; 80 questions of 2 KB are well past that and the 4 KB limit.
            for n in range(80):
                server.ask(session.pk, token, f"{n:03d} " + "lang tekst " * 180)
                event = next_event(fast)
                assert (event["seq"], event["data"]["body"][:3]) == (n + 1, f"{n:03d}")
        assert how_it_ended(slow) in {"close 4013", "dropped"}
        slow.close()
    finally:
        server.stop()


@both_paths
def test_a_socket_that_reads_slowly_but_keeps_up_is_not_closed(direct):
    session = SessionFactory()
    token = api_token(UserFactory(username="editor", is_staff=True))
    server = DaphneServer(
        TOWNHALL_DIRECT_SEND=direct, TOWNHALL_SOCKET_BUFFER_LIMIT="4096", TOWNHALL_RATE_LIMITS="off"
    ).start()
    try:
        with ws_connect(
            f"{server.ws_url}/ws/sessions/{session.pk}/",
            origin=server.url,
            open_timeout=WAIT_SECONDS,
        ) as viewer:
            for n in range(5):
                server.ask(session.pk, token, f"{n} " + "lang tekst " * 180)
            time.sleep(0.5)
            assert [next_event(viewer)["seq"] for _ in range(5)] == [1, 2, 3, 4, 5]
    finally:
        server.stop()


async def test_the_relay_leaves_the_group_once_the_last_socket_of_a_session_is_gone(settings):
    settings.TOWNHALL_RELAY_IDLE_SECONDS = 0.1
    settings.TOWNHALL_PRESENCE_INTERVAL = 0.05
    session, _ = await live_session_with_citizen()
    group = events.group_name(session.pk)
    before = await group_members(group)
    socket = await connect(session.pk)
    assert len(await group_members(group)) == len(before) + 1

    await socket.disconnect()

    async def left_the_group() -> bool:
        return await group_members(group) == before

    await async_wait_until(left_the_group, "the socket is still in the group")
    assert session.pk not in get_relay().sessions


async def test_a_stopping_process_relay_leaves_its_groups_at_once():
    session, _ = await live_session_with_citizen()
    group = events.group_name(session.pk)
    before = await group_members(group)
    socket = await connect(session.pk)
    relay = get_relay()
    assert set(await group_members(group)) - set(before) == {relay.channel_name}

    await socket.disconnect()
    await close_relay()  # townhall/serve.py, once its sockets are closed

    assert await group_members(group) == before
    assert all(task.done() for task in relay.tasks)
    assert get_relay() is not relay  # a later socket in this loop gets a fresh one


@both_paths
def test_every_socket_under_daphne_gets_each_event_once_in_order(direct):
    session = SessionFactory()
    other = SessionFactory(title="Another session")
    token = api_token(UserFactory(username="editor", is_staff=True))
    server = DaphneServer(TOWNHALL_DIRECT_SEND=direct, TOWNHALL_RATE_LIMITS="off").start()
    url = f"{server.ws_url}/ws/sessions"
    try:
        with ExitStack() as sockets_open:
            viewers = [
                sockets_open.enter_context(
                    ws_connect(f"{url}/{session.pk}/", origin=server.url, open_timeout=WAIT_SECONDS)
                )
                for _ in range(3)
            ]
            elsewhere = sockets_open.enter_context(
                ws_connect(f"{url}/{other.pk}/", origin=server.url, open_timeout=WAIT_SECONDS)
            )
            for n in range(5):
                server.ask(session.pk, token, f"Spørgsmål {n} æøå")
            for viewer in viewers:
                events = [next_event(viewer) for _ in range(5)]
                assert [(e["seq"], e["data"]["body"]) for e in events] == [
                    (n + 1, f"Spørgsmål {n} æøå") for n in range(5)
                ]
                with pytest.raises(TimeoutError):
                    next_event(viewer, timeout=0.3)
            with pytest.raises(TimeoutError):
                next_event(elsewhere, timeout=0.3)
    finally:
        server.stop()


def test_the_direct_path_runs_on_the_versions_it_was_written_for():
    """Fails when Daphne, Twisted or autobahn change: check relay.SocketWriter.write_direct
    against the new versions (attributes it reads: protocol.state, _perMessageCompress,
    transport.socket, dataBuffer, offset, _tempDataLen), then update DIRECT_SEND_VERSIONS."""
    from importlib.metadata import version

    assert {name: version(name) for name in DIRECT_SEND_VERSIONS} == DIRECT_SEND_VERSIONS
    assert direct_send_supported()
