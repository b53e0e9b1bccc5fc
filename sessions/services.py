"""The write path: one verb per function.

Each service checks permission and the session's state, writes in one transaction together with
its event-log entry, and broadcasts after commit (events.record). Pages, the API, the admin and
management commands all call these; none repeats their rules.

Errors: django.core.exceptions.ValidationError for bad input or a refused state (400),
PermissionDenied for who-may-not (403). Messages are written for the person who sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from . import events
from .models import Municipality, Politician, Post, Session, Vote
from .payloads import VotePayload, post_payload, question_payload, session_payload
from .selectors import politician_for

User = AbstractBaseUser | AnonymousUser

MAX_EXTENSION_MINUTES = 12 * 60


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _require_signed_in(user: User, message: str) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(message)


def _require_staff(user: User) -> None:
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


def _locked(session: Session) -> Session:
    """The session re-read under its row lock, so its times cannot change under us."""
    return Session.objects.select_for_update().select_related("municipality").get(pk=session.pk)


def _require_open_for_posts(session: Session, now: datetime) -> None:
    if session.accepts_posts_at(now):
        return
    if session.status_at(now) == Session.Status.SCHEDULED:
        starts = formats.date_format(timezone.localtime(session.starts_at), "DATETIME_FORMAT")
        raise ValidationError(
            _("This session has not started yet. It opens for questions at %(start)s.")
            % {"start": starts},
            code="session_not_started",
        )
    raise ValidationError(
        _("This session has closed and is now a read-only archive. New posts are not accepted."),
        code="session_closed",
    )


def _published(post: Post) -> Post:
    if post.status != Post.Status.PUBLISHED:
        raise ValidationError(_("That post is no longer available."), code="post_unavailable")
    return post


def post_question(
    *, session: Session, author: User, body: object, now: datetime | None = None
) -> Post:
    """Ask a question in a session that accepts posts.

    Locks the session row; broadcasts question.created.
    """
    _require_signed_in(author, _("Sign in to ask a question."))
    text = clean_body(body)
    now = _now(now)
    with transaction.atomic():
        session = _locked(session)
        _require_open_for_posts(session, now)
        question = Post.objects.create(
            session=session,
            author=author,
            politician=politician_for(author, session),
            body=text,
            created_at=now,
        )
        events.record(session, events.QUESTION_CREATED, question_payload(question, []), now)
    return question


def _create_reply(session: Session, question: Post, author: User, text: str, now: datetime) -> Post:
    politician = politician_for(author, session)
    # Politicians on the panel may answer after the session closes ("answered afterwards");
    # everyone else posts only while the session accepts posts.
    if politician is None:
        _require_open_for_posts(session, now)
    reply = Post.objects.create(
        session=session,
        parent=question,
        author=author,
        politician=politician,
        body=text,
        created_at=now,
    )
    events.record(session, events.REPLY_CREATED, post_payload(reply), now)
    return reply


def _root_question(post: Post) -> Post:
    """Threads are one level deep: a reply to a reply joins its question's thread."""
    _published(post)
    return _published(post.parent) if post.parent_id else post


def post_reply(*, post: Post, author: User, body: object, now: datetime | None = None) -> Post:
    """Reply in a question's thread. A panel politician's reply carries their badge.

    Locks the session row; broadcasts reply.created.
    """
    _require_signed_in(author, _("Sign in to reply."))
    text = clean_body(body)
    now = _now(now)
    with transaction.atomic():
        session = _locked(post.session)
        question = _root_question(Post.objects.select_for_update().get(pk=post.pk))
        return _create_reply(session, question, author, text, now)


def answer_question(
    *, question: Post, author: User, body: object, now: datetime | None = None
) -> Post:
    """A panel politician answers in the thread and marks the question answered, in one step.

    Locks the session row; broadcasts reply.created and, if it changed, post.updated.
    """
    _require_signed_in(author, _("Sign in to answer."))
    text = clean_body(body)
    now = _now(now)
    with transaction.atomic():
        session = _locked(question.session)
        question = _root_question(Post.objects.select_for_update().get(pk=question.pk))
        if politician_for(author, session) is None:
            raise PermissionDenied(_("Only a politician on this session's panel can answer."))
        reply = _create_reply(session, question, author, text, now)
        _set_answered(session, question, True, now)
    return reply


def _set_answered(session: Session, question: Post, answered: bool, now: datetime) -> None:
    if question.is_answered == answered:
        return
    question.is_answered = answered
    question.answered_at = now if answered else None
    question.save(update_fields=["is_answered", "answered_at"])
    events.record(session, events.POST_UPDATED, post_payload(question), now)


