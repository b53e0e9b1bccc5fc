"""The presenter view: what the screen in the council chamber shows, for anyone."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from sessions import services
from tests.factories import PostFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def test_shows_the_question_on_air_and_the_next_most_voted(client, live_session, staff):
    on_air = PostFactory(
        session=live_session,
        author=UserFactory(username="karl", first_name="Karl Berg"),
        body="Hvornår åbner svømmehallen?",
    )
    popular = PostFactory(session=live_session, body="Hvad med cykelstierne?", vote_count=7)
    quiet = PostFactory(session=live_session, body="Og bibliotekets åbningstider?", vote_count=2)
    PostFactory(session=live_session, body="Besvaret allerede", is_answered=True, vote_count=9)
    services.put_on_air(question=on_air, user=staff)

    html = text_of(client.get(f"/sessions/{live_session.pk}/present/"))

    on_air_part = html[html.index('data-field="on-air"') : html.index('id="next-heading"')]
    assert "Hvornår åbner svømmehallen?" in on_air_part
    assert "Asked by Karl Berg" in on_air_part
    next_part = html[html.index('data-field="next"') : html.index('data-field="next-empty"')]
    assert re.findall(r'<span class="body">(.*?)</span>', next_part) == [
        popular.body,
        quiet.body,
    ]
    assert "7 votes" in next_part
    assert "Besvaret allerede" not in next_part
    assert "Hvornår åbner svømmehallen?" not in next_part


def test_a_qr_code_points_at_the_session_page(client, live_session):
    html = text_of(client.get(f"/sessions/{live_session.pk}/present/"))

    url = f"http://testserver/sessions/{live_session.pk}/"
    assert re.search(r'<svg role="img" aria-label="QR code to the session page: [^"]+"', html)
    assert f'<a href="{url}">{url}</a>' in html
    assert "<path" in html


def test_nothing_on_air_says_so(client, live_session):
    html = text_of(client.get(f"/sessions/{live_session.pk}/present/"))

    assert "No question is on air right now." in html
    assert "No open questions yet." in html


def test_in_danish_by_default(client, live_session):
    response = client.get(f"/sessions/{live_session.pk}/present/", HTTP_ACCEPT_LANGUAGE="")

    html = text_of(response)
    assert '<html lang="da">' in html
    assert "I æteren" in html


def test_a_missing_session_is_a_404_with_a_message(client):
    response = client.get("/sessions/999999/present/")

    assert response.status_code == 404
    assert b"Not Found" in response.content


def test_while_questions_are_collected_the_screen_says_so(client):
    starts_at = timezone.now() + timedelta(hours=2)
    session = SessionFactory(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), accepts_questions_early=True
    )

    html = text_of(client.get(f"/sessions/{session.pk}/present/"))

    badge = re.search(
        r'<span class="badge status-(\w+)" data-field="status-label">(.*?)</span>', html
    )
    assert badge.groups() == ("collecting", "Collecting questions")
