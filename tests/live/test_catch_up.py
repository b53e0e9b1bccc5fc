"""An event whose doorbell rang nowhere (published while Redis was away) reaches every socket by
the relay's slow read of the log, even when nothing is published after it (issue 17, part 1)."""

from __future__ import annotations

import pytest

from sessions import events
from tests.live.test_consumers import ask, connect, live_session_with_citizen, receive

pytestmark = pytest.mark.django_db(transaction=True)


async def test_events_without_a_doorbell_arrive_by_the_catch_up_once_and_in_order(
    monkeypatch, settings
):
    settings.TOWNHALL_RELAY_CATCH_UP_SECONDS = 0.1
    session, citizen = await live_session_with_citizen()
    sockets = [await connect(session.pk), await connect(session.pk)]
    monkeypatch.setattr(events, "broadcast", lambda event: None)

    await ask(session, citizen, "Stillet mens Redis var væk")
    await ask(session, citizen, "Også stillet mens Redis var væk")

    for socket in sockets:
        first, second = await receive(socket), await receive(socket)
        assert [(first["seq"], first["data"]["body"]), (second["seq"], second["data"]["body"])] == [
            (1, "Stillet mens Redis var væk"),
            (2, "Også stillet mens Redis var væk"),
        ]
        # Later reads of the log find nothing new: no event comes twice.
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()


async def test_a_doorbell_after_the_catch_up_does_not_repeat_the_event(settings):
    settings.TOWNHALL_RELAY_CATCH_UP_SECONDS = 0.05
    session, citizen = await live_session_with_citizen()
    socket = await connect(session.pk)

    for n in range(5):
        await ask(session, citizen, f"Spørgsmål {n}")

    seqs = [(await receive(socket))["seq"] for _ in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()
