"""The session WebSocket, through the real ASGI stack and the in-memory channel layer."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from sessions import services
from tests.factories import SessionFactory, UserFactory
from tests.waiting import Communicator
from townhall.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def connect(session_id: int, query: str = "", origin=ORIGIN) -> Communicator:
    path = f"/ws/sessions/{session_id}/" + (f"?{query}" if query else "")
    headers = [origin] if origin else []
    communicator = Communicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: Communicator) -> dict:
    return json.loads(await communicator.receive_from())


@database_sync_to_async
def ask(session, author, body):
    return services.post_question(session=session, author=author, body=body)


@database_sync_to_async
def live_session_with_citizen():
    return SessionFactory(), UserFactory(username="anna", first_name="Anna Jensen")


async def test_question_reaches_a_watching_socket_with_its_seq():
    session, citizen = await live_session_with_citizen()
    socket = await connect(session.pk)

    question = await ask(session, citizen, "Hvornår åbner svømmehallen?")

    event = await receive(socket)
    assert event["type"] == "question.created"
    assert event["seq"] == 1
    assert event["data"]["id"] == question.pk
    assert event["data"]["body"] == "Hvornår åbner svømmehallen?"
    assert event["data"]["author"] == "Anna Jensen"
    assert event["data"]["replies"] == []
    await socket.disconnect()


async def test_seq_rises_by_one_for_each_event():
    session, citizen = await live_session_with_citizen()
    socket = await connect(session.pk)

    for n in range(3):
        await ask(session, citizen, f"Question {n}")

    assert [(await receive(socket))["seq"] for _ in range(3)] == [1, 2, 3]
    await socket.disconnect()


async def test_since_replays_missed_events_in_order_then_live_ones():
    session, citizen = await live_session_with_citizen()
    for n in range(4):
        await ask(session, citizen, f"Asked while away {n}")

    socket = await connect(session.pk, "since=1")
    replayed = [await receive(socket) for _ in range(3)]
    assert [event["seq"] for event in replayed] == [2, 3, 4]
    assert [event["data"]["body"] for event in replayed] == [
        "Asked while away 1",
        "Asked while away 2",
        "Asked while away 3",
    ]

    await ask(session, citizen, "Asked while watching")
    live = await receive(socket)
    assert (live["seq"], live["data"]["body"]) == (5, "Asked while watching")
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_without_since_a_socket_gets_only_new_events():
    session, citizen = await live_session_with_citizen()
    await ask(session, citizen, "Old question")

    socket = await connect(session.pk)
    assert await socket.receive_nothing(timeout=0.2)
    await ask(session, citizen, "New question")
    assert (await receive(socket))["seq"] == 2
    await socket.disconnect()


async def test_since_beyond_the_log_resumes_from_its_end():
    session, citizen = await live_session_with_citizen()
    socket = await connect(session.pk, "since=99")
    await ask(session, citizen, "First")
    assert (await receive(socket))["seq"] == 1
    await socket.disconnect()


async def test_events_of_another_session_do_not_arrive():
    session, citizen = await live_session_with_citizen()
    other = await database_sync_to_async(SessionFactory)(title="Another session")
    socket = await connect(session.pk)
    await ask(other, citizen, "Elsewhere")
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_socket_from_a_foreign_origin_is_refused():
    session, _ = await live_session_with_citizen()
    path = f"/ws/sessions/{session.pk}/"
    communicator = Communicator(application, path, headers=[(b"origin", b"https://evil.example")])
    connected, _ = await communicator.connect()
    assert not connected


async def test_unknown_session_gets_an_error_frame_and_a_close():
    socket = await connect(999999)
    event = await receive(socket)
    assert event == {"type": "error", "data": {"message": "There is no such session."}}
    assert (await socket.receive_output())["code"] == 4404


async def test_malformed_since_gets_an_error_frame():
    session, _ = await live_session_with_citizen()
    socket = await connect(session.pk, "since=yesterday")
    event = await receive(socket)
    assert event["type"] == "error"
    assert "since must be a whole number" in event["data"]["message"]
    assert (await socket.receive_output())["code"] == 4400


async def test_client_text_other_than_ping_gets_an_error_frame_and_nothing_is_posted():
    session, _ = await live_session_with_citizen()
    socket = await connect(session.pk)
    await socket.send_to(text_data=json.dumps({"type": "question", "body": "Sneaky"}))
    event = await receive(socket)
    assert event["type"] == "error"
    assert "only carries events" in event["data"]["message"]
    await socket.send_to(text_data=json.dumps({"type": "ping"}))
    assert await receive(socket) == {"type": "pong"}
    assert await database_sync_to_async(session.posts.count)() == 0
    await socket.disconnect()


async def test_anonymous_visitor_may_watch():
    session, citizen = await live_session_with_citizen()
    socket = await connect(session.pk)  # no cookies: AnonymousUser
    await ask(session, citizen, "Visible to all")
    assert (await receive(socket))["data"]["body"] == "Visible to all"
    await socket.disconnect()


async def test_since_too_far_behind_gets_resync_then_live_events(settings):
    settings.TOWNHALL_REPLAY_LIMIT = 2
    session, citizen = await live_session_with_citizen()
    for n in range(5):
        await ask(session, citizen, f"Asked while away {n}")

    socket = await connect(session.pk, "since=1")

    assert await receive(socket) == {"type": "resync", "data": {"seq": 5}}
    await ask(session, citizen, "Asked after the resync")
    live = await receive(socket)
    assert (live["seq"], live["data"]["body"]) == (6, "Asked after the resync")
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


async def test_since_within_the_replay_limit_replays(settings):
    settings.TOWNHALL_REPLAY_LIMIT = 2
    session, citizen = await live_session_with_citizen()
    for n in range(5):
        await ask(session, citizen, f"Asked while away {n}")

    socket = await connect(session.pk, "since=3")

    assert [(await receive(socket))["seq"] for _ in range(2)] == [4, 5]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()
