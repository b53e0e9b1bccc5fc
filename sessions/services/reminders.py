"""Reminders (issue 15): "Remind me" on an upcoming session, and the e-mails it brings.

A signed-in citizen with an e-mail address asks (`remind_me`) or takes it back
(`forget_reminder`). The e-mails go through notifications.notify, so they are in the site's
list too, sent by the same task, once, with the same unsubscribe link:

- "starts soon", TOWNHALL_REMINDER_MINUTES before the start, once per start time: if staff move
  the session before it goes, it goes at the new time (and never at the old one); if they move it
  after it went, one more goes with the new time;
- "questions are open", when a session opens for questions early (questions_open_at) after the
  reminder was made and before the "starts soon" e-mail is due; once.

A cancelled session sends nothing (its page, calendar files and the home page say it is
cancelled). Nothing is sent for a session that has started (opened early, say).

How they are found without a clock in the request: `send_reminder` does what is due for one
reminder now, under the reminder's row lock, and records what it sent on the row. The task
`deliver_reminder` runs it at the due times, queued with `run_after` where the task backend can
defer (the database backend: manage.py db_worker), when the reminder is made and again when staff
move the session; a task that comes at a time that is no longer due does nothing.
`send_due_reminders` (manage.py send_reminders, from cron) does it for every reminder that is
due: the net under the queue, and the only way with the immediate backend (embedded mode).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import default_task_backend, task

from ..models import Notification, NotificationSettings, Reminder, Session
from .common import User, require_signed_in, resolve_now
from .notifications import notify


def reminder_minutes() -> timedelta:
    return timedelta(minutes=settings.TOWNHALL_REMINDER_MINUTES)


def remind_at(session: Session) -> datetime:
    """When the "starts soon" e-mail of `session` is due."""
    return session.starts_at - reminder_minutes()


def starts_soon_key(session: Session) -> str:
    """The notification key of the "starts soon" e-mail: one per session and start time."""
    return f"{Notification.Kind.REMINDER}:s{session.pk}:{int(session.starts_at.timestamp())}"


def questions_open_key(session: Session) -> str:
    return f"{Notification.Kind.QUESTIONS_OPEN}:s{session.pk}"


# Asking and taking back --------------------------------------------------------------------


def check_remindable(session: Session, now: datetime) -> None:
    """Refuse a reminder for a cancelled session, or one that has started or ended."""
    status = session.status_at(now)
    if status == Session.Status.CANCELLED:
        raise ValidationError(
            _("This session was cancelled. There is nothing to remind you of."),
            code="session_cancelled",
        )
    if status == Session.Status.CLOSED:
        raise ValidationError(
            _("This session has ended. There is nothing to remind you of."),
            code="session_closed",
        )
    if status == Session.Status.LIVE:
        raise ValidationError(
            _("This session has already started. Join it now instead."),
            code="session_started",
        )


def remind_me(
    *, session: Session, user: User, language: str | None = None, now: datetime | None = None
) -> Reminder:
    """Ask for the reminder e-mails of an upcoming (scheduled or collecting) session. Signed-in
    users with an e-mail address only. Asking again keeps the one reminder (and returns it).
    `language` (the page's) becomes the language of the user's e-mails, as opting in does.

    Takes no lock: a session cancelled or moved meanwhile is checked again when sending. Sends
    nothing now unless the "starts soon" e-mail is already due (asked less than
    TOWNHALL_REMINDER_MINUTES before the start); broadcasts nothing (the reminder is private).
    """
    require_signed_in(user, _("Sign in to get a reminder by e-mail."))
    now = resolve_now(now)
    check_remindable(session, now)
    if not user.email:
        raise ValidationError(
            _(
                "The reminder comes by e-mail: add your e-mail address on your notifications "
                "page first."
            ),
            code="email_required",
        )
    try:
        with transaction.atomic():
            reminder, created = Reminder.objects.get_or_create(
                user=user, session=session, defaults={"created_at": now}
            )
            if created and language in dict(settings.LANGUAGES):
                NotificationSettings.objects.update_or_create(
                    user=user, defaults={"language": language}
                )
    except IntegrityError:
        # Asked twice at once: the constraint kept the other one.
        return Reminder.objects.get(user=user, session=session)
    if created:
        reminder_id = reminder.pk
        times = _times_to_check(reminder, session)
        transaction.on_commit(lambda: _schedule(reminder_id, times, now))
    return reminder


def forget_reminder(*, session: Session, user: User) -> bool:
    """Take back the user's reminder for `session`: no reminder e-mail goes out after this.
    True when there was one. Broadcasts nothing."""
    require_signed_in(user, _("Sign in to change your reminders."))
    with transaction.atomic():
        deleted, _counts = Reminder.objects.filter(user=user, session=session).delete()
    return bool(deleted)


def describe(session: Session) -> str:
    """When the reminder e-mail of `session` goes, for messages: "30 minutes before ..."."""
    start = formats.date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")
    minutes = settings.TOWNHALL_REMINDER_MINUTES
    return ngettext(
        "We will e-mail you %(minutes)d minute before it starts at %(start)s.",
        "We will e-mail you %(minutes)d minutes before it starts at %(start)s.",
        minutes,
    ) % {"minutes": minutes, "start": start}


# Sending -----------------------------------------------------------------------------------


def _times_to_check(reminder: Reminder, session: Session) -> list[datetime]:
    times = [remind_at(session)]
    opens = session.questions_open_at
    if opens is not None and reminder.created_at < opens < remind_at(session):
        times.insert(0, opens)
    return times


def _schedule(reminder_id: int, times: list[datetime], now: datetime) -> None:
    """Queue deliver_reminder for each time: at once when it has come, with run_after where the
    backend can defer; the immediate backend leaves later times to send_due_reminders."""
    for when in times:
        if when <= now:
            deliver_reminder.enqueue(reminder_id)
        elif default_task_backend.supports_defer:
            deliver_reminder.using(run_after=when).enqueue(reminder_id)


def reschedule(*, session: Session, now: datetime | None = None) -> None:
    """Queue the reminders of `session` again after staff moved its start or its questions'
    opening (update_session calls it after its commit): the tasks queued for the old times find
    nothing due and do nothing."""
    now = resolve_now(now)
    if session.cancelled_at is not None or session.starts_at <= now:
        return
    for reminder in Reminder.objects.filter(session=session).order_by("pk"):
        _schedule(reminder.pk, _times_to_check(reminder, session), now)


def _due(reminder: Reminder, session: Session, now: datetime) -> list[str]:
    """The kinds of e-mail due for `reminder` at `now` and not yet sent."""
    if session.cancelled_at is not None or now >= session.starts_at:
        return []
    if remind_at(session) <= now:
        # The "starts soon" e-mail says when questions open too: never both at once.
        return (
            [] if reminder.reminded_for_start == session.starts_at else [Notification.Kind.REMINDER]
        )
    opens = session.questions_open_at
    if (
        opens is not None
        and reminder.created_at < opens <= now
        and reminder.told_questions_open_at is None
    ):
        return [Notification.Kind.QUESTIONS_OPEN]
    return []


def send_reminder(*, reminder_id: int, now: datetime | None = None) -> list[str]:
    """Send what is due for one reminder at `now`, once: the reminder's row is locked and what
    was sent is recorded on it in the same transaction (and notify tells each key once). A
    reminder taken back, a cancelled session, or one that started, sends nothing. Returns the
    kinds sent."""
    now = resolve_now(now)
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("session", "user")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or not reminder.user.is_active:
            return []
        session = reminder.session
        sent = []
        due = _due(reminder, session, now)
        for kind in due:
            if kind == Notification.Kind.REMINDER:
                key = starts_soon_key(session)
                reminder.reminded_for_start = session.starts_at
            else:
                key = questions_open_key(session)
                reminder.told_questions_open_at = now
            if notify(user=reminder.user, kind=kind, session=session, key=key, now=now):
                sent.append(kind)
        if due:
            reminder.save(update_fields=["reminded_for_start", "told_questions_open_at"])
    return sent


@task()
def deliver_reminder(reminder_id: int) -> list[str]:
    """The task queued for a reminder's due times (send_reminder at the time it runs)."""
    return send_reminder(reminder_id=reminder_id)


def due_reminders(now: datetime) -> list[int]:
    """The ids of the reminders with an e-mail due at `now` and not yet sent (one query)."""
    soon = Q(session__starts_at__lte=now + reminder_minutes()) & ~Q(
        reminded_for_start=F("session__starts_at")
    )
    questions_open = Q(
        session__starts_at__gt=now + reminder_minutes(),
        session__questions_open_at__lte=now,
        session__questions_open_at__gt=F("created_at"),
        told_questions_open_at=None,
    )
    return list(
        Reminder.objects.filter(
            soon | questions_open,
            session__cancelled_at=None,
            session__starts_at__gt=now,
            user__is_active=True,
        )
        .order_by("session__starts_at", "pk")
        .values_list("pk", flat=True)
    )


def send_due_reminders(*, now: datetime | None = None) -> dict[str, int]:
    """send_reminder for every reminder with an e-mail due (manage.py send_reminders, from cron
    every minute). Two of these at once send each e-mail once. Returns the count per kind."""
    now = resolve_now(now)
    counts: dict[str, int] = {}
    for reminder_id in due_reminders(now):
        for kind in send_reminder(reminder_id=reminder_id, now=now):
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def still_wanted(notification: Notification, now: datetime) -> bool:
    """Whether a reminder's e-mail should still go when its task sends it (perhaps after a
    retry): the reminder stands, the session is neither cancelled nor started, and for "starts
    soon", the session still starts at the time it was made for."""
    session = notification.session
    if session.cancelled_at is not None or now >= session.starts_at:
        return False
    if not Reminder.objects.filter(user_id=notification.user_id, session=session).exists():
        return False
    if notification.kind == Notification.Kind.REMINDER:
        return notification.key == starts_soon_key(session)
    return True
