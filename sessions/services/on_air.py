"""On air: the one question of a session that the presenter view shows now."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events
from ..models import Post, Session
from ..payloads import OnAirPayload
from ..selectors import may_put_on_air
from .common import User, locked, published, require_signed_in, resolve_now


def _on_air_question(session: Session, question: Post, user: User) -> Post:
    """The question re-read under lock, after the checks every on-air change makes."""
    question = Post.objects.select_for_update().get(pk=question.pk)
    if question.parent_id is not None:
        raise ValidationError(_("Only a question can be put on air."), code="not_question")
    published(question)
    if not may_put_on_air(user, session):
        raise PermissionDenied(
            _(
                "Only a politician on this session's panel, a moderator or staff can put "
                "questions on air."
            )
        )
    return question


def _announce(session: Session, question_id: int | None, now: datetime) -> None:
    payload: OnAirPayload = {"id": question_id}
    events.record(session, events.QUESTION_ON_AIR, payload, now)


def put_on_air(*, question: Post, user: User, now: datetime | None = None) -> Post:
    """Put a published question on air, taking the session's current one (if any) off.
    Panel politicians, the municipality's moderators and staff; not once the session has closed.

    Locks the session row; broadcasts question.on_air {"id": question id}.
    """
    require_signed_in(user, _("Sign in to put a question on air."))
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(question.session)
        question = _on_air_question(session, question, user)
        if question.on_air:
            raise ValidationError(_("That question is on air already."), code="already_on_air")
        if session.status_at(now) == Session.Status.CLOSED:
            raise ValidationError(
                _("This session has closed: nothing can go on air any more."),
                code="session_closed",
            )
        # Off first: the constraint allows one question on air per session at any moment.
        Post.objects.filter(session=session, on_air=True).update(on_air=False)
        question.on_air = True
        question.first_on_air_at = question.first_on_air_at or now
        question.save(update_fields=["on_air", "first_on_air_at"])
        _announce(session, question.pk, now)
    return question


def take_off_air(*, question: Post, user: User, now: datetime | None = None) -> Post:
    """Take the question on air off it, leaving nothing on air. Same people as put_on_air.

    Locks the session row; broadcasts question.on_air {"id": null}.
    """
    require_signed_in(user, _("Sign in to put a question on air."))
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(question.session)
        question = _on_air_question(session, question, user)
        if not question.on_air:
            raise ValidationError(_("That question is not on air."), code="not_on_air")
        question.on_air = False
        question.save(update_fields=["on_air"])
        _announce(session, None, now)
    return question


def leave_air(session: Session, post: Post, now: datetime) -> None:
    """A post on air that leaves the public view (hidden, held) goes off air with it. Call inside
    the moderating service's transaction, with the session locked."""
    if not post.on_air:
        return
    post.on_air = False
    post.save(update_fields=["on_air"])
    _announce(session, None, now)