def mark_answered(
    *, question: Post, user: User, answered: bool = True, now: datetime | None = None
) -> Post:
    """Mark a question answered (or not). Panel politicians and staff only.

    Locks the session row; broadcasts post.updated when the flag changes.
    """
    _require_signed_in(user, _("Sign in to mark questions answered."))
    now = _now(now)
    with transaction.atomic():
        session = _locked(question.session)
        question = Post.objects.select_for_update().get(pk=question.pk)
        if question.parent_id is not None:
            raise ValidationError(_("Only a question can be marked answered."), code="not_question")
        _published(question)
        if not (user.is_staff or politician_for(user, session)):
            raise PermissionDenied(
                _("Only a politician on this session's panel or staff can mark questions answered.")
            )
        _set_answered(session, question, answered, now)
    return question


def _votable(question: Post, session: Session, now: datetime) -> None:
    if question.parent_id is not None:
        raise ValidationError(_("Only questions can be upvoted."), code="not_question")
    _published(question)
    _require_open_for_posts(session, now)


def _broadcast_vote_count(session: Session, question: Post, now: datetime) -> None:
    question.refresh_from_db(fields=["vote_count"])
    payload: VotePayload = {"post": question.pk, "vote_count": question.vote_count}
    events.record(session, events.VOTE_CHANGED, payload, now)


def vote(*, question: Post, user: User, now: datetime | None = None) -> Post:
    """Upvote a question, once per user, while the session is live.

    Locks the session row; broadcasts vote.changed.
    """
    _require_signed_in(user, _("Sign in to vote."))
    now = _now(now)
    try:
        with transaction.atomic():
            session = _locked(question.session)
            question = Post.objects.get(pk=question.pk)
            _votable(question, session, now)
            if Vote.objects.filter(post=question, user=user).exists():
                raise ValidationError(
                    _("You have already voted for this question."), code="already_voted"
                )
            Vote.objects.create(post=question, user=user, created_at=now)
            Post.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + 1)
            _broadcast_vote_count(session, question, now)
    except IntegrityError as exc:
        # Two requests from the same user raced past the check; the constraint kept one.
        raise ValidationError(
            _("You have already voted for this question."), code="already_voted"
        ) from exc
    return question


def unvote(*, question: Post, user: User, now: datetime | None = None) -> Post:
    """Take an upvote back while the session is live. Broadcasts vote.changed."""
    _require_signed_in(user, _("Sign in to vote."))
    now = _now(now)
    with transaction.atomic():
        session = _locked(question.session)
        question = Post.objects.get(pk=question.pk)
        _votable(question, session, now)
        deleted, _ignored = Vote.objects.filter(post=question, user=user).delete()
        if not deleted:
            raise ValidationError(_("You have not voted for this question."), code="not_voted")
        Post.objects.filter(pk=question.pk).update(vote_count=F("vote_count") - 1)
        _broadcast_vote_count(session, question, now)
    return question


# Session life cycle (staff) ------------------------------------------------------------------


def _session_changed(session: Session, now: datetime) -> None:
    session.full_clean(exclude=["politicians"])
    session.save()
    events.record(session, events.SESSION_UPDATED, session_payload(session, now), now)


def open_session(*, session: Session, user: User, now: datetime | None = None) -> Session:
    """Open a scheduled session now, before its planned start. Broadcasts session.updated."""
    _require_staff(user)
    now = _now(now)
    with transaction.atomic():
        session = _locked(session)
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
    _require_staff(user)
    now = _now(now)
    if (minutes is None) == (until is None):
        raise ValidationError(_("Give either minutes or an end time."), code="invalid")
    if minutes is not None and not (1 <= minutes <= MAX_EXTENSION_MINUTES):
        raise ValidationError(
            {"minutes": _("Extend by 1 to %(max)d minutes.") % {"max": MAX_EXTENSION_MINUTES}},
            code="invalid",
        )
    with transaction.atomic():
        session = _locked(session)
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
    _require_staff(user)
    now = _now(now)
    with transaction.atomic():
        session = _locked(session)
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
    _require_staff(user)
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
        session = _locked(session)
        now = _now(now)
        events.record(session, events.SESSION_UPDATED, session_payload(session, now), now)


def create_municipality(*, user: User, name: str, slug: str) -> Municipality:
    """Add a municipality. Staff only."""
    _require_staff(user)
    municipality = Municipality(name=name, slug=slug)
    municipality.full_clean()
    municipality.save()
    return municipality


def create_politician(
    *,
    user: User,
    municipality: Municipality,
    name: str,
    party: str = "",
    role: str = "",
    photo_url: str = "",
    account: AbstractBaseUser | None = None,
) -> Politician:
    """Add a politician to a municipality, optionally linked to the account they answer from."""
    _require_staff(user)
    politician = Politician(
        municipality=municipality,
        name=name,
        party=party,
        role=role,
        photo_url=photo_url,
        user=account,
    )
    politician.full_clean()
    politician.save()
    return politician
