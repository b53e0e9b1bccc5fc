"""The end of the follow-up period, live: a page opened while the panel still answered in writing
hears its open questions turn `unanswered` (post.updated with the fate) and ends up as a fresh
load shows it; a page loaded after the end shows it without waiting for the event."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from sessions import services
from sessions.models import Post
from tests.factories import PostFactory, SessionFactory, UserFactory
from tests.waiting import Communicator
from townhall.asgi import application

from .test_event_protocol import apply, comparable, page_state

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@database_sync_to_async
def session_whose_follow_up_just_ended():
    """Ended 20 days ago (written answers ran 14 days after): one question answered in writing,
    one never."""
    now = timezone.now()
    session = SessionFactory(
        starts_at=now - timedelta(days=20, hours=1), ends_at=now - timedelta(days=20)
    )
    asker = UserFactory(username="anna", first_name="Anna Jensen")
    forgotten = PostFactory(session=session, author=asker, body="Hvornår åbner svømmehallen?")
    answered = PostFactory(
        session=session,
        author=asker,
        body="Og biblioteket?",
        is_answered=True,
        answered_at=session.ends_at + timedelta(days=2),
    )
    return session, forgotten, answered


async def test_an_open_page_hears_its_open_questions_turn_unanswered_at_the_follow_up_end():
    session, forgotten, answered = await session_whose_follow_up_just_ended()
    with time_machine.travel(session.follow_up_ends_at - timedelta(days=1), tick=False):
        state = await database_sync_to_async(page_state)(session.pk)
    fates = {question["id"]: question["fate"] for question in state["questions"]}
    assert fates == {forgotten.pk: "open", answered.pk: "answered_later"}
    socket = Communicator(
        application, f"/ws/sessions/{session.pk}/?since={state['seq']}", headers=[ORIGIN]
    )
    assert (await socket.connect())[0]

    changed = await database_sync_to_async(services.close_follow_ups)()

    assert changed == 1
    event = json.loads(await socket.receive_from())
    assert (event["type"], event["data"]["id"], event["data"]["fate"]) == (
        "post.updated",
        forgotten.pk,
        "unanswered",
    )
    apply(state, event)
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
    fresh = await database_sync_to_async(page_state)(session.pk)
    assert comparable(state) == comparable(fresh)


def unanswered_flag_shown(html: str, post: Post) -> bool:
    article = html[html.index(f'id="post-{post.pk}"') :]
    flag = re.search(r'<p class="unanswered-flag" data-field="unanswered" ?(hidden)?>', article)
    return flag.group(1) is None


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db(transaction=False)
def test_the_cached_anonymous_page_turns_at_the_follow_up_end_without_an_event(db):
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    question = PostFactory(session=session, body="Hvornår åbner svømmehallen?")
    end = session.follow_up_ends_at

    with time_machine.travel(end - timedelta(seconds=1), tick=False):
        before = english().get(f"/sessions/{session.pk}/").content.decode()
        again = english().get(f"/sessions/{session.pk}/").content.decode()
    with time_machine.travel(end, tick=False):
        after = english().get(f"/sessions/{session.pk}/").content.decode()

    assert not unanswered_flag_shown(before, question)
    assert not unanswered_flag_shown(again, question)
    assert unanswered_flag_shown(after, question)
    assert "The panel answers open questions in writing until" in before
    assert "The panel's written answers ended on" in after
