"""Moderation over the JSON API: paths, fields, status codes, error bodies, and what is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessions import services
from sessions.models import Ban, Event, ModerationAction, Post, PostReport, Session, WatchedKeyword
from tests.factories import (
    ModeratorFactory,
    MunicipalityFactory,
    PostFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOT_SIGNED_IN = {"detail": "Authentication credentials were not provided."}
NOT_MODERATOR = {"detail": "Only moderators of this municipality can do that."}


@pytest.fixture
def moderator(live_session):
    return ModeratorFactory(
        municipality=live_session.municipality,
        user=UserFactory(username="mads", first_name="Mads Moderator"),
    ).user


@pytest.fixture
def question(live_session, other_citizen) -> Post:
    return PostFactory(session=live_session, author=other_citizen, body="Hvornår åbner hallen?")


@pytest.fixture
def odense_moderator():
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    return ModeratorFactory(municipality=odense).user


def stored() -> dict:
    return {
        "posts": list(Post.objects.order_by("pk").values("status", "flagged", "report_count")),
        "events": Event.objects.count(),
        "actions": ModerationAction.objects.count(),
        "bans": Ban.objects.count(),
        "reports": PostReport.objects.count(),
        "keywords": WatchedKeyword.objects.count(),
    }


def test_moderator_hides_a_post(api_client, question, moderator):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        f"/api/posts/{question.pk}/moderate/",
        {"action": "hide", "reason": "off_topic", "note": "Ikke om budgettet"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["moderation_reason"], body["moderation_note"]) == (
        question.pk,
        "hidden",
        "off_topic",
        "Ikke om budgettet",
    )
    questions = api_client.get(f"/api/sessions/{question.session_id}/questions/").json()
    assert questions["results"] == []


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"action": "hide"}, {"reason": ["Choose a reason."]}),
        ({"action": "hide", "reason": "ugly"}, {"reason": ["Choose one of the listed reasons."]}),
        (
            {"action": "delete", "reason": "spam"},
            {"action": ["Choose hide, restore, reject or approve."]},
        ),
        ({"reason": "spam"}, {"action": ["This field is required."]}),
    ],
)
def test_bad_moderation_input_is_a_400(api_client, question, moderator, payload, error):
    api_client.force_authenticate(moderator)
    before = stored()
    response = api_client.post(f"/api/posts/{question.pk}/moderate/", payload, format="json")
    assert (response.status_code, response.json()) == (400, error)
    assert stored() == before


def test_refused_state_has_a_code(api_client, question, moderator):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        f"/api/posts/{question.pk}/moderate/", {"action": "reject", "reason": "spam"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Only a post awaiting approval can be rejected.",
        "code": "not_pending",
    }


def test_moderator_of_another_municipality_is_refused_everywhere(
    api_client, live_session, question, odense_moderator, citizen
):
    api_client.force_authenticate(odense_moderator)
    municipality = live_session.municipality_id
    ban = services.ban_user(
        municipality=live_session.municipality,
        user=UserFactory(username="root", is_staff=True),
        target=citizen,
        reason="spam",
    )
    keyword = WatchedKeyword.objects.create(
        municipality=live_session.municipality,
        phrase="hal",
        normalized="hal",
        created_at=timezone.now(),
    )
    before = stored()
    calls = [
        ("post", f"/api/posts/{question.pk}/moderate/", {"action": "hide", "reason": "spam"}),
        ("get", f"/api/sessions/{live_session.pk}/moderation/", None),
        ("get", f"/api/municipalities/{municipality}/bans/", None),
        (
            "post",
            f"/api/municipalities/{municipality}/bans/",
            {"user": citizen.pk, "reason": "spam"},
        ),
        ("delete", f"/api/bans/{ban.pk}/", None),
        ("get", f"/api/municipalities/{municipality}/keywords/", None),
        ("post", f"/api/municipalities/{municipality}/keywords/", {"phrase": "svømmehal"}),
        ("delete", f"/api/keywords/{keyword.pk}/", None),
    ]
    for method, url, payload in calls:
        response = getattr(api_client, method)(url, payload, format="json")
        assert (method, url, response.status_code, response.json()) == (
            method,
            url,
            403,
            NOT_MODERATOR,
        )
    assert stored() == before


def test_anonymous_gets_401(api_client, question):
    response = api_client.post(f"/api/posts/{question.pk}/moderate/", {"action": "hide"})
    assert (response.status_code, response.json()) == (401, NOT_SIGNED_IN)
    response = api_client.post(f"/api/posts/{question.pk}/report/", {"reason": "spam"})
    assert (response.status_code, response.json()) == (401, NOT_SIGNED_IN)


def test_unknown_post_is_a_404(api_client, moderator):
    api_client.force_authenticate(moderator)
    response = api_client.post("/api/posts/999/moderate/", {"action": "hide"}, format="json")
    assert response.status_code == 404


def test_pending_question_is_returned_to_its_author_and_kept_from_the_public(
    api_client, mayor, citizen, moderator
):
    session = SessionFactory(politicians=[mayor], moderation_mode=Session.ModerationMode.PRE)
    api_client.force_authenticate(citizen)
    response = api_client.post(
        f"/api/sessions/{session.pk}/questions/", {"body": "Hvad med vejene?"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    assert api_client.get(f"/api/sessions/{session.pk}/questions/").json()["results"] == []
    assert Event.objects.filter(session=session).count() == 0

    api_client.force_authenticate(moderator)
    queue = api_client.get(f"/api/sessions/{session.pk}/moderation/").json()
    assert [(p["body"], p["status"]) for p in queue["pending"]] == [("Hvad med vejene?", "pending")]

    post_id = response.json()["id"]
    response = api_client.post(
        f"/api/posts/{post_id}/moderate/", {"action": "approve"}, format="json"
    )
    assert response.json()["status"] == "published"
    questions = api_client.get(f"/api/sessions/{session.pk}/questions/").json()["results"]
    assert [q["body"] for q in questions] == ["Hvad med vejene?"]


def test_moderation_state_holds_queue_flagged_stream_and_log(
    api_client, live_session, question, moderator, citizen
):
    services.report_post(post=question, reporter=citizen, reason="spam")
    services.hide_post(
        post=PostFactory(session=live_session, body="Køb billige ure"),
        user=moderator,
        reason="spam",
    )
    api_client.force_authenticate(moderator)

    body = api_client.get(f"/api/sessions/{live_session.pk}/moderation/").json()

    assert body["pending"] == []
    assert [(p["id"], p["report_count"]) for p in body["flagged"]] == [(question.pk, 1)]
    assert [p["body"] for p in body["stream"]] == ["Køb billige ure", "Hvornår åbner hallen?"]
    assert [(a["action"], a["moderator"], a["reason"]) for a in body["log"]] == [
        ("hide", "Mads Moderator", "spam")
    ]
    assert body["tally"] == {"hidden": 1, "reasons": [{"reason": "spam", "count": 1}]}
    assert body["reasons"][0] == {"value": "off_topic", "label": "off-topic"}


def test_citizen_reports_a_post_once(api_client, question, citizen):
    api_client.force_authenticate(citizen)
    response = api_client.post(
        f"/api/posts/{question.pk}/report/", {"reason": "hate_speech"}, format="json"
    )
    assert (response.status_code, response.json()) == (
        201,
        {"post": question.pk, "reason": "hate_speech"},
    )
    before = stored()
    again = api_client.post(f"/api/posts/{question.pk}/report/", {"reason": "spam"}, format="json")
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "You have already reported this post.", "code": "already_reported"},
    )
    assert stored() == before


def test_banned_citizen_gets_403_banned_and_nothing_changes(
    api_client, live_session, question, citizen, moderator
):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        f"/api/municipalities/{live_session.municipality_id}/bans/",
        {"username": "anna", "reason": "personal_attack", "note": "Truede en ansat"},
        format="json",
    )
    assert response.status_code == 201
    ban = response.json()
    assert (ban["username"], ban["reason"], ban["ends_at"], ban["created_by"]) == (
        "anna",
        "personal_attack",
        None,
        "Mads Moderator",
    )

    api_client.force_authenticate(citizen)
    before = stored()
    message = (
        "You are banned from posting, voting and reporting in Roskilde Kommune's sessions. "
        "Reason: personal attack. You can still read."
    )
    for url, payload in [
        (f"/api/sessions/{live_session.pk}/questions/", {"body": "Hej"}),
        (f"/api/posts/{question.pk}/replies/", {"body": "Hej"}),
        (f"/api/posts/{question.pk}/vote/", None),
        (f"/api/posts/{question.pk}/report/", {"reason": "spam"}),
    ]:
        response = api_client.post(url, payload, format="json")
        assert (url, response.status_code, response.json()) == (
            url,
            403,
            {"detail": message, "code": "banned"},
        )
    assert stored() == before
    # Reading stays open.
    assert api_client.get(f"/api/sessions/{live_session.pk}/questions/").status_code == 200


def test_ban_with_hours_and_lift(api_client, live_session, citizen, moderator):
    api_client.force_authenticate(moderator)
    url = f"/api/municipalities/{live_session.municipality_id}/bans/"
    response = api_client.post(
        url,
        {"user": citizen.pk, "reason": "spam", "hours": 24, "session": live_session.pk},
        format="json",
    )
    assert response.status_code == 201
    ban = Ban.objects.get()
    assert timedelta(hours=23, minutes=59) < ban.ends_at - ban.created_at <= timedelta(hours=24)
    assert api_client.get(url).json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [response.json()],
    }

    response = api_client.delete(f"/api/bans/{ban.pk}/", {"note": "Undskyldte"}, format="json")
    assert response.status_code == 200
    assert response.json()["lifted_at"] is not None
    assert api_client.get(url).json()["results"] == []
    assert list(ModerationAction.objects.order_by("id").values_list("action", "session")) == [
        ("ban", live_session.pk),
        ("unban", None),
    ]


def test_ban_needs_a_user(api_client, live_session, moderator):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        f"/api/municipalities/{live_session.municipality_id}/bans/",
        {"username": "nobody", "reason": "spam"},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"user": ["Choose the user to ban: their id or username."]},
    )


def test_keywords_are_added_listed_and_removed(api_client, live_session, moderator, citizen):
    api_client.force_authenticate(moderator)
    url = f"/api/municipalities/{live_session.municipality_id}/keywords/"
    response = api_client.post(url, {"phrase": "Søren Hansen", "action": "flag"}, format="json")
    assert response.status_code == 201
    keyword = response.json()
    assert (keyword["phrase"], keyword["action"]) == ("Søren Hansen", "flag")
    duplicate = api_client.post(url, {"phrase": "soren hansen"}, format="json")
    assert (duplicate.status_code, duplicate.json()) == (
        400,
        {"phrase": ["This municipality already watches that word."]},
    )
    bad_action = api_client.post(url, {"phrase": "idiot", "action": "delete"}, format="json")
    assert (bad_action.status_code, bad_action.json()) == (
        400,
        {"action": ["Choose hold or flag."]},
    )
    assert api_client.get(url).json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [keyword],
    }

    api_client.force_authenticate(citizen)
    assert api_client.get(url).status_code == 403

    api_client.force_authenticate(moderator)
    assert api_client.delete(f"/api/keywords/{keyword['id']}/").status_code == 204
    assert api_client.get(url).json()["results"] == []


# The API contract (issue 6) on moderation: strict input, who may before what, pages, bounds ------


@pytest.mark.parametrize(
    ("method", "path", "payload", "error"),
    [
        (
            "post",
            "/api/posts/{post}/moderate/",
            {"action": "hide", "reason": "spam", "severity": 3},
            {"non_field_errors": ["Unknown fields: severity."]},
        ),
        ("post", "/api/posts/{post}/moderate/", {"action": 1}, {"action": ["Not a valid string."]}),
        (
            "post",
            "/api/posts/{post}/moderate/",
            {"action": "hide", "reason": "spam", "note": 5},
            {"note": ["Not a valid string."]},
        ),
        ("post", "/api/posts/{post}/report/", {"reason": 5}, {"reason": ["Not a valid string."]}),
        (
            "post",
            "/api/posts/{post}/report/",
            {"reason": "spam", "comment": "x"},
            {"non_field_errors": ["Unknown fields: comment."]},
        ),
        (
            "post",
            "/api/municipalities/{municipality}/bans/",
            {"user": "{citizen}", "reason": "spam"},
            {"user": ["Incorrect type. Expected pk value, received str."]},
        ),
        (
            "post",
            "/api/municipalities/{municipality}/bans/",
            {"username": "anna", "reason": "spam", "hours": "24"},
            {"hours": ["A valid integer is required."]},
        ),
        (
            "post",
            "/api/municipalities/{municipality}/keywords/",
            {"phrase": 5},
            {"phrase": ["Not a valid string."]},
        ),
        (
            "post",
            "/api/municipalities/{municipality}/keywords/",
            {"phrase": "hal", "actoin": "flag"},
            {"non_field_errors": ["Unknown fields: actoin."]},
        ),
        (
            "delete",
            "/api/bans/{ban}/",
            {"note": "Undskyldte", "reason": "spam"},
            {"non_field_errors": ["Unknown fields: reason."]},
        ),
    ],
)
def test_moderation_input_is_strict(
    api_client, live_session, question, moderator, citizen, method, path, payload, error
):
    ban = services.ban_user(
        municipality=live_session.municipality,
        user=moderator,
        target=UserFactory(username="troll"),
        reason="spam",
    )
    api_client.force_authenticate(moderator)
    url = path.format(post=question.pk, municipality=live_session.municipality_id, ban=ban.pk)
    payload = {
        key: str(citizen.pk) if value == "{citizen}" else value for key, value in payload.items()
    }
    before = stored()

    response = getattr(api_client, method)(url, payload, format="json")

    assert (response.status_code, response.json()) == (400, error)
    assert stored() == before


def test_who_may_is_checked_before_the_input(api_client, live_session, question, citizen):
    api_client.force_authenticate(citizen)
    municipality = live_session.municipality_id
    before = stored()
    for url in [
        f"/api/posts/{question.pk}/moderate/",
        f"/api/municipalities/{municipality}/bans/",
        f"/api/municipalities/{municipality}/keywords/",
    ]:
        response = api_client.post(url, {"nonsense": True}, format="json")
        assert (url, response.status_code, response.json()) == (url, 403, NOT_MODERATOR)
    assert stored() == before


def test_bans_are_listed_in_pages(api_client, live_session, moderator):
    for name in ("troll1", "troll2", "troll3"):
        services.ban_user(
            municipality=live_session.municipality,
            user=moderator,
            target=UserFactory(username=name),
            reason="spam",
        )
    api_client.force_authenticate(moderator)
    url = f"/api/municipalities/{live_session.municipality_id}/bans/"

    first = api_client.get(url, {"page_size": 2}).json()
    last = api_client.get(url, {"page_size": 2, "page": 2}).json()
    too_big = api_client.get(url, {"page_size": 101})
    past_the_end = api_client.get(url, {"page_size": 2, "page": 3})

    assert (first["count"], [ban["username"] for ban in first["results"]]) == (
        3,
        ["troll3", "troll2"],
    )
    assert first["next"] == f"http://testserver{url}?page=2&page_size=2"
    assert (last["previous"], last["next"], [b["username"] for b in last["results"]]) == (
        f"http://testserver{url}?page_size=2",
        None,
        ["troll1"],
    )
    assert (too_big.status_code, too_big.json()) == (
        400,
        {"page_size": ["Ensure this value is less than or equal to 100."]},
    )
    assert (past_the_end.status_code, past_the_end.json()) == (
        404,
        {"detail": "There is no page 3; the last is 2."},
    )


def test_moderation_state_lists_are_bounded(api_client, live_session, moderator, monkeypatch):
    from sessions.api import moderation

    monkeypatch.setattr(moderation, "MODERATION_LIST_LIMIT", 2)
    for number in range(3):
        PostFactory(session=live_session, body=f"Held #{number}", status=Post.Status.PENDING)
    api_client.force_authenticate(moderator)

    body = api_client.get(f"/api/sessions/{live_session.pk}/moderation/").json()

    assert [post["body"] for post in body["pending"]] == ["Held #0", "Held #1"]
    assert [post["body"] for post in body["stream"]] == ["Held #2", "Held #1"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/posts/{huge}/moderate/"),
        ("post", "/api/posts/{huge}/report/"),
        ("get", "/api/sessions/{huge}/moderation/"),
        ("get", "/api/municipalities/{huge}/bans/"),
        ("post", "/api/municipalities/{huge}/bans/"),
        ("delete", "/api/bans/{huge}/"),
        ("get", "/api/municipalities/{huge}/keywords/"),
        ("post", "/api/municipalities/{huge}/keywords/"),
        ("delete", "/api/keywords/{huge}/"),
    ],
)
def test_an_id_too_large_for_the_database_is_a_404(api_client, moderator, method, path):
    api_client.force_authenticate(moderator)

    response = getattr(api_client, method)(path.format(huge=2**64), {}, format="json")

    assert response.status_code == 404
