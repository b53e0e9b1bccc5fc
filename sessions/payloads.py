"""The JSON shapes that pages, the API and live events share: one typed definition each.

A page's initial state, an API response and the events on the socket are all built here,
so that initial state plus events always equals a fresh fetch.
"""

from __future__ import annotations

from collections import Counter
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
    Poll,
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
    answered_at: str | None
    # A question's fate (Post.Fate: answered_live, answered_later, open, unanswered); None for
    # a reply. Worked out by Session.fate_of, never by a page.
    fate: str | None
    vote_count: int
    # online, or room/phone for a question a moderator entered for someone offline; then
    # `author` is the name they gave (asked_by, perhaps empty), never the moderator's.
    channel: str
    # The question this duplicate was merged into (its replies and votes are there), or None.
    merged_into: int | None
    # The author signed in with the identity provider (MitID): a verified citizen. Never who.
    author_verified: bool


class MergedPayload(TypedDict):
    """question.merged: question `id` was merged into question `into`."""

    id: int
    into: int


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
    # From then until the start: the collecting phase (citizens ask and upvote); or None.
    questions_open_at: str | None
    # Until when the panel answers in writing after the end (staff's, or 14 days after it).
    follow_up_until: str
    panel: list[PoliticianPayload]
    # When staff cancelled it (status "cancelled"), or None.
    cancelled_at: str | None


class OnAirPayload(TypedDict):
    """question.on_air: the question on air now, or None when none is."""

    id: int | None


class VotePayload(TypedDict):
    post: int
    vote_count: int


class ReminderPayload(TypedDict):
    """The caller's reminder for a session (POST/DELETE /api/sessions/{id}/reminder/)."""

    session: int
    reminded: bool
    remind_at: str  # when the "starts soon" e-mail goes (TOWNHALL_REMINDER_MINUTES before)


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


def is_verified_account(user: AbstractBaseUser) -> bool:
    """Whether the account is active with a verified identity (a reverse one-to-one:
    select_related "author__verified_identity" to read it without a query per post). A deleted
    account may keep its identity (a ban binds it) but is nobody's now: not marked."""
    # A missing one raises RelatedObjectDoesNotExist, an AttributeError: getattr says None.
    return user.is_active and getattr(user, "verified_identity", None) is not None


def politician_payload(politician: Politician) -> PoliticianPayload:
    return {
        "id": politician.pk,
        "name": politician.name,
        "party": politician.party,
        "role": politician.role,
        "photo_url": politician.photo_url,
    }


def post_payload(post: Post, now: datetime | None = None) -> PostPayload:
    """A question or reply. A question's fate reads `post.session` (see Post.fate_at)."""
    return {
        "id": post.pk,
        "session": post.session_id,
        "parent": post.parent_id,
        "author": display_name(post.author)
        if post.channel == Post.Channel.ONLINE
        else post.asked_by,
        "politician": politician_payload(post.politician) if post.politician else None,
        "body": post.body,
        "created_at": iso(post.created_at),
        "status": post.status,
        "is_answered": post.is_answered,
        "on_air": post.on_air,
        "answered_at": iso(post.answered_at) if post.answered_at else None,
        "fate": post.fate_at(now or timezone.now()),
        "vote_count": post.vote_count,
        "channel": post.channel,
        "merged_into": post.merged_into_id,
        "author_verified": post.channel == Post.Channel.ONLINE and is_verified_account(post.author),
    }


def question_payload(
    question: Post, replies: list[Post], now: datetime | None = None
) -> QuestionPayload:
    now = now or timezone.now()
    return {
        **post_payload(question, now),
        "replies": [post_payload(reply, now) for reply in replies],
    }


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
        "questions_open_at": iso(session.questions_open_at) if session.questions_open_at else None,
        "follow_up_until": iso(session.follow_up_ends_at),
        "panel": [politician_payload(p) for p in session.politicians.all()],
        "cancelled_at": iso(session.cancelled_at) if session.cancelled_at else None,
    }


