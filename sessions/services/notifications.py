"""Notifications: what a user is told about their questions, in the site and by e-mail.

`notify` is the one verb that tells someone something: it writes a Notification row (once per
user and key, so a retried service never tells twice) and, for those who opted in, queues its
e-mail. The e-mail is sent by a task (`deliver_email`, django-tasks) outside the request: it
claims the row with one conditional UPDATE before sending, so two workers never both send it;
a failed send is logged and retried with a growing delay, a worker that died mid-send leaves a
claim that `send_due_emails` (manage.py send_notification_emails, from cron) takes back later.
Other features (issue 15's reminders) call `notify` with their own kind and an e-mail template
`notifications/email_<kind>.txt`: subject on its first line, the body after it. A reminder's
e-mails (REQUESTED_KINDS) were asked for one by one: they need an address, not the opt-in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task

from .. import events
from ..models import (
    DEFAULT_FOLLOW_UP,
    Notification,
    NotificationSettings,
    Post,
    Reminder,
    Session,
    Vote,
)
from ..payloads import post_payload
from ..selectors import forget_unread_count
from .common import User, locked, require_signed_in, resolve_now

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "townhall.notifications.unsubscribe"
MAX_EMAIL_ATTEMPTS = 5
# A claim older than this is a worker that died mid-send: the e-mail is tried again.
CLAIM_TIMEOUT = timedelta(minutes=10)


# Telling -----------------------------------------------------------------------------------


def email_settings(user: User) -> NotificationSettings | None:
    return NotificationSettings.objects.filter(user=user).first()


def wants_email(user: User) -> bool:
    found = email_settings(user)
    return bool(found and found.email_opt_in and user.email and user.is_active)


# E-mails the user asked for one by one ("Remind me", services.reminders): sent to their address
# without the opt-in, while the reminder stands; the unsubscribe link takes reminders back too.
REQUESTED_KINDS = frozenset({Notification.Kind.REMINDER, Notification.Kind.QUESTIONS_OPEN})


def wants_email_about(user: User, kind: str) -> bool:
    if kind in REQUESTED_KINDS:
        return bool(user.email and user.is_active)
    return wants_email(user)


def still_wants_email(notification: Notification, now: datetime) -> bool:
    """Checked again when the e-mail is sent, which may be minutes later after a retry."""
    if not wants_email_about(notification.user, notification.kind):
        return False
    if notification.kind in REQUESTED_KINDS:
        # reminders imports notify from here: imported when first needed.
        from .reminders import still_wanted

        return still_wanted(notification, now)
    return True


def notify(
    *,
    user: User,
    kind: str,
    session: Session,
    post: Post | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> Notification | None:
    """Tell `user` something about `session` (or one of its questions): an unread row in their
    list, and an e-mail sent after commit by `deliver_email` if they opted in.

    Once per user and `key` (default "<kind>:<post or session id>"): None when already told.
    Runs in the caller's transaction (a savepoint), so a rolled-back service tells nobody.
    """
    now = resolve_now(now)
    key = key or f"{kind}:{post.pk if post is not None else f's{session.pk}'}"
    email = wants_email_about(user, kind)
    try:
        with transaction.atomic():
            if Notification.objects.filter(user=user, key=key).exists():
                return None
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                session=session,
                post=post,
                key=key,
                created_at=now,
                email_state=(
                    Notification.EmailState.PENDING if email else Notification.EmailState.NONE
                ),
                email_due_at=now if email else None,
            )
    except IntegrityError:
        # Told in a concurrent transaction: the constraint kept one.
        return None
    forget_unread_count(user.pk)
    if email:
        notification_id = notification.pk
        transaction.on_commit(lambda: deliver_email.enqueue(notification_id))
    return notification


def _citizen_authors(questions: Iterable[Post]) -> list[tuple[int, Post]]:
    """Who asked each question online (a room or phone question's author is the moderator)."""
    return [(q.author_id, q) for q in questions if q.channel == Post.Channel.ONLINE]


def _tell_askers_and_voters(
    question: Post, kind: str, now: datetime, *, exclude: Iterable[int] = ()
) -> int:
    """The authors of `question` and of the duplicates merged into it, about their own question,
    and its voters (their votes are united on it), about it. Active accounts only.

    In a fixed handful of queries however many voted: it runs while the answering service holds
    the session's lock, and a popular question has hundreds of voters."""
    duplicates = list(Post.objects.filter(merged_into=question))
    told: dict[int, Post] = {}
    for user_id, asked in _citizen_authors([question, *duplicates]):
        told.setdefault(user_id, asked)
    for user_id in Vote.objects.filter(post=question).values_list("user_id", flat=True):
        told.setdefault(user_id, question)
    skip = set(exclude)
    users = get_user_model().objects.filter(pk__in=set(told) - skip, is_active=True)
    return _notify_many(
        [(user, told[user.pk]) for user in users], kind=kind, session=question.session, now=now
    )


def _notify_many(
    pairs: list[tuple[User, Post]], *, kind: str, session: Session, now: datetime
) -> int:
    """notify() for many users at once, each about their question: the same rows, the same
    once-per-key rule (the unique constraint), the same e-mails after commit."""
    if not pairs:
        return 0
    keys = {user.pk: f"{kind}:{post.pk}" for user, post in pairs}
    already = set(
        Notification.objects.filter(user_id__in=keys, key__in=set(keys.values())).values_list(
            "user_id", "key"
        )
    )
    opted_in = set(
        NotificationSettings.objects.filter(user_id__in=keys, email_opt_in=True).values_list(
            "user_id", flat=True
        )
    )
    rows = []
    for user, post in pairs:
        if (user.pk, keys[user.pk]) in already:
            continue
        email = user.pk in opted_in and bool(user.email)
        rows.append(
            Notification(
                user=user,
                kind=kind,
                session=session,
                post=post,
                key=keys[user.pk],
                created_at=now,
                email_state=(
                    Notification.EmailState.PENDING if email else Notification.EmailState.NONE
                ),
                email_due_at=now if email else None,
            )
        )
    # A concurrent transaction may have told someone meanwhile: the constraint keeps one.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    for row in rows:
        forget_unread_count(row.user_id)
    emailed = [row for row in rows if row.email_state == Notification.EmailState.PENDING]
    if emailed:
        pending = list(
            Notification.objects.filter(
                user_id__in=[row.user_id for row in emailed],
                key__in={row.key for row in emailed},
                email_state=Notification.EmailState.PENDING,
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _enqueue_emails(pending))
    return len(rows)


def _enqueue_emails(notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        deliver_email.enqueue(notification_id)


def notify_answered(*, question: Post, answered_by: User | None = None, now: datetime) -> int:
    """Call from the service that marks `question` answered, in its transaction: its askers
    and voters hear of it (not the one who answered). Returns how many were told."""
    exclude = [answered_by.pk] if answered_by is not None and answered_by.is_authenticated else []
    return _tell_askers_and_voters(question, Notification.Kind.ANSWERED, now, exclude=exclude)


def notify_merged(*, question: Post, now: datetime) -> int:
    """Call from merge_question, in its transaction: the merged question's asker hears which
    question it joined."""
    if question.channel != Post.Channel.ONLINE or not question.author.is_active:
        return 0
    told = notify(
        user=question.author,
        kind=Notification.Kind.MERGED,
        session=question.session,
        post=question,
        now=now,
    )
    return 1 if told else 0


# The end of the follow-up period -------------------------------------------------------------


def close_follow_up(*, session: Session, now: datetime | None = None) -> int:
    """Once the follow-up period of `session` is over, announce it: every question still not
    answered goes out as `unanswered` (post.updated with its fate, so open pages change at
    once) and its askers and voters are told. Once per follow-up end (staff may move it);
    returns how many questions changed, 0 when there is nothing (yet) to do.

    Locks the session row; broadcasts post.updated per question.
    """
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        end = session.follow_up_ends_at
        if not session.follow_up_over_at(now) or session.unanswered_announced_for == end:
            return 0
        questions = list(
            session.posts.filter(
                parent=None, status=Post.Status.PUBLISHED, is_answered=False
            ).order_by("pk")
        )
        for question in questions:
            question.session = session
            events.record(session, events.POST_UPDATED, post_payload(question, now), now)
            if question.merged_into_id is None:
                _tell_askers_and_voters(question, Notification.Kind.UNANSWERED, now)
        session.unanswered_announced_for = end
        session.save(update_fields=["unanswered_announced_for"])
    return len(questions)


def close_follow_ups(*, now: datetime | None = None) -> int:
    """close_follow_up for every session whose follow-up period is over and not yet announced
    (manage.py close_follow_ups, from cron). Returns how many questions changed."""
    now = resolve_now(now)
    over = Session.objects.filter(
        Q(follow_up_until__lte=now) | Q(follow_up_until=None, ends_at__lte=now - DEFAULT_FOLLOW_UP)
    )
    changed = 0
    for session in over.order_by("pk"):
        if session.unanswered_announced_for != session.follow_up_ends_at:
            changed += close_follow_up(session=session, now=now)
    return changed


# Reading and settings ----------------------------------------------------------------------


def mark_read(*, user: User, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Mark the user's notifications read: those with `ids`, or all. Returns how many."""
    require_signed_in(user, _("Sign in to see your notifications."))
    now = resolve_now(now)
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    with transaction.atomic():
        marked = unread.update(read_at=now)
        forget_unread_count(user.pk)
    return marked


def set_email_notifications(*, user: User, opt_in: bool, email: str, language: str) -> None:
    """Turn e-mail notifications on (to `email`, in `language`) or off. On needs an address."""
    require_signed_in(user, _("Sign in to choose how you hear from us."))
    address = (email or "").strip()
    if address:
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError({"email": _("Enter a valid e-mail address.")}) from error
    if opt_in and not address:
        raise ValidationError(
            {"email": _("Enter your e-mail address to be told by e-mail.")}, code="required"
        )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with transaction.atomic():
        user.email = address
        user.save(update_fields=["email"])
        NotificationSettings.objects.update_or_create(
            user=user, defaults={"email_opt_in": opt_in, "language": language}
        )


def unsubscribe_token(user: User) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user: User) -> str:
    path = reverse("notifications-unsubscribe", args=[unsubscribe_token(user)])
    return f"{settings.TOWNHALL_SITE_URL}{path}"


def user_of_unsubscribe_token(token: str) -> User:
    """The user a link from one of our e-mails was made for; ValidationError when it was not
    made by us (signed with SECRET_KEY; it does not expire, as e-mails are kept)."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return get_user_model().objects.get(pk=user_id)
    except (signing.BadSignature, get_user_model().DoesNotExist) as error:
        raise ValidationError(
            _("This unsubscribe link is not valid. Sign in to change your e-mail settings."),
            code="bad_unsubscribe_link",
        ) from error


def unsubscribe(*, token: str) -> User:
    """Stop the e-mails of the user the signed `token` names, without a login: the opt-in and
    every reminder they asked for. E-mails not yet sent are not sent. Returns the user."""
    user = user_of_unsubscribe_token(token)
    with transaction.atomic():
        NotificationSettings.objects.filter(user=user).update(email_opt_in=False)
        Reminder.objects.filter(user=user).delete()
        Notification.objects.filter(user=user, email_state=Notification.EmailState.PENDING).update(
            email_state=Notification.EmailState.NONE, email_due_at=None
        )
    return user


# Sending -----------------------------------------------------------------------------------


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"  # another worker has it, it is sent, or the user no longer wants it
    RETRY = "retry"
    FAILED = "failed"


def _claim(notification_id: int, now: datetime) -> bool:
    """One conditional UPDATE: of two workers, exactly one gets the row (on SQLite and
    PostgreSQL alike). A due pending e-mail, or one whose claim went stale."""
    claimable = Q(email_state=Notification.EmailState.PENDING, email_due_at__lte=now) | Q(
        email_state=Notification.EmailState.SENDING, email_due_at__lte=now - CLAIM_TIMEOUT
    )
    return bool(
        Notification.objects.filter(claimable, pk=notification_id).update(
            email_state=Notification.EmailState.SENDING,
            email_due_at=now,
            email_attempts=F("email_attempts") + 1,
        )
    )


def email_message(notification: Notification) -> EmailMessage:
    """The e-mail of a notification, in the recipient's language, with a signed unsubscribe
    link in the text and in the List-Unsubscribe headers (RFC 8058 one-click)."""
    user = notification.user
    found = email_settings(user)
    language = found.language if found else settings.LANGUAGE_CODE
    unsubscribe_link = unsubscribe_url(user)
    session = notification.session
    site = settings.TOWNHALL_SITE_URL
    link = f"{site}{reverse('session', args=[session.pk])}"
    if notification.post_id:
        link += f"#post-{notification.post_id}"
    record_link = f"{site}{reverse('session-record', args=[session.pk])}"
    with translation.override(language):
        text = render_to_string(
            f"notifications/email_{notification.kind}.txt",
            {
                "notification": notification,
                "user": user,
                "session": session,
                "question": notification.post,
                "link": link,
                "record_link": record_link,
                "unsubscribe_url": unsubscribe_link,
                "requested": notification.kind in REQUESTED_KINDS,
                "reminder_minutes": settings.TOWNHALL_REMINDER_MINUTES,
            },
        )
    subject, _newline, body = text.strip().partition("\n")
    return EmailMessage(
        subject=subject.strip(),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def send_notification_email(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification's e-mail, at most once: claim it, send, mark it sent. A failure is
    logged and retried later (MAX_EMAIL_ATTEMPTS in all, then FAILED, logged as an error).
    Returns an Outcome."""
    now = resolve_now(now)
    if not _claim(notification_id, now):
        return Outcome.SKIPPED
    notification = Notification.objects.select_related("user", "session", "post").get(
        pk=notification_id
    )
    done = Notification.objects.filter(
        pk=notification_id, email_state=Notification.EmailState.SENDING
    )
    if not still_wants_email(notification, now):
        done.update(email_state=Notification.EmailState.NONE, email_due_at=None)
        return Outcome.SKIPPED
    try:
        email_message(notification).send()
    except Exception:
        attempts = notification.email_attempts
        if attempts >= MAX_EMAIL_ATTEMPTS:
            logger.error(
                "Notification e-mail %s failed %s times; giving up",
                notification_id,
                attempts,
                exc_info=True,
            )
            done.update(email_state=Notification.EmailState.FAILED)
            return Outcome.FAILED
        logger.warning(
            "Notification e-mail %s failed (attempt %s); retrying",
            notification_id,
            attempts,
            exc_info=True,
        )
        done.update(
            email_state=Notification.EmailState.PENDING,
            email_due_at=now + retry_delay(attempts),
        )
        return Outcome.RETRY
    done.update(email_state=Notification.EmailState.SENT, emailed_at=now)
    return Outcome.SENT


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the attempts so far."""
    return timedelta(minutes=2 ** max(0, attempts - 1))


@task()
def deliver_email(notification_id: int) -> str:
    """The task that sends a notification's e-mail (send_notification_email). A failed send is
    queued again for when it is due where the task backend can defer (the database backend);
    elsewhere send_due_emails picks it up."""
    outcome = send_notification_email(notification_id=notification_id)
    if outcome == Outcome.RETRY and default_task_backend.supports_defer:
        due = Notification.objects.values_list("email_due_at", flat=True).get(pk=notification_id)
        deliver_email.using(run_after=due).enqueue(notification_id)
    return outcome


def send_due_emails(*, now: datetime | None = None) -> dict[str, int]:
    """Send every e-mail that is due: pending ones whose time has come, and claims older than
    CLAIM_TIMEOUT (a worker died mid-send). For cron (manage.py send_notification_emails), as a
    net under the task queue. Returns the count per outcome."""
    now = resolve_now(now)
    due = Notification.objects.filter(
        Q(email_state=Notification.EmailState.PENDING, email_due_at__lte=now)
        | Q(email_state=Notification.EmailState.SENDING, email_due_at__lte=now - CLAIM_TIMEOUT)
    ).values_list("pk", flat=True)
    counts: dict[str, int] = {}
    for notification_id in list(due.order_by("pk")):
        outcome = send_notification_email(notification_id=notification_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
