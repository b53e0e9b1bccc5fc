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
from .common import User, locked, require_staff, resolve_now

MAX_EXTENSION_MINUTES = 12 * 60


def _session_changed(session: Session, now: datetime) -> None:
    session.full_clean(exclude=["politicians"])
    session.save()
    events.record(session, events.SESSION_UPDATED, session_payload(session, now), now)


def open_session(*, session: Session, user: User, now: datetime | None = None) -> Session:
    """Open a scheduled session now, before its planned start. Broadcasts session.updated."""
    require_staff(user)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        status = session.status_at(now)
        if status == Session.Status.LIVE:
            raise ValidationError(_("This session is already live."), code="already_live")
        if status == Session.Status.CLOSED:
            raise ValidationError(
                _("This session has closed. Extend it to open it again."), code="session_closed"
            )
        session.starts_at = now
        _session_changed(session, now)
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

    Extending a closed session opens it again. Broadcasts session.updated.
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
        if until is None:
            until = max(session.ends_at, now) + timedelta(minutes=minutes)
        if until <= now:
            raise ValidationError({"until": _("The new end must be in the future.")}, code="past")
        if until <= session.starts_at:
            raise ValidationError(
                {"until": _("The new end must be after the session starts.")}, code="before_start"
            )
        session.ends_at = until
        _session_changed(session, now)
    return session


def close_session(*, session: Session, user: User, now: datetime | None = None) -> Session:
    """Close the session now, before its planned end. Broadcasts session.updated."""
    require_staff(user)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        if session.status_at(now) == Session.Status.CLOSED:
            raise ValidationError(_("This session is already closed."), code="already_closed")
        session.ends_at = now
        session.starts_at = min(session.starts_at, now)
        _session_changed(session, now)
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
) -> Session:
    """Create a session with its panel. Staff only."""
    require_staff(user)
    panel = list(politicians)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")}, code="invalid")
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
    session = Session(
        municipality=municipality,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        moderation_mode=moderation_mode,
        accepts_questions_early=accepts_questions_early,
    )
    session.full_clean(exclude=["politicians"])
    with transaction.atomic():
        session.save()
        session.politicians.set(panel)
    return session


def announce_session_edit(*, session: Session, now: datetime | None = None) -> None:
    """Tell live viewers that staff edited the session elsewhere (the admin).

    Broadcasts session.updated.
    """
    with transaction.atomic():
        session = locked(session)
        now = resolve_now(now)
        events.record(session, events.SESSION_UPDATED, session_payload(session, now), now)
