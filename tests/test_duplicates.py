"""Duplicate questions: similar ones offered while typing, and moderators merging one into
another (replies move, votes united, the merged one points to the other, everyone hears it)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from sessions import events, services
from sessions.models import Event, Post, Vote
from sessions.reports import session_report

from .factories import ModeratorFactory, PostFactory, ReplyFactory, SessionFactory, UserFactory
from .similarity_pairs import DUPLICATES, NEAR_MISSES, PAIRS

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(live_session):
    user = UserFactory(username="moderator", first_name="Mette Moderator")
    ModeratorFactory(municipality=live_session.municipality, user=user)
    return user


@pytest.fixture
def pair(live_session, citizen, other_citizen):
    """The same question asked twice: the original and its duplicate."""
    original = PostFactory(
        session=live_session, author=citizen, body="Hvornår åbner svømmehallen igen?"
    )
    duplicate = PostFactory(
        session=live_session, author=other_citizen, body="Åbner svømmehallen snart?"
    )
    return original, duplicate


def stored(*posts: Post) -> list[tuple]:
    return [
        Post.objects.filter(pk=post.pk)
        .values_list("parent_id", "merged_into_id", "vote_count", "status")
        .get()
        for post in posts
    ]


def test_merging_moves_replies_unites_votes_and_tells_everyone(
    live_session, pair, moderator, citizen, django_capture_on_commit_callbacks
):
    original, duplicate = pair
    both = UserFactory(username="both")
    only_duplicate = UserFactory(username="dup")
    for user in (both, citizen):
        services.vote(question=original, user=user)
    for user in (both, only_duplicate):
        services.vote(question=duplicate, user=user)
    reply = ReplyFactory(parent=duplicate, body="Også mig!")
    Event.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        services.merge_question(question=duplicate, into=original, user=moderator)

    original.refresh_from_db()
    duplicate.refresh_from_db()
    reply.refresh_from_db()
    assert reply.parent == original
    assert duplicate.merged_into == original
    assert (original.vote_count, duplicate.vote_count) == (3, 0)
    assert sorted(Vote.objects.filter(post=original).values_list("user__username", flat=True)) == [
        "anna",
        "both",
        "dup",
    ]
    assert Vote.objects.filter(post=duplicate).count() == 0
    log = list(Event.objects.order_by("seq").values_list("type", "data"))
    assert [event_type for event_type, _data in log] == [
        events.QUESTION_MERGED,
        events.POST_UPDATED,
        events.VOTE_CHANGED,
    ]
    assert log[0][1] == {"id": duplicate.pk, "into": original.pk}
    assert log[1][1]["merged_into"] == original.pk
    assert log[2][1] == {"post": original.pk, "vote_count": 3}
    assert len(broadcasts) == 3


def test_the_report_counts_each_voter_once_after_a_merge(live_session, pair, moderator):
    original, duplicate = pair
    both = UserFactory(username="both")
    services.vote(question=original, user=both)
    services.vote(question=duplicate, user=both)
    ReplyFactory(parent=duplicate, body="Også mig!")

    services.merge_question(question=duplicate, into=original, user=moderator)

    totals = session_report(live_session)["totals"]
    assert (totals["votes"], totals["replies"], totals["questions"]) == (1, 1, 2)


def test_a_merged_question_shares_the_answer_of_the_one_it_joined(
    pair, moderator, mayor_user, citizen
):
    original, duplicate = pair
    services.merge_question(question=duplicate, into=original, user=moderator)

    services.answer_question(question=original, author=mayor_user, body="1. juni.")

    duplicate.refresh_from_db()
    assert duplicate.is_answered
    with pytest.raises(ValidationError) as refusal:
        services.vote(question=duplicate, user=citizen)
    assert refusal.value.code == "merged"


def test_a_reply_to_a_merged_question_joins_the_one_it_was_merged_into(pair, moderator, citizen):
    original, duplicate = pair
    services.merge_question(question=duplicate, into=original, user=moderator)

    reply = services.post_reply(post=duplicate, author=citizen, body="Tak!")

    assert reply.parent == original


@pytest.mark.parametrize("case", ["itself", "reply", "merged", "other_session", "hidden"])
def test_bad_merges_are_refused_and_nothing_changes(live_session, pair, moderator, case):
    original, duplicate = pair
    if case == "itself":
        into = duplicate
    elif case == "reply":
        into = ReplyFactory(parent=original)
    elif case == "merged":
        third = PostFactory(session=live_session)
        services.merge_question(question=original, into=third, user=moderator)
        into = original
    elif case == "other_session":
        into = PostFactory(session=SessionFactory(title="Andet møde"))
    else:
        into = PostFactory(session=live_session, status=Post.Status.HIDDEN)
    before = stored(original, duplicate, into)
    events_before = Event.objects.count()

    with pytest.raises(ValidationError):
        services.merge_question(question=duplicate, into=into, user=moderator)

    assert stored(original, duplicate, into) == before
    assert Event.objects.count() == events_before


def test_a_citizen_cannot_merge(pair, citizen):
    original, duplicate = pair

    with pytest.raises(PermissionDenied):
        services.merge_question(question=duplicate, into=original, user=citizen)
    assert stored(duplicate) == [(None, None, 0, "published")]


def test_merge_through_the_api(live_session, pair, moderator, citizen):
    original, duplicate = pair
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(citizen)
    refused = client.post(f"/api/posts/{duplicate.pk}/merge/", {"into": original.pk}, format="json")
    assert refused.status_code == 403

    client.force_authenticate(moderator)
    itself = client.post(f"/api/posts/{duplicate.pk}/merge/", {"into": duplicate.pk}, format="json")
    missing = client.post(f"/api/posts/{duplicate.pk}/merge/", {"into": 999999}, format="json")
    response = client.post(
        f"/api/posts/{duplicate.pk}/merge/", {"into": original.pk}, format="json"
    )

    assert itself.status_code == 400
    assert itself.json() == {"into": ["A question cannot be merged into itself."]}
    assert missing.status_code == 400
    assert response.status_code == 200
    assert response.json()["merged_into"] == original.pk
    listed = client.get(f"/api/sessions/{live_session.pk}/questions/").json()["results"]
    assert {q["id"]: q["merged_into"] for q in listed} == {
        original.pk: None,
        duplicate.pk: original.pk,
    }


def test_the_page_shows_a_merged_question_as_merged(client, live_session, pair, moderator):
    original, duplicate = pair
    services.merge_question(question=duplicate, into=original, user=moderator)

    html = client.get(f"/sessions/{live_session.pk}/").content.decode()

    article = html.split(f'id="post-{duplicate.pk}"', 1)[1].split("</article>", 1)[0]
    assert f'<a href="#post-{original.pk}" data-field="merged-link">another question</a>' in article
    assert "merged-note" in article and 'data-field="merged" hidden' not in article


# Similar questions ---------------------------------------------------------------------------


def test_similar_questions_are_offered_while_typing(api_client, live_session, pair):
    original, duplicate = pair
    PostFactory(session=live_session, body="Hvad koster den nye skole?")

    response = api_client.get(
        f"/api/sessions/{live_session.pk}/similar/", {"text": "Hvornår åbner svømmehallen?"}
    )

    assert response.status_code == 200
    found = response.json()
    assert [row["id"] for row in found] == [original.pk, duplicate.pk]
    assert set(found[0]) == {"id", "body", "votes", "score"}
    assert 0 < found[1]["score"] <= found[0]["score"] <= 1


def test_similar_leaves_out_merged_hidden_and_other_sessions(
    api_client, live_session, pair, moderator
):
    original, duplicate = pair
    services.merge_question(question=duplicate, into=original, user=moderator)
    PostFactory(session=live_session, body="Svømmehallen åbner?", status=Post.Status.HIDDEN)
    PostFactory(session=SessionFactory(title="Andet"), body="Hvornår åbner svømmehallen?")

    found = api_client.get(
        f"/api/sessions/{live_session.pk}/similar/", {"text": "svømmehallen åbner"}
    ).json()

    assert [row["id"] for row in found] == [original.pk]


@pytest.mark.parametrize("text", ["", "   ", "x" * 5000])
def test_similar_refuses_empty_or_overlong_text(api_client, live_session, text):
    response = api_client.get(f"/api/sessions/{live_session.pk}/similar/", {"text": text})

    assert response.status_code == 400
    assert list(response.json()) == ["text"]


def test_similar_gives_at_most_five(api_client, live_session):
    for number in range(8):
        PostFactory(session=live_session, body=f"Hvornår åbner svømmehallen? ({number})")

    found = api_client.get(
        f"/api/sessions/{live_session.pk}/similar/", {"text": "svømmehallen åbner hvornår"}
    ).json()

    assert len(found) == 5


def test_the_labelled_set_holds_sixty_pairs_of_both_kinds():
    assert len(PAIRS) >= 60
    assert len(DUPLICATES) >= 30 and len(NEAR_MISSES) >= 25
    assert len(set(PAIRS)) == len(PAIRS)
