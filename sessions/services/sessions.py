"""A session's life: created, edited, opened early, extended, closed early. Staff only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events
from ..models import Municipality, Politician, Session
from ..payloads import session_payload
from . import reminders
from .common import User, locked, require_not_cancelled, require_staff, resolve_now
from .polls import close_open_polls

MAX_EXTENSION_MINUTES = 12 * 60
# A Q&A lasts hours, a hearing perhaps weeks; beyond that a date is a typo (year 9999 would also
# overflow when shown in local time).
MAX_SESSION_LENGTH = timedelta(days=31)
FURTHEST_START = timedelta(days=5 * 365)
# What staff may set on a session; the seq and the creation time are the system's.
EDITABLE_FIELDS = (
    "municipality",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "moderation_mode",
    "accepts_questions_early",
    "questions_open_at",
    "follow_up_until",
)
# The panel answers in writing for weeks, perhaps months; a year is the most a record stays open.
MAX_FOLLOW_UP = timedelta(days=365)


def check_session_times(*, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """Refuse an end before the start, a session over 31 days, a start over five years away."""
    errors = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    elif ends_at - starts_at > MAX_SESSION_LENGTH:
        errors["ends_at"] = _("A session can last at most %(days)d days.") % {
            "days": MAX_SESSION_LENGTH.days
        }
    if abs(starts_at - now) > FURTHEST_START:
        errors["starts_at"] = _("Choose a start within five years from today.")
    if errors:
        raise ValidationError(errors, code="invalid")


def check_follow_up(*, ends_at: datetime, follow_up_until: datetime | None) -> None:
    """Refuse written answers ending before the session does, or over a year after it."""
    if follow_up_until is None:
        return
    if follow_up_until < ends_at:
        raise ValidationError(
            {"follow_up_until": _("Written answers must end after the session ends.")},
            code="follow_up_before_end",
        )
    if follow_up_until - ends_at > MAX_FOLLOW_UP:
        raise ValidationError(
            {
                "follow_up_until": _(
                    "Written answers can go on for at most %(days)d days after the end."
                )
                % {"days": MAX_FOLLOW_UP.days}
            },
            code="follow_up_too_long",
        )


def check_questions_open(*, questions_open_at: datetime | None, starts_at: datetime) -> None:
    """Refuse a collecting phase that would begin after the session starts."""
    if questions_open_at is not None and questions_open_at > starts_at:
        raise ValidationError(
            {"questions_open_at": _("Questions must open before the session starts.")},
            code="questions_open_after_start",
        )


def _keep_collecting_before_start(session: Session, changed: list[str]) -> None:
    """The start moved earlier (opened or closed now): questions open no later than it."""
    if session.questions_open_at is not None and session.questions_open_at > session.starts_at:
        session.questions_open_at = session.starts_at
        changed.append("questions_open_at")


def check_panel(municipality: Municipality, politicians: Iterable[Politician]) -> list[Politician]:
    """The panel as a list: each politician once, all of the session's municipality."""
    panel = list(politicians)
    if len({p.pk for p in panel}) != len(panel):
        raise ValidationError(
            {"politicians": _("A politician can be on the panel only once.")}, code="duplicate"
        )
    foreign = [p.name for p in panel if p.municipality_id != municipality.pk]
    if foreign:
        raise ValidationError(
            {
                "politicians": _("Not politicians of %(municipality)s: %(names)s.")
                % {"municipality": municipality.name, "names": ", ".join(foreign)}
            },
            code="foreign_politician",
        )
    return panel


def _session_changed(session: Session, now: datetime, fields: Iterable[str]) -> None:
    fields = list(fields)
    if {"starts_at", "ends_at", "cancelled_at"} & set(fields):
        # Calendars replace the entry they hold (same UID) only for a higher SEQUENCE.
        session.calendar_sequence += 1
        fields.append("calendar_sequence")
    session.full_clean(exclude=["politicians"])
    # Only what changed: last_seq moves under the lock, never from a stale copy.
    session.save(update_fields=list(fields))
    events.record(session, events.SESSION_UPDATED, session_payload(session, now), now)


def open_session(*, session: Session, user: User, now: datetime | None = None) -> Session:
    """Open a scheduled session now, before its planned start. Broadcasts session.updated."""
    require_staff(user)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        status = session.status_at(now)
        require_not_cancelled(session)
        if status == Session.Status.LIVE:
            raise ValidationError(_("This session is already live."), code="already_live")
        if status == Session.Status.CLOSED:
            raise ValidationError(
                _("This session has closed. Extend it to open it again."), code="session_closed"
            )
        session.starts_at = now
        check_session_times(starts_at=now, ends_at=session.ends_at, now=now)
        changed = ["starts_at"]
        _keep_collecting_before_start(session, changed)
        _session_changed(session, now, changed)
    return session


