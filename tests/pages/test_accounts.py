"""A citizen downloads their data and deletes their account; their posts stay as "deleted user"."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as LoginSession
from django.core.exceptions import PermissionDenied, ValidationError
from knox.models import AuthToken

from sessions import services
from sessions.models import Event, Post, Vote
from sessions.services.accounts import delete_account, export_account_data
from tests.factories import PostFactory, ReplyFactory, api_token

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-123"


@pytest.fixture
def annas_thread(live_session, citizen, other_citizen):
    """Anna asks through the service (so the event log names her), Bo replies, Anna votes."""
    question = services.post_question(
        session=live_session, author=citizen, body="Hvornår kommer cykelstien?"
    )
    services.post_reply(post=question, author=other_citizen, body="Godt spørgsmål.")
    bo_question = PostFactory(session=live_session, author=other_citizen, body="Og skolen?")
    services.vote(question=bo_question, user=citizen)
    return question


def test_citizen_downloads_everything_held_about_them_as_json(client, citizen, annas_thread):
    client.force_login(citizen)

    response = client.get("/accounts/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="townhall-anna.json"'
    data = json.loads(response.content)
    assert data["profile"]["username"] == "anna"
    assert data["profile"]["first_name"] == "Anna Jensen"
    assert [(p["body"], p["session"]["title"]) for p in data["posts"]] == [
        ("Hvornår kommer cykelstien?", "Digital spørgetime")
    ]
    assert [v["session"]["title"] for v in data["votes"]] == ["Digital spørgetime"]
    assert data["politician_profiles"] == []
    assert data["moderator_roles"] == []


def test_export_holds_nothing_of_other_people(citizen, other_citizen, annas_thread):
    data = export_account_data(user=citizen)

    assert "Godt spørgsmål." not in json.dumps(data, ensure_ascii=False)


def test_anonymous_visitor_is_sent_to_log_in_for_the_export(client):
    response = client.get("/accounts/export/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_deleted_account_leaves_its_posts_as_deleted_user(
    client, citizen, live_session, annas_thread
):
    client.force_login(citizen)
    api_token(citizen)
    votes_before = Vote.objects.count()

    response = client.post("/accounts/delete/", {"password": PASSWORD}, follow=True)

    assert "Your account has been deleted." in response.content.decode()
    assert "_auth_user_id" not in client.session
    citizen.refresh_from_db()
    assert citizen.username == f"deleted-{citizen.pk}"
    assert (citizen.first_name, citizen.last_name, citizen.email) == ("", "", "")
    assert not citizen.is_active
    assert not citizen.has_usable_password()
    assert not AuthToken.objects.filter(user=citizen).exists()
    assert Vote.objects.count() == votes_before
    page = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert "Hvornår kommer cykelstien?" in page
    assert "deleted user" in page
    assert "Anna Jensen" not in page
    api = client.get(f"/api/sessions/{live_session.pk}/questions/").json()
    assert "deleted user" in [question["author"] for question in api["results"]]


def test_deleted_account_is_renamed_in_the_event_log_too(citizen, annas_thread):
    delete_account(user=citizen, password=PASSWORD)

    created = Event.objects.get(type="question.created", data__id=annas_thread.pk)
    assert created.data["author"] == "deleted user"
    assert "Anna Jensen" not in json.dumps([event.data for event in Event.objects.all()])


def test_deleting_ends_every_login_session_of_the_account(client, citizen, other_citizen):
    client.force_login(citizen)
    other_device = type(client)()
    other_device.force_login(citizen)
    bo = type(client)()
    bo.force_login(other_citizen)

    delete_account(user=citizen, password=PASSWORD)

    assert LoginSession.objects.count() == 1
    assert other_device.get("/accounts/export/").status_code == 302


def test_deleted_citizen_still_counts_as_one_participant(citizen, other_citizen, annas_thread):
    ReplyFactory(parent=annas_thread, author=citizen)
    authors_before = Post.objects.values("author").distinct().count()

    delete_account(user=citizen, password=PASSWORD)

    assert Post.objects.values("author").distinct().count() == authors_before
    assert Post.objects.filter(author=citizen).count() == 2


def test_wrong_password_deletes_nothing(client, citizen):
    client.force_login(citizen)

    response = client.post("/accounts/delete/", {"password": "not-my-password"})

    assert response.status_code == 400
    assert "That is not your password. Your account was not deleted." in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.username == "anna"
    assert citizen.is_active


def test_staff_accounts_are_not_deleted_from_the_page(staff):
    with pytest.raises(PermissionDenied, match=r"Staff accounts are deleted by an administrator\."):
        delete_account(user=staff, password=PASSWORD)
    assert get_user_model().objects.get(pk=staff.pk).username == "editor"


def test_deleted_account_cannot_sign_in_again(client, citizen):
    delete_account(user=citizen, password=PASSWORD)

    response = client.post("/accounts/login/", {"username": "anna", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signed_in_header_links_to_export_and_delete(client, citizen):
    client.force_login(citizen)

    html = client.get("/").content.decode()

    assert 'href="/accounts/export/">Download my data</a>' in html
    assert 'href="/accounts/delete/">Delete account</a>' in html


def test_delete_page_asks_for_the_password(client, citizen):
    client.force_login(citizen)

    html = client.get("/accounts/delete/").content.decode()

    assert 'type="password"' in html
    assert "What you wrote stays, shown as written by a deleted user" in html


def test_validation_error_for_wrong_password_names_the_field(citizen):
    with pytest.raises(ValidationError) as refused:
        delete_account(user=citizen, password="nope")
    assert refused.value.message_dict == {
        "password": ["That is not your password. Your account was not deleted."]
    }


@pytest.mark.parametrize("username", ["deleted-7", "Participant-3-1"])
def test_usernames_of_anonymised_accounts_cannot_be_taken_at_signup(client, username):
    response = client.post(
        "/accounts/signup/",
        {"username": username, "password1": "Cykelsti-2026!", "password2": "Cykelsti-2026!"},
    )

    assert response.status_code == 200
    assert "Please choose another username." in response.content.decode()
    assert not get_user_model().objects.filter(username=username).exists()


def test_a_taken_username_at_signup_is_an_error_on_the_form(client, citizen):
    response = client.post(
        "/accounts/signup/",
        {"username": "ANNA", "password1": "Cykelsti-2026!", "password2": "Cykelsti-2026!"},
    )

    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert get_user_model().objects.filter(username__iexact="anna").count() == 1


def test_open_pages_hear_that_the_author_is_now_a_deleted_user(
    citizen, live_session, annas_thread, django_capture_on_commit_callbacks
):
    ReplyFactory(parent=annas_thread, author=citizen, status=Post.Status.HIDDEN)

    with django_capture_on_commit_callbacks(execute=False) as broadcasts:
        delete_account(user=citizen, password=PASSWORD)

    updated = Event.objects.filter(type="post.updated")
    assert [(event.data["id"], event.data["author"]) for event in updated] == [
        (annas_thread.pk, "deleted user")
    ]
    # That post.updated, and the end of the account's logins for its open sockets.
    assert len(broadcasts) == 2


def test_export_holds_the_reports_filed_and_the_bans_received(
    citizen, other_citizen, staff, live_session
):
    question = PostFactory(session=live_session, author=other_citizen, body="Et spørgsmål")
    services.report_post(post=question, reporter=citizen, reason="off_topic")
    services.ban_user(
        municipality=live_session.municipality,
        user=staff,
        target=citizen,
        reason="spam",
        note="Samme tekst ti gange",
    )

    data = export_account_data(user=citizen)

    assert data["reports"] == [
        {"post": question.pk, "reason": "off_topic", "created_at": data["reports"][0]["created_at"]}
    ]
    assert [(ban["municipality"], ban["reason"], ban["note"]) for ban in data["bans"]] == [
        (live_session.municipality.name, "spam", "Samme tekst ti gange")
    ]
