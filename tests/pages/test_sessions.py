"""Pages through Django's test client: what a citizen, a politician and staff see and can do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from sessions import events, services
from sessions.models import Event, Post, Session
from tests.factories import PostFactory, SessionFactory

pytestmark = pytest.mark.django_db


def page(client, session):
    return client.get(f"/sessions/{session.pk}/")


def test_home_lists_live_upcoming_and_archived_sessions(client, home_sessions):
    html = client.get("/").content.decode()

    live, upcoming, archive = (
        html.index("Live now"),
        html.index("Upcoming"),
        html.index("Archive"),
    )
    assert live < html.index("Digital spørgetime") < upcoming
    assert upcoming < html.index("Borgermøde om skolerne") < archive
    assert archive < html.index("Borgermøde om trafik")


def test_session_page_shows_questions_and_escapes_user_text(client, live_session, citizen):
    services.post_question(
        session=live_session, author=citizen, body="<script>alert(1)</script> Hvad med P-pladser?"
    )
    html = page(client, live_session).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Hvad med P-pladser?" in html
    assert "<script>alert(1)" not in html
    assert "Anna Jensen" in html


def test_anonymous_visitor_reads_and_is_invited_to_log_in(client, live_session):
    html = page(client, live_session).content.decode()
    assert "to ask a question, reply and vote." in html
    assert 'class="ask-form' not in html


def test_anonymous_post_is_sent_to_the_login_page(client, live_session):
    response = client.post(f"/sessions/{live_session.pk}/ask/", {"body": "Hej"})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert Post.objects.count() == 0


def test_citizen_asks_a_question_through_the_form(client, live_session, citizen):
    client.force_login(citizen)
    response = client.post(f"/sessions/{live_session.pk}/ask/", {"body": "  Hvornår?  "})
    question = Post.objects.get()
    assert response.status_code == 302
    assert response.url == f"/sessions/{live_session.pk}/#post-{question.pk}"
    assert question.body == "Hvornår?"
    assert "Hvornår?" in page(client, live_session).content.decode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Write something before you send it."),
        ("x" * 2001, "Keep it to 2000 characters; this text has 2001."),
    ],
)
def test_bad_question_gets_a_form_error_and_nothing_is_saved(
    client, live_session, citizen, body, message
):
    client.force_login(citizen)
    response = client.post(f"/sessions/{live_session.pk}/ask/", {"body": body})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Post.objects.count() == 0
    assert Event.objects.count() == 0


def test_closed_session_is_an_archive_and_refuses_posts(client, citizen):
    now = timezone.now()
    closed = SessionFactory(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    client.force_login(citizen)

    html = page(client, closed).content.decode()
    assert "This session has closed and is now a read-only archive." in html
    assert 'class="ask-form card" data-action="ask" hidden' in html

    response = client.post(f"/sessions/{closed.pk}/ask/", {"body": "Too late?"})
    assert response.status_code == 400
    assert "This session has closed" in response.content.decode()
    assert Post.objects.count() == 0


def test_scheduled_session_shows_when_it_opens(client, citizen):
    now = timezone.now()
    upcoming = SessionFactory(
        starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=1)
    )
    html = page(client, upcoming).content.decode()
    assert "This session has not started yet. It opens for questions at" in html
    assert 'data-status="scheduled"' in html


def test_unknown_session_is_404(client):
    assert client.get("/sessions/424242/").status_code == 404


def test_politician_sees_open_questions_most_wanted_first(
    client, live_session, mayor_user, citizen, other_citizen
):
    few = services.post_question(session=live_session, author=citizen, body="Few votes")
    many = services.post_question(session=live_session, author=citizen, body="Many votes")
    answered = services.post_question(session=live_session, author=citizen, body="Done already")
    services.vote(question=many, user=other_citizen)
    services.answer_question(question=answered, author=mayor_user, body="Svar")
    client.force_login(mayor_user)

    response = page(client, live_session)

    assert [q.pk for q in response.context["open_questions"]] == [many.pk, few.pk]
    html = response.content.decode()
    assert "Open questions, most wanted first" in html
    assert "Answer as Tomas Breddam, Borgmester" in html


def test_citizen_sees_no_politician_panel(client, live_session, citizen):
    client.force_login(citizen)
    assert "Open questions, most wanted first" not in page(client, live_session).content.decode()


def test_politician_answers_through_the_form_with_a_badge(
    client, live_session, mayor_user, citizen
):
    question = services.post_question(session=live_session, author=citizen, body="Hvornår?")
    client.force_login(mayor_user)

    response = client.post(
        f"/posts/{question.pk}/reply/", {"body": "Til foråret.", "mark_answered": "on"}
    )

    assert response.status_code == 302
    answer = question.replies.get()
    assert answer.politician.name == "Tomas Breddam"
    question.refresh_from_db()
    assert question.is_answered
    html = page(client, live_session).content.decode()
    assert "Verified politician:" in html
    assert "Borgmester" in html


def test_citizen_cannot_pose_as_politician_by_ticking_mark_answered(
    client, live_session, citizen, other_citizen
):
    question = services.post_question(session=live_session, author=citizen, body="Hvornår?")
    client.force_login(other_citizen)
    response = client.post(
        f"/posts/{question.pk}/reply/", {"body": "Aldrig", "mark_answered": "on"}
    )
    assert response.status_code == 403
    question.refresh_from_db()
    assert not question.is_answered
    assert question.replies.count() == 0


def test_empty_reply_gets_a_form_error(client, live_session, citizen):
    question = services.post_question(session=live_session, author=citizen, body="Hvornår?")
    client.force_login(citizen)
    response = client.post(f"/posts/{question.pk}/reply/", {"body": ""})
    assert response.status_code == 400
    assert "Write something before you send it." in response.content.decode()
    assert question.replies.count() == 0


def test_second_vote_is_refused_with_a_message(client, live_session, citizen, other_citizen):
    question = services.post_question(session=live_session, author=citizen, body="Hvornår?")
    client.force_login(other_citizen)
    client.post(f"/posts/{question.pk}/vote/", {"action": "vote"})
    response = client.post(f"/posts/{question.pk}/vote/", {"action": "vote"}, follow=True)
    assert "You have already voted for this question." in response.content.decode()
    question.refresh_from_db()
    assert question.vote_count == 1


def test_staff_extend_the_session_from_the_page(client, live_session, staff):
    client.force_login(staff)
    before = live_session.ends_at
    html = page(client, live_session).content.decode()
    assert "Extend by 15 minutes" in html

    client.post(f"/sessions/{live_session.pk}/control/", {"action": "extend", "minutes": "15"})

    live_session.refresh_from_db()
    assert live_session.ends_at == before + timedelta(minutes=15)


def test_citizen_sees_no_staff_controls_and_cannot_close(client, live_session, citizen):
    client.force_login(citizen)
    assert "Extend by 15 minutes" not in page(client, live_session).content.decode()
    response = client.post(f"/sessions/{live_session.pk}/control/", {"action": "close"})
    assert response.status_code == 403
    live_session.refresh_from_db()
    assert live_session.status_at(timezone.now()) == "live"


def test_session_page_reads_in_a_fixed_number_of_queries(
    client, live_session, citizen, django_assert_num_queries
):
    def fill(count: int) -> None:
        for _ in range(count):
            question = PostFactory(session=live_session, author=citizen)
            PostFactory(session=live_session, author=citizen, parent=question)
        # Posts written past the services: raise and publish the seq as an event would.
        Session.objects.filter(pk=live_session.pk).update(last_seq=F("last_seq") + 1)
        live_session.refresh_from_db()
        events.publish_seq(live_session.pk, live_session.last_seq)

    fill(2)
    # Session, panel, questions, replies, the moderation tally, and the polls; the seq from
    # the cache.
    with django_assert_num_queries(6) as small:
        page(client, live_session)
    fill(20)
    with django_assert_num_queries(len(small.captured_queries)):
        page(client, live_session)


def test_signup_logs_the_new_citizen_in(client, live_session):
    response = client.post(
        f"/accounts/signup/?next=/sessions/{live_session.pk}/",
        {
            "username": "karen",
            "first_name": "Karen Nielsen",
            "password1": "en-lang-adgangskode-42",
            "password2": "en-lang-adgangskode-42",
        },
    )
    assert response.status_code == 302
    assert response.url == f"/sessions/{live_session.pk}/"
    assert "Signed in as Karen Nielsen" in page(client, live_session).content.decode()


def test_signup_never_redirects_to_another_site(client):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/phish",
        {
            "username": "karen",
            "first_name": "Karen Nielsen",
            "password1": "en-lang-adgangskode-42",
            "password2": "en-lang-adgangskode-42",
        },
    )
    assert response.status_code == 302
    assert response.url == "/"