# The public record ---------------------------------------------------------------------------


class RecordTotalsPayload(TypedDict):
    """A session's totals on its public record. Shares are 0 to 1, None without questions;
    "not answered" is open and unanswered questions together."""

    questions: int
    replies: int
    votes: int
    citizens: int
    answered_live: int
    answered_later: int
    open: int
    unanswered: int
    share_answered_live: float | None
    share_answered_later: float | None
    share_not_answered: float | None


class RecordPayload(TypedDict):
    """GET /api/sessions/{id}/record/ and the page /sessions/<id>/record/: the same data."""

    session: SessionPayload
    generated_at: str
    questions: list[QuestionPayload]
    totals: RecordTotalsPayload
    tally: TallyPayload
    # Polls whose results everyone may see (selectors.results_public), oldest first.
    polls: list[RecordPollPayload]


def record_totals_payload(questions: list[QuestionPayload], citizens: int) -> RecordTotalsPayload:
    """Totals counted from the questions' payloads, so the figures and the fates shown agree."""
    fates = Counter(question["fate"] for question in questions)
    count = len(questions)

    def share(number: int) -> float | None:
        return round(number / count, 4) if count else None

    not_answered = fates[Post.Fate.OPEN] + fates[Post.Fate.UNANSWERED]
    return {
        "questions": count,
        "replies": sum(len(question["replies"]) for question in questions),
        "votes": sum(question["vote_count"] for question in questions),
        "citizens": citizens,
        "answered_live": fates[Post.Fate.ANSWERED_LIVE],
        "answered_later": fates[Post.Fate.ANSWERED_LATER],
        "open": fates[Post.Fate.OPEN],
        "unanswered": fates[Post.Fate.UNANSWERED],
        "share_answered_live": share(fates[Post.Fate.ANSWERED_LIVE]),
        "share_answered_later": share(fates[Post.Fate.ANSWERED_LATER]),
        "share_not_answered": share(not_answered),
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


# Polls ----------------------------------------------------------------------------------------


class PollOptionPayload(TypedDict):
    id: int
    text: str


class PollPayload(TypedDict):
    """A poll as everyone may see it (poll.opened, poll.closed, the API): never its counts."""

    id: int
    session: int
    question: str
    kind: str
    options: list[PollOptionPayload]
    max_choices: int | None
    min: int | None
    max: int | None
    min_label: str
    max_label: str
    results: str
    secret: bool
    allow_change: bool
    status: str
    opened_at: str | None
    closed_at: str | None


class PollResultsPayload(TypedDict):
    """poll.results and GET /api/polls/{id}/results/: counts per option id, scale value or
    normalised word (held words left out), and how many voted."""

    poll: int
    counts: dict[str, int]
    voters: int


def poll_payload(poll: Poll) -> PollPayload:
    """Reads poll.options.all(): prefetch them for a list."""
    return {
        "id": poll.pk,
        "session": poll.session_id,
        "question": poll.question,
        "kind": poll.kind,
        "options": [{"id": option.pk, "text": option.text} for option in poll.options.all()],
        "max_choices": poll.max_choices,
        "min": poll.scale_min,
        "max": poll.scale_max,
        "min_label": poll.min_label,
        "max_label": poll.max_label,
        "results": poll.results,
        "secret": poll.secret,
        "allow_change": poll.allow_change,
        "status": poll.status,
        "opened_at": iso(poll.opened_at) if poll.opened_at else None,
        "closed_at": iso(poll.closed_at) if poll.closed_at else None,
    }


def poll_results_payload(
    poll: Poll, counts: dict[str, int], voters: int | None = None
) -> PollResultsPayload:
    """`voters`: read with the counts, when not the poll's own as loaded."""
    return {
        "poll": poll.pk,
        "counts": counts,
        "voters": poll.voter_count if voters is None else voters,
    }


class RecordPollPayload(TypedDict):
    """A poll on the public record, with its results."""

    poll: PollPayload
    results: PollResultsPayload
