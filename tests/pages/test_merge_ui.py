"""Merging duplicates from the moderation page: suggested pairs, and a form to merge any
question into another (without JavaScript here; tests/browser/test_merge_keyboard.py drives it
with the keyboard)."""

from __future__ import annotations

import pytest

from sessions import selectors, services
from sessions.models import Notification, Post
from tests.factories import ModeratorFactory, PostFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(live_session):
    user = UserFactory(username="moderator", first_name="Mette Moderator")
    ModeratorFactory(municipality=live_session.municipality, user=user)
    return user


@pytest.fixture
def pair(live_session, citizen, other_citizen):
    original = PostFactory(
        session=live_session, author=citizen, body="Hvornår åbner svømmehallen igen?"
    )
    duplicate = PostFactory(
        session=live_session, author=other_citizen, body="Åbner svømmehallen snart?"
    )
    return original, duplicate


def moderation_page(client, session) -> str:
    return client.get(f"/sessions/{session.pk}/moderation/").content.decode()


def section(html: str, live: str) -> str:
    start = html.index(f'data-live="{live}"')
    return html[start : html.index("</ol>", start)]


def test_the_moderation_page_suggests_the_pair_and_not_unrelated_questions(
    client, live_session, pair, moderator, citizen
):
    original, duplicate = pair
    PostFactory(session=live_session, author=citizen, body="Hvad koster en ny cykelsti?")
    client.force_login(moderator)

    pairs = section(moderation_page(client, live_session), "duplicates")

    assert pairs.count('class="duplicate-pair"') == 1
    assert f"Merge #{duplicate.pk} into #{original.pk}" in pairs
    assert "cykelsti" not in pairs


def test_suggested_pairs_are_worked_out_once_per_session_state_and_follow_new_questions(
    client, live_session, pair, moderator, citizen, monkeypatch
):
    original, duplicate = pair
    calls = []
    worked_out = selectors.suggested_duplicates

    def counted(questions):
        calls.append(len(questions))
        return worked_out(questions)

    monkeypatch.setattr(selectors, "suggested_duplicates", counted)
    client.force_login(moderator)

    first = section(moderation_page(client, live_session), "duplicates")
    again = section(moderation_page(client, live_session), "duplicates")
    third = services.post_question(
        session=live_session, author=citizen, body="Hvornår åbner svømmehallen?"
    )
    after = section(moderation_page(client, live_session), "duplicates")

    assert calls == [2, 3], "once for the first state, once after the question"
    for shown in (first, again):
        assert shown.count('class="duplicate-pair"') == 1
        assert f"Merge #{duplicate.pk} into #{original.pk}" in shown
    assert f"Merge #{third.pk} into #{original.pk}" in after


def test_a_moderator_merges_a_suggested_pair_without_javascript(
    client, live_session, pair, moderator, other_citizen
):
    original, duplicate = pair
    client.force_login(moderator)

    response = client.post(
        f"/sessions/{live_session.pk}/moderation/",
        {"op": "merge", "question": duplicate.pk, "into": original.pk},
        follow=True,
    )

    assert "Done." in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == original.pk
    assert Notification.objects.filter(user=other_citizen, kind="merged").count() == 1
    html = response.content.decode()
    assert 'class="duplicate-pair"' not in html
    assert f"Merged into #{original.pk}" in html


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("same", "A question cannot be merged into itself."),
        ("", "Unknown action."),
        ("99999999999999999999999", "Unknown action."),
        ("other-session", "Choose the question to merge it into."),
    ],
)
def test_a_bad_merge_shows_a_message_and_changes_nothing(
    client, live_session, pair, moderator, into, message
):
    _original, duplicate = pair
    elsewhere = PostFactory(session=SessionFactory(municipality=live_session.municipality))
    target = {"same": duplicate.pk, "other-session": elsewhere.pk}.get(into, into)
    client.force_login(moderator)

    response = client.post(
        f"/sessions/{live_session.pk}/moderation/",
        {"op": "merge", "question": duplicate.pk, "into": target},
        follow=True,
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Post.objects.filter(merged_into__isnull=False).count() == 0


def test_a_citizen_cannot_merge_from_the_moderation_page(client, live_session, pair, citizen):
    original, duplicate = pair
    client.force_login(citizen)

    response = client.post(
        f"/sessions/{live_session.pk}/moderation/",
        {"op": "merge", "question": duplicate.pk, "into": original.pk},
    )

    assert response.status_code == 403
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
