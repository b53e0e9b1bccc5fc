"""Notifications: a citizen hears when their question is answered (live or afterwards), merged,
or left unanswered at the end of the follow-up period; in the site, and by e-mail once, with a
signed unsubscribe link, in their language."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from sessions import events, services
from sessions.models import Event, Notification, NotificationSettings
from sessions.services import notifications
from sessions.services.notifications import CLAIM_TIMEOUT, MAX_EMAIL_ATTEMPTS, Outcome

from .factories import ModeratorFactory, PostFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
DURING = START + timedelta(minutes=20)
NEXT_WEEK = END + timedelta(days=7)
FOLLOW_UP_ENDS = END + timedelta(days=14)


@pytest.fixture
def session(mayor):
    return SessionFactory(starts_at=START, ends_at=END, politicians=[mayor])


@pytest.fixture
def question(session, citizen):
    return PostFactory(
        session=session, author=citizen, body="Hvornår åbner svømmehallen?", created_at=DURING
    )


def opt_in(user, email: str, language: str = "da") -> None:
    services.set_email_notifications(user=user, opt_in=True, email=email, language=language)


def told(user) -> list[tuple[str, int | None]]:
    return list(Notification.objects.filter(user=user).values_list("kind", "post_id"))


class FailingBackend:
    """An e-mail backend whose server is down."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionRefusedError("SMTP server down")


