"""The API and the pages do the same thing: the same story through either leaves the same events."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from sessions.models import Event, Post, Session
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

# Fields that differ between two runs by nature: ids, clocks, and which session.
RUN_SPECIFIC = {
    "id",
    "post",
    "parent",
    "session",
    "created_at",
    "answered_at",
    "starts_at",
    "ends_at",
    "follow_up_until",
}


def comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items() if key not in RUN_SPECIFIC}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def events_of(session: Session) -> list[tuple[str, Any]]:
    return [(event.type, comparable(event.data)) for event in session.events.order_by("seq")]


def through_the_pages(session: Session, citizen, mayor_user, staff, client) -> None:
    client.force_login(citizen)
    client.post(f"/sessions/{session.pk}/ask/", {"body": "Hvornår åbner hallen? 🏊"})
    question = Post.objects.get(session=session, parent=None)
    client.post(f"/posts/{question.pk}/vote/")
    client.post(f"/posts/{question.pk}/reply/", {"body": "Godt spørgsmål."})
    client.force_login(mayor_user)
    client.post(
        f"/posts/{question.pk}/reply/", {"body": "Den åbner 1. juni.", "mark_answered": "on"}
    )
    client.force_login(staff)
    client.post(f"/sessions/{session.pk}/control/", {"action": "extend", "minutes": "15"})


def through_the_api(session: Session, citizen, mayor_user, staff) -> None:
    api = APIClient()
    api.force_authenticate(citizen)
    api.post(
        f"/api/sessions/{session.pk}/questions/",
        {"body": "Hvornår åbner hallen? 🏊"},
        format="json",
    )
    question = Post.objects.get(session=session, parent=None)
    api.post(f"/api/posts/{question.pk}/vote/")
    api.post(f"/api/posts/{question.pk}/replies/", {"body": "Godt spørgsmål."}, format="json")
    api.force_authenticate(mayor_user)
    api.post(
        f"/api/posts/{question.pk}/replies/",
        {"body": "Den åbner 1. juni.", "mark_answered": True},
        format="json",
    )
    api.force_authenticate(staff)
    api.post(f"/api/sessions/{session.pk}/extend/", {"minutes": 15}, format="json")


def test_api_and_pages_leave_the_same_events(client, mayor, mayor_user, citizen, staff):
    by_page = SessionFactory(politicians=[mayor])
    by_api = SessionFactory(politicians=[mayor])

    through_the_pages(by_page, citizen, mayor_user, staff, client)
    through_the_api(by_api, citizen, mayor_user, staff)

    assert [event_type for event_type, _data in events_of(by_api)] == [
        "question.created",
        "vote.changed",
        "reply.created",
        "reply.created",
        "post.updated",
        "session.updated",
    ]
    assert events_of(by_api) == events_of(by_page)
    assert Event.objects.count() == 12
