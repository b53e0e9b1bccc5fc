"""What every service shares: who is acting, the clock, the session's lock, and clean text."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..models import Post, Session

User = AbstractBaseUser | AnonymousUser


def resolve_now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def require_signed_in(user: User, message: str) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(message)


def require_staff(user: User) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied(_("Only staff can do that."))


def clean_body(body: object) -> str:
    """The text of a post, trimmed; refuses empty, over-long and non-text input."""
    if not isinstance(body, str):
        raise ValidationError({"body": _("Write your text as a string.")}, code="invalid")
    text = body.strip()
    if not text:
        raise ValidationError({"body": _("Write something before you send it.")}, code="blank")
    if "\x00" in text:
        raise ValidationError({"body": _("The text contains a NUL character.")}, code="invalid")
    limit = settings.TOWNHALL_MAX_POST_LENGTH
    if len(text) > limit:
        raise ValidationError(
            {
                "body": _("Keep it to %(limit)d characters; this text has %(length)d.")
                % {"limit": limit, "length": len(text)}
            },
            code="max_length",
        )
    return text


def locked(session: Session) -> Session:
    """The session re-read under its row lock, so its times cannot change under us."""
    return Session.objects.select_for_update().select_related("municipality").get(pk=session.pk)


def require_not_cancelled(session: Session) -> None:
    if session.cancelled_at is not None:
        raise ValidationError(
            _("This session was cancelled. Nothing can be changed in it."), code="session_cancelled"
        )


def require_open_for_posts(session: Session, now: datetime) -> None:
    if session.accepts_posts_at(now):
        return
    if session.cancelled_at is not None:
        raise ValidationError(
            _("This session was cancelled. New posts are not accepted."), code="session_cancelled"
        )
    if session.status_at(now) == Session.Status.SCHEDULED:
        # Questions open at the collecting phase when there is one, else at the start.
        opens = session.questions_open_at or session.starts_at
        starts = formats.date_format(timezone.localtime(opens), "DATETIME_FORMAT")
        raise ValidationError(
            _("This session has not started yet. It opens for questions at %(start)s.")
            % {"start": starts},
            code="session_not_started",
        )
    raise ValidationError(
        _("This session has closed and is now a read-only archive. New posts are not accepted."),
        code="session_closed",
    )


def require_follow_up_open(session: Session, now: datetime) -> None:
    """The panel answers until the follow-up period is over (Session.follow_up_ends_at)."""
    if session.follow_up_over_at(now):
        until = formats.date_format(timezone.localtime(session.follow_up_ends_at), "DATE_FORMAT")
        raise ValidationError(
            _(
                "The panel's written answers for this session ended on %(date)s. "
                "The record is closed."
            )
            % {"date": until},
            code="follow_up_over",
        )


def published(post: Post) -> Post:
    if post.status != Post.Status.PUBLISHED:
        raise ValidationError(_("That post is no longer available."), code="post_unavailable")
    return post
