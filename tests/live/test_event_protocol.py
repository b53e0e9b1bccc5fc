"""The event protocol is complete: a page's initial state plus the events its socket receives
equals a fresh fetch of the page's state (Zulip's verify_action, for the whole session)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from sessions import services
from sessions.models import Session
from tests.factories import PoliticianFactory, SessionFactory, UserFactory
from tests.waiting import Communicator
from townhall.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def page_state(session_id: int) -> dict:
    """What the live page starts from: the JSON state rendered into the session page."""
    response = Client().get(f"/sessions/{session_id}/")
    assert response.status_code == 200
    found = re.search(
        r'<script id="session-state" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.DOTALL,
    )
    return json.loads(found.group(1))


def apply(state: dict, event: dict) -> None:
    """What the page's script does with an event (sessions/static/sessions/session.js)."""
    data = event["data"]
    questions = {question["id"]: question for question in state["questions"]}
    if event["type"] == "question.created":
        if data["status"] == "published":
            questions[data["id"]] = data
    elif event["type"] == "reply.created":
        parent = questions[data["parent"]]
        parent["replies"] = [r for r in parent["replies"] if r["id"] != data["id"]] + [data]
    elif event["type"] == "post.updated":
        if data["parent"] is None:
            replies = questions.get(data["id"], {}).get("replies", [])
            questions.pop(data["id"], None)
            if data["status"] == "published":
                questions[data["id"]] = {**data, "replies": replies}
        else:
            parent = questions[data["parent"]]
            parent["replies"] = [r for r in parent["replies"] if r["id"] != data["id"]]
            if data["status"] == "published":
                parent["replies"].append(data)
    elif event["type"] == "vote.changed":
        questions[data["post"]]["vote_count"] = data["vote_count"]
    elif event["type"] == "session.updated":
        state["session"] = data
    else:
        raise AssertionError(f"The page does not know the event type {event['type']!r}")
    state["questions"] = list(questions.values())
    state["seq"] = event["seq"]


def comparable(state: dict) -> dict:
    """The parts of a state that must agree; order is the page's business, not the protocol's."""
    questions = sorted(state["questions"], key=lambda q: q["id"])
    for question in questions:
        question["replies"] = sorted(question["replies"], key=lambda r: r["id"])
    return {"seq": state["seq"], "session": state["session"], "questions": questions}


@database_sync_to_async
def build_session():
    mayor_user = UserFactory(username="mayor", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(politicians=[mayor])
    citizens = [UserFactory(username=f"citizen-{n}") for n in range(3)]
    staff = UserFactory(username="editor", is_staff=True)
    services.post_question(session=session, author=citizens[0], body="Before the page loaded")
    return session, mayor_user, citizens, staff


@database_sync_to_async
def things_happen(session: Session, mayor_user, citizens, staff) -> None:
    first = session.posts.get()
    second = services.post_question(session=session, author=citizens[1], body="Cykelstien?")
    services.post_reply(post=first, author=citizens[2], body="Same question here")
    services.vote(question=first, user=citizens[1])
    services.vote(question=first, user=citizens[2])
    services.vote(question=second, user=citizens[0])
    services.unvote(question=first, user=citizens[2])
    services.answer_question(question=second, author=mayor_user, body="Til foråret.")
    services.mark_answered(question=first, user=staff)
    services.mark_answered(question=first, user=staff, answered=False)
    services.post_reply(post=second, author=citizens[0], body="Tak!")
    services.extend_session(session=session, user=staff, minutes=15)
    services.post_question(session=session, author=citizens[2], body="Sidste spørgsmål")
    services.close_session(session=session, user=staff)


async def test_initial_state_plus_events_equals_a_fresh_fetch():
    session, mayor_user, citizens, staff = await build_session()
    state = await database_sync_to_async(page_state)(session.pk)
    socket = Communicator(
        application,
        f"/ws/sessions/{session.pk}/?since={state['seq']}",
        headers=[(b"origin", b"http://127.0.0.1:8000")],
    )
    assert (await socket.connect())[0]

    await things_happen(session, mayor_user, citizens, staff)
    newest = await database_sync_to_async(
        lambda: Session.objects.values_list("last_seq", flat=True).get(pk=session.pk)
    )()
    received = []
    while not received or received[-1]["seq"] < newest:
        frame = json.loads(await socket.receive_from())
        if frame["type"] != "presence":  # viewers now: outside the log, no seq
            received.append(frame)
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()

    # Every event in seq order; only vote counts replaced by a newer one are skipped (coalesced).
    seqs = [event["seq"] for event in received]
    assert seqs == sorted(set(seqs))
    stored = await database_sync_to_async(
        lambda: dict(session.events.filter(seq__gt=1).values_list("seq", "type"))
    )()
    assert [seq for seq in stored if seq not in seqs and stored[seq] != "vote.changed"] == []
    assert {event["type"] for event in received} == {
        "question.created",
        "reply.created",
        "post.updated",
        "vote.changed",
        "session.updated",
    }
    for event in received:
        apply(state, event)
    fresh = await database_sync_to_async(page_state)(session.pk)
    assert fresh["session"]["status"] == "closed"
    assert comparable(state) == comparable(fresh)


def test_session_updated_carries_the_new_times(live_session, staff):
    before = live_session.ends_at
    services.extend_session(session=live_session, user=staff, minutes=15)
    event = live_session.events.get()
    assert event.type == "session.updated"
    assert event.data["ends_at"] == (before + timedelta(minutes=15)).isoformat().replace(
        "+00:00", "Z"
    )
