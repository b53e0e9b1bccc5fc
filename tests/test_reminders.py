"""Reminders (issue 15): a signed-in citizen with an e-mail address clicks "Remind me" on an
upcoming session and gets an e-mail TOWNHALL_REMINDER_MINUTES before it starts, and one when
questions open early; each once, in their language, with the unsubscribe link; taking the
reminder back, cancelling or moving the session are honoured."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django_tasks_db.models import DBTaskResult

from sessions import services
from sessions.models import Notification, NotificationSettings, Reminder
from sessions.services import notifications, reminders

from .factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# 18:00 in Copenhagen (winter time).
START = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
DUE = START - timedelta(minutes=30)
DAY_BEFORE = START - timedelta(days=1)
SITE = "http://localhost:8000"


@pytest.fixture
def session(mayor):
    return SessionFactory(
        title="Trafik i midtbyen", starts_at=START, ends_at=END, politicians=[mayor]
    )


@pytest.fixture
def anna():
    return UserFactory(username="anna", first_name="Anna Jensen", email="anna@example.dk")


def remind(session, user, language="en", now=DAY_BEFORE):
    return services.remind_me(session=session, user=user, language=language, now=now)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """send_due_reminders as the cron command runs it at `at`: its e-mail tasks run after the
    commit, at that time too."""

    def run(at: datetime) -> dict[str, int]:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return reminders.send_due_reminders()

    return run


def sent_to() -> list[tuple[list[str], str]]:
    return [(message.to, message.subject) for message in mail.outbox]


# Asking and taking back -------------------------------------------------------------------


def test_a_citizen_asks_once_however_often_they_click(session, anna):
    first = remind(session, anna)
    second = remind(session, anna, now=DAY_BEFORE + timedelta(minutes=1))

    assert first.pk == second.pk
    assert list(Reminder.objects.values_list("user", "session", "created_at")) == [
        (anna.pk, session.pk, DAY_BEFORE)
    ]
    # Nothing is due a day before.
    assert mail.outbox == []


def test_an_anonymous_visitor_cannot_ask(session):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match=r"Sign in to get a reminder by e-mail\."):
        remind(session, AnonymousUser())
    assert Reminder.objects.count() == 0


def test_a_citizen_without_an_email_address_is_told_to_add_one(session, citizen):
    with pytest.raises(ValidationError) as refused:
        remind(session, citizen)

    assert refused.value.code == "email_required"
    assert "add your e-mail address on your notifications page" in refused.value.messages[0]
    assert Reminder.objects.count() == 0


@pytest.mark.parametrize(
    ("when", "code", "message"),
    [
        (START, "session_started", "This session has already started. Join it now instead."),
        (END, "session_closed", "This session has ended. There is nothing to remind you of."),
    ],
)
def test_no_reminder_for_a_session_that_started_or_ended(session, anna, when, code, message):
    with pytest.raises(ValidationError) as refused:
        remind(session, anna, now=when)

    assert (refused.value.code, refused.value.messages) == (code, [message])
    assert Reminder.objects.count() == 0


def test_no_reminder_for_a_cancelled_session(session, anna, staff):
    session = services.cancel_session(session=session, user=staff, now=DAY_BEFORE)

    with pytest.raises(ValidationError) as refused:
        remind(session, anna)

    assert refused.value.code == "session_cancelled"
    assert Reminder.objects.count() == 0


def test_a_reminder_taken_back_sends_nothing(session, anna, sweep):
    remind(session, anna)

    assert services.forget_reminder(session=session, user=anna) is True
    assert services.forget_reminder(session=session, user=anna) is False

    assert sweep(DUE) == {}
    assert mail.outbox == []
    assert Notification.objects.count() == 0


# Sending ----------------------------------------------------------------------------------


def test_the_email_goes_30_minutes_before_the_start_once(session, anna, sweep):
    remind(session, anna)

    assert sweep(DUE - timedelta(seconds=1)) == {}
    assert sweep(DUE) == {"reminder": 1}
    assert sweep(DUE + timedelta(minutes=1)) == {}
    assert sweep(START - timedelta(seconds=1)) == {}

    assert sent_to() == [(["anna@example.dk"], 'Reminder: "Trafik i midtbyen" starts at 18:00')]
    assert list(Notification.objects.values_list("user", "kind", "session", "email_state")) == [
        (anna.pk, "reminder", session.pk, "sent")
    ]


def test_the_email_has_the_date_time_title_link_and_unsubscribe_link(session, anna, sweep):
    remind(session, anna)
    sweep(DUE)

    message = mail.outbox[0]
    unsubscribe = re.search(r"\(no login needed\): (\S+)", message.body)[1]
    token = unsubscribe.removeprefix(f"{SITE}/notifications/unsubscribe/").rstrip("/")
    assert notifications.user_of_unsubscribe_token(token) == anna
    assert message.body.splitlines()[:6] == [
        "Hello Anna Jensen,",
        "",
        'You asked us to remind you: "Trafik i midtbyen" (Roskilde Kommune) starts soon.',
        "",
        "Date: Tuesday March 4, 2025",
        "Time: 18:00\N{EN DASH}20:00",
    ]
    assert f"Take part here: {SITE}/sessions/{session.pk}/" in message.body
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"


def test_the_email_is_in_danish_for_a_danish_reader(session, anna, sweep):
    remind(session, anna, language="da")
    sweep(DUE)

    message = mail.outbox[0]
    assert message.subject == 'Påmindelse: "Trafik i midtbyen" begynder kl. 18:00'
    assert "Dato: tirsdag 4. marts 2025" in message.body
    assert "Tidspunkt: 18:00\N{EN DASH}20:00" in message.body
    assert NotificationSettings.objects.get(user=anna).language == "da"


@override_settings(TOWNHALL_REMINDER_MINUTES=60)
def test_the_time_before_the_start_is_a_setting(session, anna, sweep):
    remind(session, anna)

    assert sweep(START - timedelta(minutes=61)) == {}
    assert sweep(START - timedelta(minutes=60)) == {"reminder": 1}
    assert len(mail.outbox) == 1


def test_a_reminder_asked_within_the_last_half_hour_goes_at_once(
    session, anna, django_capture_on_commit_callbacks
):
    soon = START - timedelta(minutes=10)
    with time_machine.travel(soon, tick=False), django_capture_on_commit_callbacks(execute=True):
        remind(session, anna, now=None)

    assert sent_to() == [(["anna@example.dk"], 'Reminder: "Trafik i midtbyen" starts at 18:00')]


def test_the_reminder_needs_no_opt_in_and_sends_nothing_about_questions(session, anna, sweep):
    # Anna never opted in to e-mails about her questions: the click is the request.
    remind(session, anna)
    sweep(DUE)

    assert len(mail.outbox) == 1
    assert NotificationSettings.objects.get(user=anna).email_opt_in is False


def test_a_cancelled_session_sends_no_reminder(session, anna, staff, sweep):
    remind(session, anna)
    services.cancel_session(session=session, user=staff, now=DAY_BEFORE + timedelta(hours=1))

    assert sweep(DUE) == {}
    assert mail.outbox == []


def test_an_email_waiting_for_a_retry_is_not_sent_after_the_session_is_cancelled(
    session, anna, staff, sweep
):
    remind(session, anna)
    with override_settings(EMAIL_BACKEND="tests.test_notifications.FailingBackend"):
        sweep(DUE)
    notification = Notification.objects.get(user=anna)
    assert notification.email_state == "pending"
    services.cancel_session(session=session, user=staff, now=DUE - timedelta(hours=1))

    outcome = notifications.send_notification_email(
        notification_id=notification.pk, now=notification.email_due_at
    )

    assert outcome == notifications.Outcome.SKIPPED
    assert mail.outbox == []


def test_a_session_moved_later_is_reminded_at_its_new_time_only(session, anna, staff, sweep):
    remind(session, anna)
    later = START + timedelta(hours=2)
    services.update_session(
        session=session,
        user=staff,
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        now=DAY_BEFORE,
    )

    assert sweep(DUE) == {}
    assert sweep(later - timedelta(minutes=30)) == {"reminder": 1}
    assert sweep(later - timedelta(minutes=29)) == {}
    assert sent_to() == [(["anna@example.dk"], 'Reminder: "Trafik i midtbyen" starts at 20:00')]


def test_a_session_moved_after_the_reminder_went_sends_one_more_with_the_new_time(
    session, anna, staff, sweep
):
    remind(session, anna)
    sweep(DUE)
    later = START + timedelta(days=1)
    services.update_session(
        session=session,
        user=staff,
        starts_at=later,
        ends_at=later + timedelta(hours=1),
        now=DUE + timedelta(minutes=5),
    )

    assert sweep(DUE + timedelta(minutes=6)) == {}
    assert sweep(later - timedelta(minutes=30)) == {"reminder": 1}
    assert sweep(later - timedelta(minutes=10)) == {}
    assert [message.subject for message in mail.outbox] == [
        'Reminder: "Trafik i midtbyen" starts at 18:00',
        'Reminder: "Trafik i midtbyen" starts at 18:00',
    ]
    assert "Date: Wednesday March 5, 2025" in mail.outbox[1].body


def test_a_session_moved_into_the_half_hour_is_reminded_at_once(
    session, anna, staff, django_capture_on_commit_callbacks, sweep
):
    remind(session, anna)
    moved_at = DAY_BEFORE + timedelta(hours=23)  # 16:00 UTC
    sooner = moved_at + timedelta(minutes=20)
    with (
        time_machine.travel(moved_at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.update_session(session=session, user=staff, starts_at=sooner)

    assert len(mail.outbox) == 1
    assert sweep(moved_at + timedelta(minutes=1)) == {}
    assert len(mail.outbox) == 1


def test_opening_questions_early_sends_an_email_then_the_reminder(session, anna, sweep):
    opens = START - timedelta(hours=5)
    session.questions_open_at = opens
    session.save()
    remind(session, anna)

    assert sweep(opens - timedelta(seconds=1)) == {}
    assert sweep(opens) == {"questions_open": 1}
    assert sweep(opens + timedelta(hours=1)) == {}
    assert sweep(DUE) == {"reminder": 1}

    assert [message.subject for message in mail.outbox] == [
        'Questions are open: "Trafik i midtbyen"',
        'Reminder: "Trafik i midtbyen" starts at 18:00',
    ]
    assert "We will remind you again 30 minutes before it starts." in mail.outbox[0].body


def test_no_questions_open_email_when_questions_were_open_already(session, anna, sweep):
    opens = START - timedelta(hours=5)
    session.questions_open_at = opens
    session.save()
    remind(session, anna, now=opens + timedelta(minutes=1))

    assert sweep(opens + timedelta(hours=1)) == {}
    assert sweep(DUE) == {"reminder": 1}


def test_the_email_goes_once_when_the_task_and_the_sweep_both_run(
    session, anna, django_capture_on_commit_callbacks, sweep
):
    reminder = remind(session, anna)

    with time_machine.travel(DUE, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert reminders.deliver_reminder.call(reminder.pk) == ["reminder"]
        assert reminders.deliver_reminder.call(reminder.pk) == []
    assert sweep(DUE) == {}
    # Taken back and asked again: the same start is not reminded twice.
    services.forget_reminder(session=session, user=anna)
    again = remind(session, anna, now=DUE + timedelta(minutes=1))
    assert reminders.send_reminder(reminder_id=again.pk, now=DUE + timedelta(minutes=2)) == []
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_workers_send_the_reminder_once(mayor):
    session = SessionFactory(starts_at=START, ends_at=END, politicians=[mayor])
    people = [UserFactory(username=f"reader{n}", email=f"reader{n}@example.dk") for n in range(5)]
    for person in people:
        remind(session, person)
    counts: list[dict[str, int]] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        try:
            counts.append(reminders.send_due_reminders())
        finally:
            connection.close()

    with time_machine.travel(DUE, tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sum(count.get("reminder", 0) for count in counts) == 5
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"reader{n}@example.dk" for n in range(5)
    ]


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_worker_sends_it_at_its_time_once(settings, mayor, staff):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    session = SessionFactory(starts_at=START, ends_at=END, politicians=[mayor])
    anna = UserFactory(username="anna", email="anna@example.dk")
    run_worker = ["db_worker", "--batch", "--no-startup-delay", "--interval", "0"]

    def work() -> None:
        call_command(*run_worker, stdout=StringIO(), stderr=StringIO())

    with time_machine.travel(DAY_BEFORE, tick=False) as clock:
        remind(session, anna, now=None)
        assert list(DBTaskResult.objects.values_list("run_after", flat=True)) == [DUE]
        # Staff move it an hour later: a task for the new time, the old one does nothing.
        later = START + timedelta(hours=1)
        services.update_session(
            session=session, user=staff, starts_at=later, ends_at=later + timedelta(hours=1)
        )
        work()
        assert mail.outbox == []
        clock.move_to(DUE)
        work()
        assert mail.outbox == []
        clock.move_to(later - timedelta(minutes=30))
        work()
        work()

    assert sent_to() == [(["anna@example.dk"], 'Reminder: "Digital spørgetime" starts at 19:00')]
    assert Notification.objects.get(user=anna).email_state == "sent"


# Unsubscribing ----------------------------------------------------------------------------


def test_the_unsubscribe_link_takes_the_reminders_back(session, anna, client, sweep):
    remind(session, anna)
    other = SessionFactory(
        title="Skolereform", starts_at=START + timedelta(days=2), ends_at=END + timedelta(days=2)
    )
    remind(other, anna)
    path = notifications.unsubscribe_url(anna).removeprefix(SITE)

    done = client.post(path)

    assert done.status_code == 200
    assert "Reminders you asked for are taken back too." in done.content.decode()
    assert Reminder.objects.filter(user=anna).count() == 0
    assert sweep(DUE) == {}
    assert mail.outbox == []


def test_an_inactive_account_gets_no_reminder(session, anna, sweep):
    remind(session, anna)
    anna.is_active = False
    anna.save()

    assert sweep(DUE) == {}
    assert mail.outbox == []


def test_the_reminder_is_in_the_notification_list(session, anna, client, sweep):
    remind(session, anna)
    sweep(DUE)
    client.force_login(anna)

    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Reminder: “Trafik i midtbyen” starts" in page.content.decode()


def test_send_reminders_command_sends_what_is_due_once(
    session, anna, django_capture_on_commit_callbacks
):
    remind(session, anna)
    out = StringIO()

    with time_machine.travel(DUE, tick=False), django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=out)
        call_command("send_reminders", stdout=out)

    assert out.getvalue().splitlines() == ["reminder: 1", "Nothing due."]
    assert len(mail.outbox) == 1


# The citizen's own data ---------------------------------------------------------------------


def test_the_account_export_lists_the_reminders(session, anna):
    remind(session, anna)

    data = services.accounts.export_account_data(user=anna)

    assert data["reminders"] == [
        {"session": session.pk, "title": "Trafik i midtbyen", "created_at": "2025-03-03T17:00:00Z"}
    ]


def test_deleting_the_account_takes_its_reminders_back(session, anna, sweep):
    anna.set_password("demo-password-123")
    anna.save()
    remind(session, anna)

    services.accounts.delete_account(user=anna, password="demo-password-123")

    assert Reminder.objects.count() == 0
    assert sweep(DUE) == {}
    assert mail.outbox == []


def test_staff_see_who_asked_for_reminders_in_the_admin(client, staff, session, anna):
    remind(session, anna)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)

    response = client.get(f"/admin/townhall_sessions/reminder/?session__id__exact={session.pk}")

    assert response.status_code == 200
    row = re.search(r"<tr>.*?</tr>", response.content.decode().split("<tbody>")[1], re.S)[0]
    assert '<td class="field-user nowrap">anna</td>' in row
    assert "Trafik i midtbyen" in row
