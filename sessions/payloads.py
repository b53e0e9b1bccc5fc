"""The JSON shapes that pages, the API and live events share: one typed definition each.

A page's initial state, an API response and the events on the socket are all built here,
so that initial state plus events always equals a fresh fetch.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext

from .models import (
    Ban,
    ModerationAction,
    ModerationReason,
    Politician,
    Post,
    Session,
    WatchedKeyword,
)


class PoliticianPayload(TypedDict):
    id: int
    name: str
    party: str
    role: str
    photo_url: str


class PostPayload(TypedDict):
    id: int
    session: int
    parent: int | None
    author: str
    politician: PoliticianPayload | None
    body: str
    created_at: str
    status: str
    is_answered: bool
    on_air: bool
    vote_count: int


class QuestionPayload(PostPayload):
    replies: list[PostPayload]


class SessionPayload(TypedDict):
    id: int
    municipality: str
    title: str
    description: str
    starts_at: str
    ends_at: str
    status: str
    accepts_questions_early: bool
    panel: list[PoliticianPayload]


class OnAirPayload(TypedDict):
    """question.on_air: the question on air now, or None when none is."""

    id: int | None


class VotePayload(TypedDict):
    post: int
    vote_count: int


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# Accounts that stand for a person no longer named: a deleted account (anonymised in place, so
# its posts and votes stay) and a retention pseudonym (one per citizen per session). Both are
# inactive with an unusable password, so nobody can sign up or sign in as one.
DELETED_USERNAME_PREFIX = "deleted-"
PSEUDONYM_USERNAME_PREFIX = "participant-"


def display_name(user: AbstractBaseUser) -> str:
    """What others see of a user: the full name they gave, else the username. Never the e-mail.

    A deleted account shows as "deleted user"; a retention pseudonym as "Participant <n>".
    """
    username = user.get_username()
    if not user.is_active and username.startswith(DELETED_USERNAME_PREFIX):
        return gettext("deleted user")
    if not user.is_active and username.startswith(PSEUDONYM_USERNAME_PREFIX):
        return gettext("Participant %(number)s") % {"number": username.rsplit("-", 1)[-1]}
    return user.get_full_name() or username


def politician_payload(politician: Politician) -> PoliticianPayload:
    return {
        "id": politician.pk,
        "name": politician.name,
        "party": politician.party,
        "role": politician.role,
        "photo_url": politician.photo_url,
    }


def post_payload(post: Post) -> PostPayload:
    return {
        "id": post.pk,
        "session": post.session_id,
        "parent": post.parent_id,
        "author": display_name(post.author),
        "politician": politician_payload(post.politician) if post.politician else None,
        "body": post.body,
        "created_at": iso(post.created_at),
        "status": post.status,
        "is_answered": post.is_answered,
        "on_air": post.on_air,
        "vote_count": post.vote_count,
    }


def question_payload(question: Post, replies: list[Post]) -> QuestionPayload:
    return {**post_payload(question), "replies": [post_payload(reply) for reply in replies]}


def session_payload(session: Session, now: datetime | None = None) -> SessionPayload:
    return {
        "id": session.pk,
        "municipality": session.municipality.name,
        "title": session.title,
        "description": session.description,
        "starts_at": iso(session.starts_at),
        "ends_at": iso(session.ends_at),
        "status": session.status_at(now or timezone.now()),
        "accepts_questions_early": session.accepts_questions_early,
        "panel": [politician_payload(p) for p in session.politicians.all()],
    }


# Moderation ---------------------------------------------------------------------------------


class RemovedPostPayload(TypedDict):
    """post.removed: which post left the public view, and why. Never its body.

    `status` is "hidden" (by a moderator, `reason` says why) or "pending" (held for review).
    """

    id: int
    parent: int | None
    status: str
    reason: str


class TallyReasonPayload(TypedDict):
    reason: str
    count: int


class TallyPayload(TypedDict):
    """moderation.tally: posts moderators removed (hidden or rejected), by reason."""

    hidden: int
    reasons: list[TallyReasonPayload]


class ModerationPostPayload(PostPayload):
    """A post as moderators see it: any status, with flag, reports and the reason for removal."""

    author_id: int
    flagged: bool
    report_count: int
    moderation_reason: str
    moderation_note: str


class ModerationActionPayload(TypedDict):
    id: int
    action: str
    moderator: str | None
    post: int | None
    user: str | None
    reason: str
    note: str
    created_at: str


class BanPayload(TypedDict):
    id: int
    municipality: int
    user: int
    username: str
    reason: str
    note: str
    created_by: str
    created_at: str
    ends_at: str | None
    lifted_at: str | None


class WatchedKeywordPayload(TypedDict):
    id: int
    municipality: int
    phrase: str
    action: str


def removed_post_payload(post: Post) -> RemovedPostPayload:
    return {
        "id": post.pk,
        "parent": post.parent_id,
        "status": post.status,
        "reason": post.moderation_reason,
    }


def moderation_post_payload(post: Post) -> ModerationPostPayload:
    return {
        **post_payload(post),
        "author_id": post.author_id,
        "flagged": post.flagged,
        "report_count": post.report_count,
        "moderation_reason": post.moderation_reason,
        "moderation_note": post.moderation_note,
    }


def moderation_action_payload(action: ModerationAction) -> ModerationActionPayload:
    return {
        "id": action.pk,
        "action": action.action,
        "moderator": display_name(action.moderator) if action.moderator else None,
        "post": action.post_id,
        "user": display_name(action.user) if action.user else None,
        "reason": action.reason,
        "note": action.note,
        "created_at": iso(action.created_at),
    }


def ban_payload(ban: Ban) -> BanPayload:
    return {
        "id": ban.pk,
        "municipality": ban.municipality_id,
        "user": ban.user_id,
        "username": ban.user.get_username(),
        "reason": ban.reason,
        "note": ban.note,
        "created_by": display_name(ban.created_by),
        "created_at": iso(ban.created_at),
        "ends_at": iso(ban.ends_at) if ban.ends_at else None,
        "lifted_at": iso(ban.lifted_at) if ban.lifted_at else None,
    }


def watched_keyword_payload(keyword: WatchedKeyword) -> WatchedKeywordPayload:
    return {
        "id": keyword.pk,
        "municipality": keyword.municipality_id,
        "phrase": keyword.phrase,
        "action": keyword.action,
    }


def reason_label(reason: str) -> str:
    """The translated label of a reason code; an unknown or empty code reads as "other"."""
    try:
        return str(ModerationReason(reason).label)
    except ValueError:
        return str(ModerationReason.OTHER.label)
