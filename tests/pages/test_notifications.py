"""The citizen's own pages: notifications with unread marks (counted in the header), e-mail
settings, and their questions across sessions with each one's fate."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from sessions import selectors, services
from sessions.models import Notification, NotificationSettings, Post
from tests.factories import PostFactory, SessionFactory

pytestmark = pytest.mark.django_db


def unread_badge(html: str) -> str | None:
    found = re.search(r'<span class="badge unread-count"[^>]*>(\d+)</span>', html)
    return found.group(1) if found else None


@pytest.fixture
def answered(live_session, citizen, mayor_user):
    question = PostFactory(session=live_session, author=citizen, body="Hvornår åbner hallen?")
    services.answer_question(question=question, author=mayor_user, body="I juni.")
    return question


def test_the_header_counts_unread_notifications_for_the_signed_in_citizen(
    client, citizen, answered
):
    client.force_login(citizen)

    html = client.get("/").content.decode()

    assert unread_badge(html) == "1"
    assert 'aria-label="1 unread"' in html


def test_the_anonymous_session_page_has_no_notification_count(client, answered):
    html = client.get(f"/sessions/{answered.session_id}/").content.decode()

    assert "Notifications" not in html
    assert unread_badge(html) is None


def test_the_list_marks_unread_and_opening_one_marks_it_read(client, citizen, answered):
    client.force_login(citizen)
    html = client.get("/notifications/").content.decode()
    assert "Answered: “Hvornår åbner hallen?”" in html
    assert html.count('class="notification unread"') == 1
    notification = Notification.objects.get(user=citizen)

    opened = client.get(f"/notifications/{notification.pk}/")

    assert opened.status_code == 302
    assert opened["Location"] == f"/sessions/{answered.session_id}/#post-{answered.pk}"
    html = client.get("/notifications/").content.decode()
    assert 'class="notification unread"' not in html
    assert unread_badge(html) is None


def test_mark_all_read(client, citizen, answered):
    client.force_login(citizen)

    response = client.post("/notifications/read/", follow=True)

    assert "All your notifications are marked read." in response.content.decode()
    assert Notification.objects.filter(user=citizen, read_at=None).count() == 0


def test_someone_elses_notification_is_a_404_and_stays_unread(client, other_citizen, answered):
    notification = Notification.objects.get()
    client.force_login(other_citizen)

    assert client.get(f"/notifications/{notification.pk}/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_list_needs_a_login(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_citizen_opts_in_to_email_in_their_language_and_hears_by_email(
    client, citizen, live_session, mayor_user, django_capture_on_commit_callbacks
):
    client.force_login(citizen)
    response = client.post(
        "/notifications/email/", {"email": "anna@example.dk", "opt_in": "on"}, follow=True
    )
    assert "We will tell you by e-mail." in response.content.decode()
    assert NotificationSettings.objects.filter(user=citizen).values_list(
        "email_opt_in", "language"
    ).get() == (True, "en")
    question = PostFactory(session=live_session, author=citizen, body="Og cykelstien?")

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_question(question=question, author=mayor_user, body="Næste år.")

    assert [m.to for m in mail.outbox] == [["anna@example.dk"]]


def test_a_bad_address_is_a_400_with_a_message_and_nothing_changes(client, citizen):
    client.force_login(citizen)

    response = client.post("/notifications/email/", {"email": "not an address", "opt_in": "on"})

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not NotificationSettings.objects.filter(user=citizen).exists()


def test_opting_in_without_an_address_is_a_400(client, citizen):
    client.force_login(citizen)

    response = client.post("/notifications/email/", {"email": "", "opt_in": "on"})

    assert response.status_code == 400
    assert "Enter your e-mail address to be told by e-mail." in response.content.decode()


def test_your_questions_lists_each_question_with_its_fate(
    client, citizen, other_citizen, mayor, mayor_user, staff
):
    now = timezone.now()
    live = SessionFactory(title="Live nu", politicians=[mayor])
    long_ago = SessionFactory(
        title="For længe siden",
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=30) + timedelta(hours=1),
    )
    open_question = PostFactory(session=live, author=citizen, body="Åbent spørgsmål?")
    answered = PostFactory(session=live, author=citizen, body="Besvaret spørgsmål?")
    services.answer_question(question=answered, author=mayor_user, body="Ja.")
    original = PostFactory(session=live, author=other_citizen, body="Det oprindelige?")
    duplicate = PostFactory(session=live, author=citizen, body="Dubletten?")
    services.merge_question(question=duplicate, into=original, user=staff)
    forgotten = PostFactory(
        session=long_ago, author=citizen, body="Glemt?", created_at=long_ago.starts_at
    )
    PostFactory(session=live, author=other_citizen, body="Ikke mit?")
    client.force_login(citizen)

    html = client.get("/my-questions/").content.decode()

    def row(question) -> str:
        start = html.index(f'data-post-id="{question.pk}"')
        return html[start : html.index("</tr>", start)]

    assert "Ikke mit?" not in html
    # News of the answer and of the merge is unread: marked "New"; the open question has none.
    assert "unread-mark" in row(answered)
    assert "unread-mark" in row(duplicate)
    assert "unread-mark" not in row(open_question)
    assert 'data-fate="open"' in row(open_question)
    assert "Open: not answered yet" in row(open_question)
    assert "Answered live" in row(answered)
    assert "Merged into" in row(duplicate)
    assert "“Det oprindelige?”" in row(duplicate)
    assert "Not answered" in row(forgotten)
    assert 'data-fate="unanswered"' in row(forgotten)
    assert "For længe siden" in row(forgotten)


def test_a_signed_in_page_load_counts_unread_notifications_without_a_query(
    client, citizen, answered, django_assert_num_queries
):
    client.force_login(citizen)
    first = client.get("/")
    assert unread_badge(first.content.decode()) == "1"

    with django_assert_num_queries(0):
        assert selectors.unread_notification_count(citizen) == 1
    services.post_question(session=answered.session, author=citizen, body="Et spørgsmål mere?")
    services.answer_question(
        question=Post.objects.get(body="Et spørgsmål mere?"),
        author=answered.session.politicians.get().user,
        body="Ja.",
    )
    assert unread_badge(client.get("/").content.decode()) == "2"
