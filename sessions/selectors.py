"""The read path shared by pages and the API: querysets with what they need preloaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from .models import Moderator, Politician, Post, Session, Vote
from .payloads import QuestionPayload, question_payload

# Public orderings of a session's questions, by the name clients use.
QUESTION_ORDERINGS: dict[str, tuple[str, ...]] = {
    "-votes": ("-vote_count", "created_at", "id"),
    "votes": ("vote_count", "created_at", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
DEFAULT_QUESTION_ORDERING = "-votes"


@dataclass
class HomeSessions:
    live: list[Session]
    upcoming: list[Session]
    archive: list[Session]


def sessions_for_home(now: datetime) -> HomeSessions:
    """Sessions live now (ending soonest first), upcoming (starting soonest), and the archive."""
    base = Session.objects.select_related("municipality")
    return HomeSessions(
        live=list(base.filter(starts_at__lte=now, ends_at__gt=now).order_by("ends_at")),
        upcoming=list(base.filter(starts_at__gt=now).order_by("starts_at")),
        archive=list(base.filter(ends_at__lte=now).order_by("-ends_at")[:50]),
    )


def sessions_newest_first(status: str | None, now: datetime) -> QuerySet[Session]:
    sessions = Session.objects.select_related("municipality").prefetch_related("politicians")
    if status == Session.Status.SCHEDULED:
        sessions = sessions.filter(starts_at__gt=now)
    elif status == Session.Status.LIVE:
        sessions = sessions.filter(starts_at__lte=now, ends_at__gt=now)
    elif status == Session.Status.CLOSED:
        sessions = sessions.filter(ends_at__lte=now)
    return sessions.order_by("-starts_at", "-id")


def session_with_panel(session_id: int) -> Session:
    """The session with its municipality and panel, or 404."""
    return get_object_or_404(
        Session.objects.select_related("municipality").prefetch_related("politicians"),
        pk=session_id,
    )


def published_questions(
    session: Session, ordering: str = DEFAULT_QUESTION_ORDERING
) -> QuerySet[Post]:
    """Published questions with their published replies, in a fixed number of queries."""
    replies = (
        Post.objects.filter(status=Post.Status.PUBLISHED)
        .select_related("author", "politician")
        .order_by("created_at", "id")
    )
    return (
        Post.objects.filter(session=session, parent=None, status=Post.Status.PUBLISHED)
        .select_related("author", "politician")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="published_replies"))
        .order_by(*QUESTION_ORDERINGS.get(ordering, QUESTION_ORDERINGS[DEFAULT_QUESTION_ORDERING]))
    )


def question_payloads(
    session: Session, ordering: str = DEFAULT_QUESTION_ORDERING
) -> list[QuestionPayload]:
    return [
        question_payload(question, question.published_replies)
        for question in published_questions(session, ordering)
    ]


def open_questions_by_votes(session: Session) -> QuerySet[Post]:
    """Published questions not yet answered, most wanted first: the politician's worklist."""
    return published_questions(session, "-votes").filter(is_answered=False)


def politician_for(user: AbstractBaseUser | AnonymousUser, session: Session) -> Politician | None:
    """The panel member this user speaks for in this session, if any."""
    if not user.is_authenticated:
        return None
    return session.politicians.filter(user=user).first()


def may_mark_answered(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    """Panel politicians and staff mark questions answered."""
    return bool(user.is_authenticated and (user.is_staff or politician_for(user, session)))


def is_moderator(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_staff
        or Moderator.objects.filter(user=user, municipality_id=session.municipality_id).exists()
    )


def voted_question_ids(user: AbstractBaseUser | AnonymousUser, session: Session) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Vote.objects.filter(user=user, post__session=session).values_list("post_id", flat=True)
    )
