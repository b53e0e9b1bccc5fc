"""Duplicate questions: a moderator merges one question into another."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events
from ..models import Post, Session, Vote
from ..payloads import MergedPayload, VotePayload, post_payload
from ..selectors import is_moderator
from .common import User, locked, require_signed_in, resolve_now
from .notifications import notify_merged


def _mergeable(post: Post, session: Session, role: str) -> None:
    """A published question of this session, not itself merged. `role` names it in messages."""
    if post.session_id != session.pk:
        raise ValidationError(
            {"into": _("Both questions must be in the same session.")}, code="other_session"
        )
    if post.parent_id is not None:
        raise ValidationError(
            {role: _("Only a question can be merged, not a reply.")}, code="not_question"
        )
    if post.status != Post.Status.PUBLISHED:
        raise ValidationError({role: _("That question is not published.")}, code="not_published")
    if post.merged_into_id is not None:
        raise ValidationError(
            {role: _("That question was already merged into another.")}, code="already_merged"
        )


def merge_question(*, question: Post, into: Post, user: User, now: datetime | None = None) -> Post:
    """Merge a duplicate `question` into `into`, a question of the same session.

    Moderators of the session's municipality and staff. Its replies move to `into`; its votes
    are united with those of `into` (a person who voted for both counts once); it keeps its text
    and author, points to `into`, and from now on shares its answered state (so its fate).
    Locks the session row; broadcasts question.merged {"id", "into"}, then post.updated for the
    merged question and vote.changed for `into`. Its asker is told (notify_merged).
    """
    require_signed_in(user, _("Sign in to merge questions."))
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(question.session)
        if not is_moderator(user, session):
            raise PermissionDenied(_("Only moderators and staff can merge questions."))
        question = Post.objects.select_for_update().get(pk=question.pk)
        into = Post.objects.select_for_update().get(pk=into.pk)
        if question.pk == into.pk:
            raise ValidationError(
                {"into": _("A question cannot be merged into itself.")}, code="same_question"
            )
        _mergeable(into, session, "into")
        _mergeable(question, session, "question")

        Post.objects.filter(parent=question).update(parent=into)
        already = Vote.objects.filter(post=into).values("user_id")
        Vote.objects.filter(post=question, user_id__in=already).delete()
        Vote.objects.filter(post=question).update(post=into)
        Post.objects.filter(pk=into.pk).update(vote_count=Vote.objects.filter(post=into).count())
        # Earlier duplicates of this one follow it to `into`.
        Post.objects.filter(merged_into=question).update(
            merged_into=into, is_answered=into.is_answered, answered_at=into.answered_at
        )
        question.merged_into = into
        question.vote_count = 0
        question.is_answered = into.is_answered
        question.answered_at = into.answered_at
        question.save(update_fields=["merged_into", "vote_count", "is_answered", "answered_at"])

        merged: MergedPayload = {"id": question.pk, "into": into.pk}
        events.record(session, events.QUESTION_MERGED, merged, now)
        question.session = session
        events.record(session, events.POST_UPDATED, post_payload(question, now), now)
        into.refresh_from_db(fields=["vote_count"])
        votes: VotePayload = {"post": into.pk, "vote_count": into.vote_count}
        events.record(session, events.VOTE_CHANGED, votes, now)
        notify_merged(question=question, now=now)
    return question