def extend_session(
    *,
    session: Session,
    user: User,
    minutes: int | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> Session:
    """Move the end: by `minutes` (from the later of the planned end and now) or to `until`.

    Extending a closed session opens it again. A follow-up end staff set that the new end
    passes is dropped: written answers then run the default 14 days after the new end.
    Broadcasts session.updated.
    """
    require_staff(user)
    now = resolve_now(now)
    if (minutes is None) == (until is None):
        raise ValidationError(_("Give either minutes or an end time."), code="invalid")
    if minutes is not None and not (1 <= minutes <= MAX_EXTENSION_MINUTES):
        raise ValidationError(
            {"minutes": _("Extend by 1 to %(max)d minutes.") % {"max": MAX_EXTENSION_MINUTES}},
            code="invalid",
        )
    with transaction.atomic():
        session = locked(session)
        require_not_cancelled(session)
        if until is None:
            until = max(session.ends_at, now) + timedelta(minutes=minutes)
        if until <= now:
            raise ValidationError({"until": _("The new end must be in the future.")}, code="past")
        if until <= session.starts_at:
            raise ValidationError(
                {"until": _("The new end must be after the session starts.")}, code="before_start"
            )
        if until - session.starts_at > MAX_SESSION_LENGTH:
            raise ValidationError(
                {
                    "until": _("A session can last at most %(days)d days.")
                    % {"days": MAX_SESSION_LENGTH.days}
                },
                code="too_long",
            )
        session.ends_at = until
        changed = ["ends_at"]
        if session.follow_up_until is not None and session.follow_up_until < until:
            session.follow_up_until = None
            changed.append("follow_up_until")
        _session_changed(session, now, changed)
    return session


def close_session(*, session: Session, user: User, now: datetime | None = None) -> Session:
    """Close the session now, before its planned end, and its open polls with it. Broadcasts
    session.updated (and poll.closed for each open poll)."""
    require_staff(user)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        require_not_cancelled(session)
        if session.status_at(now) == Session.Status.CLOSED:
            raise ValidationError(_("This session is already closed."), code="already_closed")
        session.ends_at = now
        session.starts_at = min(session.starts_at, now)
        changed = ["starts_at", "ends_at"]
        _keep_collecting_before_start(session, changed)
        _session_changed(session, now, changed)
        close_open_polls(session, now)
    return session


def create_session(
    *,
    user: User,
    municipality: Municipality,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    politicians: Iterable[Politician] = (),
    moderation_mode: str = Session.ModerationMode.POST,
    accepts_questions_early: bool = False,
    questions_open_at: datetime | None = None,
    follow_up_until: datetime | None = None,
    now: datetime | None = None,
) -> Session:
    """Create a session with its panel. Staff only. Broadcasts nothing: nobody watches it yet."""
    require_staff(user)
    check_session_times(starts_at=starts_at, ends_at=ends_at, now=resolve_now(now))
    check_follow_up(ends_at=ends_at, follow_up_until=follow_up_until)
    check_questions_open(questions_open_at=questions_open_at, starts_at=starts_at)
    panel = check_panel(municipality, politicians)
    session = Session(
        municipality=municipality,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        moderation_mode=moderation_mode,
        accepts_questions_early=accepts_questions_early,
        questions_open_at=questions_open_at,
        follow_up_until=follow_up_until,
    )
    session.full_clean(exclude=["politicians"])
    with transaction.atomic():
        session.save()
        session.politicians.set(panel)
    return session


def update_session(
    *,
    session: Session,
    user: User,
    politicians: Iterable[Politician] | None = None,
    now: datetime | None = None,
    **changes: object,
) -> Session:
    """Edit a session's fields (EDITABLE_FIELDS) and, if given, its panel. Staff only.
    The admin and PATCH /api/sessions/{id}/ both come here. `follow_up_until` None means the
    default (14 days after the end); it may not come before the end. A new start or end raises
    the session's calendar_sequence (the calendar files' SEQUENCE); a new start or opening of
    questions queues the reminders for their new times (services.reminders.reschedule).

    Locks the session row; broadcasts session.updated.
    """
    require_staff(user)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        times_before = (session.starts_at, session.ends_at)
        reminder_times_before = (session.starts_at, session.questions_open_at)
        for name, value in changes.items():
            setattr(session, name, value)
        changed = list(changes)
        if (session.starts_at, session.ends_at) != times_before:
            # Calendars replace the event they hold (same UID) only for a higher SEQUENCE.
            session.calendar_sequence += 1
            changed.append("calendar_sequence")
        check_session_times(starts_at=session.starts_at, ends_at=session.ends_at, now=now)
        check_follow_up(ends_at=session.ends_at, follow_up_until=session.follow_up_until)
        check_questions_open(
            questions_open_at=session.questions_open_at, starts_at=session.starts_at
        )
        panel = check_panel(
            session.municipality,
            session.politicians.all() if politicians is None else politicians,
        )
        session.full_clean(exclude=["politicians"])
        session.save(update_fields=changed)
        if politicians is not None:
            session.politicians.set(panel)
        events.record(session, events.SESSION_UPDATED, session_payload(session, now), now)
        if (session.starts_at, session.questions_open_at) != reminder_times_before:
            # Reminder e-mails are queued for their times: queue them for the new ones.
            moved = session
            transaction.on_commit(lambda: reminders.reschedule(session=moved, now=now))
    return session


def cancel_session(*, session: Session, user: User, now: datetime | None = None) -> Session:
    """Cancel a scheduled session (not yet collecting, live or closed). Staff only.

    The session stays, shown as cancelled; it takes no more posts, and its calendar files say
    STATUS:CANCELLED. Locks the session row; broadcasts session.updated.
    """
    require_staff(user)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        status = session.status_at(now)
        if status == Session.Status.CANCELLED:
            raise ValidationError(_("This session is already cancelled."), code="already_cancelled")
        if status != Session.Status.SCHEDULED:
            raise ValidationError(
                _(
                    "Only a scheduled session can be cancelled; this one has already opened "
                    "for questions. Close it instead."
                ),
                code="not_scheduled",
            )
        session.cancelled_at = now
        _session_changed(session, now, ["cancelled_at"])
    return session
