"""Questions, replies, answers and votes."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .. import events
from ..models import Post, Session, Vote
from ..payloads import VotePayload, post_payload, question_payload
from ..selectors import is_moderator, may_mark_answered, politician_for
from .common import (
    User,
    clean_body,
    locked,
    published,
    require_follow_up_open,
    require_open_for_posts,
    require_signed_in,
    resolve_now,
)
from .identity import require_verified_to_take_part
from .moderation import record_new_post, require_not_banned, screen
from .notifications import notify_answered
from .ratelimits import check_rate_limit


def post_question(
    *,
    session: Session,
    author: User,
    body: object,
    now: datetime | None = None,
    client_ip: str | None = None,
) -> Post:
    """Ask a question in a session that accepts posts. Banned users are refused (Banned);
    rate-limited per user and per client_ip (RateLimited).

    Pre-moderation or a watched "hold" keyword makes it pending (broadcast to moderators only);
    a "flag" keyword publishes it flagged. Locks the session row; broadcasts question.created
    when it is published.
    """
    require_signed_in(author, _("Sign in to ask a question."))
    text = clean_body(body)
    check_rate_limit(action="question", user=author, ip=client_ip, session=session)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        require_open_for_posts(session, now)
        require_not_banned(author, session.municipality, now)
        require_verified_to_take_part(author, session)
        screening = screen(session, author, text)
        question = Post.objects.create(
            session=session,
            author=author,
            politician=politician_for(author, session),
            body=text,
            created_at=now,
            status=screening.status,
            flagged=screening.flagged,
        )
        # Published: question.created. Held (pre-moderation, a watched keyword): only the
        # moderators hear of it, and the author gets it back with status "pending".
        record_new_post(session, question, screening, now)
    return question


OFFLINE_CHANNELS = (Post.Channel.ROOM, Post.Channel.PHONE)
MAX_ASKED_BY_LENGTH = 200


def enter_question(
    *,
    session: Session,
    user: User,
    body: object,
    channel: str,
    asked_by: object = "",
    now: datetime | None = None,
) -> Post:
    """A moderator of the session's municipality, or staff, enters a question for someone who
    is not online: asked in the room or by phone, with the name they gave (optional).

    Published at once (the moderator has read it), marked with its channel everywhere; it is
    voted on and answered like any other, and counted under its channel, never as a citizen.
    Locks the session row; broadcasts question.created.
    """
    require_signed_in(user, _("Sign in to enter a question."))
    if not is_moderator(user, session):
        raise PermissionDenied(
            _("Only moderators and staff can enter questions from the room or by phone.")
        )
    if channel not in OFFLINE_CHANNELS:
        raise ValidationError({"channel": _("Choose room or phone.")}, code="invalid_channel")
    if not isinstance(asked_by, str) or "\x00" in asked_by:
        raise ValidationError({"asked_by": _("Write the name as text.")}, code="invalid")
    name = asked_by.strip()
    if len(name) > MAX_ASKED_BY_LENGTH:
        raise ValidationError(
            {
                "asked_by": _("Keep the name to %(limit)d characters.")
                % {"limit": MAX_ASKED_BY_LENGTH}
            },
            code="max_length",
        )
    text = clean_body(body)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        require_open_for_posts(session, now)
        question = Post.objects.create(
            session=session,
            author=user,
            body=text,
            created_at=now,
            channel=channel,
            asked_by=name,
        )
        events.record(session, events.QUESTION_CREATED, question_payload(question, [], now), now)
    return question


def _create_reply(session: Session, question: Post, author: User, text: str, now: datetime) -> Post:
    politician = politician_for(author, session)
    # Politicians on the panel may answer after the session closes ("answered afterwards"), until
    # the follow-up period is over; everyone else posts only while the session accepts posts.
    if politician is None:
        require_open_for_posts(session, now)
    else:
        require_follow_up_open(session, now)
    require_not_banned(author, session.municipality, now)
    require_verified_to_take_part(author, session)
    screening = screen(session, author, text)
    reply = Post.objects.create(
        session=session,
        parent=question,
        author=author,
        politician=politician,
        body=text,
        created_at=now,
        status=screening.status,
        flagged=screening.flagged,
    )
    record_new_post(session, reply, screening, now)
    return reply


def _root_question(post: Post) -> Post:
    """Threads are one level deep: a reply to a reply joins its question's thread, and a reply
    to a merged duplicate joins the question it was merged into."""
    published(post)
    question = published(post.parent) if post.parent_id else post
    if question.merged_into_id is not None:
        return published(Post.objects.select_for_update().get(pk=question.merged_into_id))
    return question


def post_reply(
    *,
    post: Post,
    author: User,
    body: object,
    now: datetime | None = None,
    client_ip: str | None = None,
) -> Post:
    """Reply in a question's thread. A panel politician's reply carries their badge.
    Rate-limited per user and per client_ip.

    Moderated like post_question. Locks the session row; broadcasts reply.created when published.
    """
    require_signed_in(author, _("Sign in to reply."))
    text = clean_body(body)
    check_rate_limit(action="reply", user=author, ip=client_ip, session=post.session)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(post.session)
        question = _root_question(Post.objects.select_for_update().get(pk=post.pk))
        return _create_reply(session, question, author, text, now)


def answer_question(
    *, question: Post, author: User, body: object, now: datetime | None = None
) -> Post:
    """A panel politician answers in the thread and marks the question answered, in one step.
    After the end this is a follow-up answer ("answered afterwards"), refused once the
    follow-up period is over.

    Locks the session row; broadcasts reply.created and, if it changed, post.updated.
    """
    require_signed_in(author, _("Sign in to answer."))
    text = clean_body(body)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(question.session)
        question = _root_question(Post.objects.select_for_update().get(pk=question.pk))
        if politician_for(author, session) is None:
            raise PermissionDenied(_("Only a politician on this session's panel can answer."))
        reply = _create_reply(session, question, author, text, now)
        _set_answered(session, question, True, now, by=author)
    return reply


def _set_answered(
    session: Session, question: Post, answered: bool, now: datetime, *, by: User
) -> None:
    """The flag, and with it the question's fate (Session.fate_of), in post.updated. Once
    answered, its askers and voters are told (notifications.notify_answered)."""
    if question.is_answered == answered:
        return
    question.is_answered = answered
    question.answered_at = now if answered else None
    question.save(update_fields=["is_answered", "answered_at"])
    question.session = session
    events.record(session, events.POST_UPDATED, post_payload(question, now), now)
    # Duplicates merged into it share its answered state, so its fate.
    for duplicate in Post.objects.filter(merged_into=question).order_by("pk"):
        duplicate.is_answered = answered
        duplicate.answered_at = question.answered_at
        duplicate.save(update_fields=["is_answered", "answered_at"])
        duplicate.session = session
        events.record(session, events.POST_UPDATED, post_payload(duplicate, now), now)
    if answered:
        notify_answered(question=question, answered_by=by, now=now)


def mark_answered(
    *, question: Post, user: User, answered: bool = True, now: datetime | None = None
) -> Post:
    """Mark a question answered (or not). Panel politicians and staff only, until the
    follow-up period is over (then the record is closed).

    Locks the session row; broadcasts post.updated when the flag changes.
    """
    require_signed_in(user, _("Sign in to mark questions answered."))
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(question.session)
        question = Post.objects.select_for_update().get(pk=question.pk)
        if question.parent_id is not None:
            raise ValidationError(_("Only a question can be marked answered."), code="not_question")
        published(question)
        if not may_mark_answered(user, session):
            raise PermissionDenied(
                _("Only a politician on this session's panel or staff can mark questions answered.")
            )
        require_follow_up_open(session, now)
        if question.merged_into_id is not None:
            raise ValidationError(
                _("This question was merged into another. Mark that one."), code="merged"
            )
        _set_answered(session, question, answered, now, by=user)
    return question


def _votable(question: Post, session: Session, user: User, now: datetime) -> None:
    require_not_banned(user, session.municipality, now)
    require_verified_to_take_part(user, session)
    if question.parent_id is not None:
        raise ValidationError(_("Only questions can be upvoted."), code="not_question")
    published(question)
    if question.merged_into_id is not None:
        raise ValidationError(
            _("This question was merged into another. Vote for that one."), code="merged"
        )
    require_open_for_posts(session, now)


def _broadcast_vote_count(session: Session, question: Post, now: datetime) -> None:
    question.refresh_from_db(fields=["vote_count"])
    payload: VotePayload = {"post": question.pk, "vote_count": question.vote_count}
    events.record(session, events.VOTE_CHANGED, payload, now)


def vote(
    *, question: Post, user: User, now: datetime | None = None, client_ip: str | None = None
) -> Post:
    """Upvote a question, once per user, while the session is live. Rate-limited ("vote").

    Locks the session row; broadcasts vote.changed.
    """
    require_signed_in(user, _("Sign in to vote."))
    check_rate_limit(action="vote", user=user, ip=client_ip)
    now = resolve_now(now)
    try:
        with transaction.atomic():
            session = locked(question.session)
            question = Post.objects.get(pk=question.pk)
            _votable(question, session, user, now)
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


def unvote(
    *, question: Post, user: User, now: datetime | None = None, client_ip: str | None = None
) -> Post:
    """Take an upvote back while the session is live. Counts as a vote for the rate limit.

    Broadcasts vote.changed.
    """
    require_signed_in(user, _("Sign in to vote."))
    check_rate_limit(action="vote", user=user, ip=client_ip)
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(question.session)
        question = Post.objects.get(pk=question.pk)
        _votable(question, session, user, now)
        deleted, _ignored = Vote.objects.filter(post=question, user=user).delete()
        if not deleted:
            raise ValidationError(_("You have not voted for this question."), code="not_voted")
        Post.objects.filter(pk=question.pk).update(vote_count=F("vote_count") - 1)
        _broadcast_vote_count(session, question, now)
    return question
