"""Polls on the socket: opening and closing reach every viewer with a seq, counts are coalesced
and the last one always arrives, and results not yet public reach only the moderators."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from sessions import audience, selectors, services
from sessions.models import Event, Poll
from sessions.services import polls
from sessions.services.polls import ResultsPublisher
from tests.factories import ModeratorFactory, SessionFactory, UserFactory
from tests.live.test_consumers import connect, receive
from tests.test_moderation import open_socket
from tests.waiting import async_wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def session_with_poll(results: str = "live"):
    session = SessionFactory()
    moderator = ModeratorFactory(municipality=session.municipality).user
    poll = services.create_poll(
        session=session,
        user=moderator,
        question="Hvad skal vi bygge først?",
        kind="single",
        options=["Svømmehal", "Cykelsti"],
        results=results,
    )
    return session, moderator, poll


@database_sync_to_async
def open_it(poll, user):
    return services.open_poll(poll=poll, user=user)


@database_sync_to_async
def ballots(poll, count: int, start: int = 0) -> None:
    option = poll.options.first()
    for n in range(start, start + count):
        voter = UserFactory(username=f"voter-{n}")
        services.cast_ballot(poll=poll, user=voter, choices=[option.pk])


@database_sync_to_async
def stored_results(poll):
    return selectors.poll_results(Poll.objects.get(pk=poll.pk))


async def test_opening_and_closing_a_poll_reach_a_watching_socket_with_seqs():
    session, moderator, poll = await session_with_poll()
    socket = await connect(session.pk)

    await open_it(poll, moderator)
    opened = await receive(socket)
    await database_sync_to_async(services.close_poll)(poll=poll, user=moderator)
    closed = await receive(socket)
    results = await receive(socket)

    assert (opened["type"], opened["seq"], opened["data"]["status"]) == ("poll.opened", 1, "open")
    assert [o["text"] for o in opened["data"]["options"]] == ["Svømmehal", "Cykelsti"]
    assert (closed["type"], closed["seq"], closed["data"]["status"]) == ("poll.closed", 2, "closed")
    assert (results["type"], results["seq"]) == ("poll.results", 3)
    assert results["data"]["voters"] == 0
    await socket.disconnect()


async def test_a_ballot_storm_is_coalesced_and_the_last_count_equals_the_stored_one(settings):
    settings.TOWNHALL_VOTE_INTERVAL = 3.0
    session, moderator, poll = await session_with_poll()
    await open_it(poll, moderator)
    socket = await connect(session.pk, "since=1")

    await ballots(poll, 10)

    frames = []
    while not frames or frames[-1]["data"]["voters"] != 10:
        frames.append(await receive(socket))
    assert {frame["type"] for frame in frames} == {"poll.results"}
    assert len(frames) < 10
    assert frames[-1]["data"] == await stored_results(poll)
    assert frames[-1]["seq"] == 11
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@database_sync_to_async
def recorded_results(session) -> list[dict]:
    events = Event.objects.filter(session=session, type="poll.results").order_by("seq")
    return [event.data for event in events]


async def test_ballots_record_the_results_once_an_interval_and_always_the_last_count(settings):
    settings.TOWNHALL_POLL_RESULTS_INTERVAL = 1.0
    settings.TOWNHALL_VOTE_INTERVAL = 0.05
    session, moderator, poll = await session_with_poll()
    await open_it(poll, moderator)
    socket = await connect(session.pk, "since=1")

    started = time.monotonic()
    await ballots(poll, 12)
    took = time.monotonic() - started
    frames = []
    while not frames or frames[-1]["data"]["voters"] != 12:
        frames.append(await receive(socket))

    recorded = await recorded_results(session)
    # The first ballot's results at once, then at most one a second, and one after the last.
    assert len(recorded) <= 2 + took / 1.0
    assert [data["voters"] for data in recorded] == sorted(data["voters"] for data in recorded)
    assert recorded[-1] == frames[-1]["data"] == await stored_results(poll)
    await socket.disconnect()


async def test_a_stopping_worker_records_the_results_its_ballots_left_due(settings, monkeypatch):
    settings.TOWNHALL_POLL_RESULTS_INTERVAL = 600.0
    publisher = ResultsPublisher()  # this process has recorded nothing yet
    monkeypatch.setattr(polls, "publisher", publisher)
    session, moderator, poll = await session_with_poll()
    await open_it(poll, moderator)

    await ballots(poll, 3)
    recorded_before = await recorded_results(session)
    await database_sync_to_async(publisher.flush)()  # as townhall/serve.py does when stopping

    assert [data["voters"] for data in recorded_before] == [1], "the others wait for the timer"
    assert (await recorded_results(session))[-1] == await stored_results(poll)


async def test_results_for_staff_reach_the_moderators_and_never_the_public_socket(settings):
    settings.TOWNHALL_VOTE_INTERVAL = 0.05
    session, moderator, poll = await session_with_poll(results="staff")
    await open_it(poll, moderator)
    public = await connect(session.pk, "since=1")
    moderation = await open_socket(f"/ws/sessions/{session.pk}/moderation/", moderator)
    assert await receive(moderation) == {"type": "ready"}

    await ballots(poll, 3)

    seen = []
    while not seen or seen[-1].get("data", {}).get("voters") != 3:
        frame = await receive(moderation)
        if frame["type"] == "poll.results":
            seen.append(frame)
    assert seen[-1]["data"] == await stored_results(poll)
    assert await public.receive_nothing(timeout=0.3)
    await public.disconnect()
    await moderation.disconnect()


@database_sync_to_async
def vote_as(poll, user) -> None:
    services.cast_ballot(poll=poll, user=user, choices=[poll.options.first().pk])


@database_sync_to_async
def as_citizen_page_and_api(session, poll, citizen) -> tuple[str, int]:
    from rest_framework.test import APIClient

    from tests.two_factor import SecondFactorClient

    browser = SecondFactorClient(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(citizen)
    html = browser.get(f"/sessions/{session.pk}/").content.decode()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(citizen)
    return html, api.get(f"/api/polls/{poll.pk}/results/").status_code


async def test_a_citizen_gets_staff_only_results_neither_by_page_api_nor_socket(settings):
    settings.TOWNHALL_VOTE_INTERVAL = 0.05
    session, moderator, poll = await session_with_poll(results="staff")
    await open_it(poll, moderator)
    citizen = await database_sync_to_async(UserFactory)(username="anna")
    socket = await connect(session.pk, "since=1")

    await ballots(poll, 2)
    await vote_as(poll, citizen)
    html, api_status = await as_citizen_page_and_api(session, poll, citizen)

    assert "You have voted in this poll." in html
    assert "poll-bars" not in html and "3 voters" not in html
    assert api_status == 403
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


@database_sync_to_async
def close_and_read_viewers(poll, user) -> int | None:
    services.close_poll(poll=poll, user=user)
    return Poll.objects.get(pk=poll.pk).viewers_at_close


@database_sync_to_async
def another_open_poll(session, user):
    poll = services.create_poll(
        session=session, user=user, question="Og så?", kind="scale", options=[]
    )
    return services.open_poll(poll=poll, user=user)


async def signed_in_viewers_become(session_id: int, expected: int) -> bool:
    """With Redis, viewers are written at the relay's next presence count; in one process at
    once."""

    async def counted() -> bool:
        return await database_sync_to_async(audience.signed_in_viewers)(session_id) == expected

    return await async_wait_until(counted, f"never {expected} signed-in viewers")


async def test_a_closing_poll_keeps_how_many_watched_signed_in_each_person_once(settings):
    settings.TOWNHALL_PRESENCE_INTERVAL = 0.05
    session, moderator, poll = await session_with_poll()
    await open_it(poll, moderator)
    anna, bo = await database_sync_to_async(
        lambda: (UserFactory(username="anna"), UserFactory(username="bo"))
    )()
    path = f"/ws/sessions/{session.pk}/"
    anna_phone = await open_socket(path, anna)
    anna_laptop = await open_socket(path, anna)  # another login of the same person
    bo_socket = await open_socket(path, bo)
    anonymous = await connect(session.pk)
    assert await signed_in_viewers_become(session.pk, 2)

    assert await close_and_read_viewers(poll, moderator) == 2

    await bo_socket.disconnect()
    await anna_phone.disconnect()
    assert await signed_in_viewers_become(session.pk, 1)
    second = await another_open_poll(session, moderator)
    assert await close_and_read_viewers(second, moderator) == 1
    await anna_laptop.disconnect()
    await anonymous.disconnect()


async def test_the_results_recorded_after_the_interval_go_out_on_the_workers_loop(
    settings, monkeypatch
):
    """The timer's thread broadcasts on the loop of the thread whose ballot set it (as every
    HTTP thread does), not on a new loop, with a new Redis connection, per recording."""
    settings.TOWNHALL_POLL_RESULTS_INTERVAL = 0.2
    loops: list[asyncio.AbstractEventLoop] = []

    async def note_the_loop() -> None:
        loops.append(asyncio.get_running_loop())

    monkeypatch.setattr(
        polls, "publish_poll_results", lambda poll_id: async_to_sync(note_the_loop)()
    )
    publisher = ResultsPublisher()
    changed = database_sync_to_async(publisher.changed)

    await changed(7)  # recorded at once
    await changed(7)  # within the interval: a timer records it

    async def both_recorded() -> bool:
        return len(loops) == 2

    await async_wait_until(both_recorded, "the timer recorded the results")

    assert loops == [asyncio.get_running_loop()] * 2