def test_asker_and_voters_hear_when_the_question_is_answered_live(
    question, citizen, other_citizen, mayor_user, django_capture_on_commit_callbacks
):
    services.vote(question=question, user=other_citizen, now=DURING)
    opt_in(citizen, "anna@example.dk", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_question(question=question, author=mayor_user, body="I juni.", now=DURING)

    assert told(citizen) == [("answered", question.pk)]
    assert told(other_citizen) == [("answered", question.pk)]
    assert told(mayor_user) == []
    # Only Anna opted in to e-mail.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.dk"]
    assert message.subject == 'Your question in "Digital spørgetime" was answered'
    assert "Hvornår åbner svømmehallen?" in message.body
    assert f"/sessions/{question.session_id}/#post-{question.pk}" in message.body
    assert Notification.objects.get(user=citizen).email_state == "sent"
    assert Notification.objects.get(user=other_citizen).email_state == "none"


def test_the_email_is_in_danish_by_default(
    question, citizen, mayor_user, django_capture_on_commit_callbacks
):
    opt_in(citizen, "anna@example.dk")

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_question(question=question, author=mayor_user, body="I juni.", now=DURING)

    assert mail.outbox[0].subject == 'Dit spørgsmål i "Digital spørgetime" er besvaret'
    assert "Stop disse e-mails (uden at logge ind):" in mail.outbox[0].body


def test_a_follow_up_answer_tells_the_asker_too(
    question, citizen, mayor_user, django_capture_on_commit_callbacks
):
    opt_in(citizen, "anna@example.dk", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        services.answer_question(question=question, author=mayor_user, body="Svar.", now=NEXT_WEEK)

    assert told(citizen) == [("answered", question.pk)]
    assert len(mail.outbox) == 1


def test_marking_answered_again_tells_nobody_twice(
    question, citizen, mayor_user, django_capture_on_commit_callbacks
):
    opt_in(citizen, "anna@example.dk")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_answered(question=question, user=mayor_user, now=DURING)
        services.mark_answered(question=question, user=mayor_user, answered=False, now=DURING)
        services.mark_answered(question=question, user=mayor_user, now=DURING)

    assert told(citizen) == [("answered", question.pk)]
    assert len(mail.outbox) == 1


def test_a_refused_answer_tells_nobody(question, citizen, other_citizen):
    opt_in(citizen, "anna@example.dk")

    with pytest.raises(PermissionDenied):
        services.answer_question(question=question, author=other_citizen, body="Nej.", now=DURING)

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_the_asker_of_a_merged_question_hears_which_question_it_joined(
    session, question, other_citizen, django_capture_on_commit_callbacks
):
    duplicate = PostFactory(
        session=session, author=other_citizen, body="Åbner svømmehallen snart?", created_at=DURING
    )
    moderator = UserFactory(username="moderator")
    ModeratorFactory(municipality=session.municipality, user=moderator)
    opt_in(other_citizen, "bo@example.dk", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        services.merge_question(question=duplicate, into=question, user=moderator, now=DURING)

    assert told(other_citizen) == [("merged", duplicate.pk)]
    assert mail.outbox[0].subject == (
        'Your question in "Digital spørgetime" was merged with a similar one'
    )
    assert 'Merged into: "Hvornår åbner svømmehallen?"' in mail.outbox[0].body


def test_the_asker_of_a_merged_question_hears_when_the_question_it_joined_is_answered(
    session, question, other_citizen, mayor_user, staff
):
    duplicate = PostFactory(session=session, author=other_citizen, body="Samme?", created_at=DURING)
    services.merge_question(question=duplicate, into=question, user=staff, now=DURING)

    services.answer_question(question=question, author=mayor_user, body="I juni.", now=DURING)

    assert sorted(told(other_citizen)) == [("answered", duplicate.pk), ("merged", duplicate.pk)]


def test_a_room_question_tells_the_moderator_who_entered_it_nothing(session, staff, mayor_user):
    room = services.enter_question(
        session=session, user=staff, body="Fra salen?", channel="room", now=DURING
    )

    services.answer_question(question=room, author=mayor_user, body="Ja.", now=DURING)

    assert Notification.objects.count() == 0


def test_at_the_follow_up_end_open_questions_go_out_as_unanswered_once(
    session, question, citizen, other_citizen, mayor_user, django_capture_on_commit_callbacks
):
    answered = PostFactory(session=session, author=other_citizen, body="Besvaret?")
    services.answer_question(question=answered, author=mayor_user, body="Ja.", now=DURING)
    opt_in(citizen, "anna@example.dk", language="en")
    Event.objects.all().delete()

    assert services.close_follow_ups(now=FOLLOW_UP_ENDS - timedelta(microseconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.close_follow_ups(now=FOLLOW_UP_ENDS) == 1
        assert services.close_follow_ups(now=FOLLOW_UP_ENDS + timedelta(hours=1)) == 0

    [updated] = Event.objects.filter(type=events.POST_UPDATED)
    assert (updated.data["id"], updated.data["fate"]) == (question.pk, "unanswered")
    assert told(citizen) == [("unanswered", question.pk)]
    assert told(other_citizen) == [("answered", answered.pk)]
    assert [m.subject for m in mail.outbox] == [
        'Your question in "Digital spørgetime" was not answered'
    ]
    assert f"/sessions/{session.pk}/record/" in mail.outbox[0].body


def test_moving_the_follow_up_end_announces_the_new_end_without_telling_twice(
    session, question, citizen, staff
):
    services.close_follow_up(session=session, now=FOLLOW_UP_ENDS)
    later = FOLLOW_UP_ENDS + timedelta(days=10)
    services.update_session(session=session, user=staff, follow_up_until=later, now=FOLLOW_UP_ENDS)
    Event.objects.all().delete()

    assert services.close_follow_ups(now=later) == 1

    assert Event.objects.filter(type=events.POST_UPDATED).count() == 1
    assert told(citizen) == [("unanswered", question.pk)]


# Sending once --------------------------------------------------------------------------------


@pytest.fixture
def pending(question, citizen) -> Notification:
    """A notification whose e-mail is due and not sent yet: as notify() leaves it, before the
    commit runs its task (with transaction=True a commit would run it at once)."""
    opt_in(citizen, "anna@example.dk", language="en")
    return Notification.objects.create(
        user=citizen,
        kind="answered",
        session=question.session,
        post=question,
        key=f"answered:{question.pk}",
        created_at=DURING,
        email_state="pending",
        email_due_at=DURING,
    )


def test_the_email_is_sent_once_when_the_task_runs_twice(pending):
    assert pending.email_state == "pending"

    first = notifications.deliver_email.call(pending.pk)
    second = notifications.deliver_email.call(pending.pk)

    assert (first, second) == (Outcome.SENT, Outcome.SKIPPED)
    assert len(mail.outbox) == 1


def test_a_worker_never_sends_what_another_worker_is_sending(pending):
    # Another worker claimed it a moment ago and is still talking to the mail server.
    assert notifications._claim(pending.pk, DURING)

    moment_later = DURING + timedelta(seconds=5)
    assert (
        notifications.send_notification_email(notification_id=pending.pk, now=moment_later)
        == Outcome.SKIPPED
    )
    assert notifications.send_due_emails(now=DURING + CLAIM_TIMEOUT / 2) == {}
    assert mail.outbox == []


def test_an_email_a_dead_worker_claimed_is_sent_later_by_the_sweep(pending):
    notifications._claim(pending.pk, DURING)

    assert notifications.send_due_emails(now=DURING + CLAIM_TIMEOUT) == {"sent": 1}
    assert notifications.send_due_emails(now=DURING + CLAIM_TIMEOUT * 3) == {}
    assert len(mail.outbox) == 1


def test_a_failed_send_is_logged_retried_later_and_sent_once(pending, caplog):
    with override_settings(EMAIL_BACKEND="tests.test_notifications.FailingBackend"):
        assert notifications.deliver_email.call(pending.pk) == Outcome.RETRY

    pending.refresh_from_db()
    assert (pending.email_state, pending.email_attempts) == ("pending", 1)
    assert f"Notification e-mail {pending.pk} failed (attempt 1); retrying" in caplog.text
    # Not due yet, then due.
    assert notifications.send_due_emails(now=pending.email_due_at - timedelta(seconds=1)) == {}
    assert notifications.send_due_emails(now=pending.email_due_at) == {"sent": 1}
    assert len(mail.outbox) == 1


def test_an_email_that_keeps_failing_is_given_up_and_logged_as_an_error(pending, caplog):
    now = DURING
    with override_settings(EMAIL_BACKEND="tests.test_notifications.FailingBackend"):
        for _attempt in range(MAX_EMAIL_ATTEMPTS):
            notifications.send_due_emails(now=now)
            now += timedelta(days=1)

    pending.refresh_from_db()
    assert (pending.email_state, pending.email_attempts) == ("failed", MAX_EMAIL_ATTEMPTS)
    assert any(r.levelname == "ERROR" for r in caplog.records)
    assert notifications.send_due_emails(now=now) == {}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_send_the_email_once(pending):
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            outcomes.append(notifications.send_notification_email(notification_id=pending.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == [Outcome.SENT, Outcome.SKIPPED]
    assert len(mail.outbox) == 1


# Unsubscribing -------------------------------------------------------------------------------


def test_every_email_carries_a_signed_unsubscribe_link_that_works_without_login(
    pending, citizen, client
):
    notifications.deliver_email.call(pending.pk)
    message = mail.outbox[0]
    url = notifications.unsubscribe_url(citizen)
    assert url in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    path = url.removeprefix("http://localhost:8000")

    asked = client.get(path)
    assert asked.status_code == 200
    assert NotificationSettings.objects.get(user=citizen).email_opt_in is True

    done = client.post(path)

    assert done.status_code == 200
    assert "we will send no more notification e-mails" in done.content.decode()
    assert NotificationSettings.objects.get(user=citizen).email_opt_in is False


def test_after_unsubscribing_no_more_emails_go_out(pending, question, citizen, mayor_user):
    services.unsubscribe(token=notifications.unsubscribe_token(citizen))

    assert notifications.deliver_email.call(pending.pk) == Outcome.SKIPPED
    assert mail.outbox == []
    pending.refresh_from_db()
    assert pending.email_state == "none"


def test_a_forged_unsubscribe_link_is_a_400_and_changes_nothing(pending, citizen, client):
    token = notifications.unsubscribe_token(citizen)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = client.post(reverse("notifications-unsubscribe", args=[forged]))

    assert response.status_code == 400
    assert "This unsubscribe link is not valid." in response.content.decode()
    assert NotificationSettings.objects.get(user=citizen).email_opt_in is True


def test_opting_in_without_an_address_is_refused(citizen):
    with pytest.raises(ValidationError) as refused:
        services.set_email_notifications(user=citizen, opt_in=True, email="", language="en")

    assert refused.value.message_dict == {
        "email": ["Enter your e-mail address to be told by e-mail."]
    }
    assert not NotificationSettings.objects.filter(user=citizen).exists()


def test_no_email_to_a_user_who_did_not_opt_in(question, citizen, mayor_user):
    citizen.email = "anna@example.dk"
    citizen.save()

    notification = notifications.notify(
        user=citizen, kind="answered", session=question.session, post=question, now=DURING
    )

    assert notification.email_state == "none"
    assert notifications.send_due_emails(now=DURING) == {}
    assert mail.outbox == []


def test_a_post_is_told_about_once_per_user(question, citizen):
    first = notifications.notify(
        user=citizen, kind="answered", session=question.session, post=question
    )
    again = notifications.notify(
        user=citizen, kind="answered", session=question.session, post=question
    )

    assert first is not None and again is None
    assert Notification.objects.filter(user=citizen).count() == 1


# The commands cron runs -----------------------------------------------------------------------


def test_close_follow_ups_command_announces_what_is_due(session, question, citizen):
    session.follow_up_until = END + timedelta(days=1)
    session.save()
    out = StringIO()

    call_command("close_follow_ups", stdout=out)
    call_command("close_follow_ups", stdout=out)

    assert out.getvalue().splitlines() == [
        "1 question(s) now show as not answered.",
        "0 question(s) now show as not answered.",
    ]
    assert told(citizen) == [("unanswered", question.pk)]


def test_send_notification_emails_command_sends_what_is_due_once(pending):
    out = StringIO()

    call_command("send_notification_emails", stdout=out)
    call_command("send_notification_emails", stdout=out)

    assert out.getvalue().splitlines() == ["sent: 1", "Nothing due."]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_worker_sends_the_email_once(
    settings, question, citizen, mayor_user
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    opt_in(citizen, "anna@example.dk", language="en")

    services.answer_question(question=question, author=mayor_user, body="I juni.", now=DURING)

    # Queued, not sent in the request.
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    run_worker = ["db_worker", "--batch", "--no-startup-delay", "--interval", "0"]
    call_command(*run_worker, stdout=StringIO(), stderr=StringIO())
    call_command(*run_worker, stdout=StringIO(), stderr=StringIO())
    assert [m.to for m in mail.outbox] == [["anna@example.dk"]]
    assert Notification.objects.get(user=citizen).email_state == "sent"


def test_the_account_export_holds_the_notifications_and_the_choice(question, citizen, mayor_user):
    opt_in(citizen, "anna@example.dk", language="en")
    services.answer_question(question=question, author=mayor_user, body="I juni.", now=DURING)

    data = services.accounts.export_account_data(user=citizen)

    assert data["notifications"] == {
        "email_opt_in": True,
        "language": "en",
        "received": [
            {
                "kind": "answered",
                "session": question.session_id,
                "question": question.pk,
                "created_at": "2025-03-04T17:20:00Z",
                "read_at": None,
                "emailed_at": None,
            }
        ],
    }


def test_staff_see_failed_emails_in_the_admin(client, staff, pending):
    Notification.objects.filter(pk=pending.pk).update(email_state="failed", email_attempts=5)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    response = client.get("/admin/townhall_sessions/notification/?email_state__exact=failed")

    assert response.status_code == 200
    row = re.search(r"<tr>.*?</tr>", response.content.decode().split("<tbody>")[1], re.S).group(0)
    assert '<td class="field-user nowrap">anna</td>' in row
    assert '<td class="field-email_state">Failed</td>' in row


def test_telling_the_voters_costs_the_same_queries_for_3_or_30_of_them(session, mayor_user):
    def answer_with_voters(count: int) -> int:
        question = PostFactory(session=session, body=f"{count} vil vide det?", created_at=DURING)
        for _ in range(count):
            voter = UserFactory()
            opt_in(voter, f"{voter.username}@example.dk")
            services.vote(question=question, user=voter, now=DURING)
        # The mayor as a new request would load them: nothing of theirs read yet.
        author = type(mayor_user).objects.get(pk=mayor_user.pk)
        with CaptureQueriesContext(connection) as queries:
            services.answer_question(question=question, author=author, body="Svar.", now=DURING)
        assert Notification.objects.filter(post=question, email_state="pending").count() == count
        return len(queries.captured_queries)

    assert answer_with_voters(3) == answer_with_voters(30)
