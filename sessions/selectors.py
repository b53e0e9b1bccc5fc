"""The read path shared by pages and the API: querysets with what they need preloaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from . import similarity
from .models import (
    Ballot,
    Ban,
    ModerationAction,
    Moderator,
    Municipality,
    Politician,
    Poll,
    PollTally,
    Post,
    Session,
    Vote,
    WatchedKeyword,
)
from .payloads import (
    PollResultsPayload,
    QuestionPayload,
    RecordPayload,
    RecordPollPayload,
    TallyPayload,
    iso,
    poll_payload,
    poll_results_payload,
    question_payload,
    record_totals_payload,
    session_payload,
)

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
        sessions = sessions.filter(starts_at__gt=now).exclude(Session.collecting_q(now))
    elif status == Session.Status.COLLECTING:
        sessions = sessions.filter(Session.collecting_q(now))
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


def session_for_page(session_id: int) -> Session:
    """The session with its municipality, or 404: what a page needs to know its state."""
    return get_object_or_404(Session.objects.select_related("municipality"), pk=session_id)


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
        # Through the session's manager: each question knows its session without a query
        # (its fate needs it).
        session.posts.filter(parent=None, status=Post.Status.PUBLISHED)
        .select_related("author", "politician")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="published_replies"))
        .order_by(*QUESTION_ORDERINGS.get(ordering, QUESTION_ORDERINGS[DEFAULT_QUESTION_ORDERING]))
    )


def question_payloads(
    session: Session, ordering: str = DEFAULT_QUESTION_ORDERING, now: datetime | None = None
) -> list[QuestionPayload]:
    return [
        question_payload(question, question.published_replies, now)
        for question in published_questions(session, ordering)
    ]


def session_record(session: Session, now: datetime) -> RecordPayload:
    """The public record: every published question in the order asked, with its published
    replies and fate, the totals and the moderation tally. The session comes with its panel
    (session_with_panel); seven queries whatever the size (two more with polls to show)."""
    questions = question_payloads(session, "created", now)
    citizens = (
        session.posts.filter(status=Post.Status.PUBLISHED, politician__isnull=True)
        .values("author")
        .distinct()
        .count()
    )
    return {
        "session": session_payload(session, now),
        "generated_at": iso(now),
        "questions": questions,
        "totals": record_totals_payload(questions, citizens),
        "tally": moderation_tally(session),
        "polls": public_polls_with_results(session),
    }


SIMILAR_LIMIT = 5
# Below this score a question is not offered as similar.
SIMILAR_THRESHOLD = 0.5


@dataclass(frozen=True)
class SimilarQuestion:
    id: int
    body: str
    votes: int
    score: float


# The stems of each session's questions at one seq: typing asks many times between two events.
question_terms_cache: dict[tuple[int, int], list[tuple[int, str, int, frozenset[str]]]] = {}


# A question's stems, by id: its text does not change, so a new seq (a vote) costs one query,
# not stemming every question again.
post_terms_cache: dict[int, tuple[str, frozenset[str]]] = {}


def _terms_of(post_id: int, body: str) -> frozenset[str]:
    cached = post_terms_cache.get(post_id)
    if cached is not None and cached[0] == body:
        return cached[1]
    if len(post_terms_cache) > 100_000:
        post_terms_cache.clear()
    terms = similarity.terms(body)
    post_terms_cache[post_id] = (body, terms)
    return terms


def similar_questions(session: Session, text: str) -> list[SimilarQuestion]:
    """Up to five published questions of the session (not merged ones) most like `text`, best
    first (sessions/similarity.py says how). One query per session state, then none."""
    key = (session.pk, session.last_seq)
    known = question_terms_cache.get(key)
    if known is None:
        rows = session.posts.filter(
            parent=None, status=Post.Status.PUBLISHED, merged_into__isnull=True
        ).values_list("pk", "body", "vote_count")
        known = [(pk, body, votes, _terms_of(pk, body)) for pk, body, votes in rows]
        if len(question_terms_cache) > 64:
            question_terms_cache.clear()
        question_terms_cache[key] = known
    asked = similarity.terms(text)
    scored = [
        SimilarQuestion(pk, body, votes, similarity.score(asked, question_terms))
        for pk, body, votes, question_terms in known
    ]
    best = sorted(
        (found for found in scored if found.score >= SIMILAR_THRESHOLD),
        key=lambda found: (-found.score, -found.votes, found.id),
    )
    return best[:SIMILAR_LIMIT]


def open_questions_by_votes(session: Session) -> QuerySet[Post]:
    """Published questions not yet answered, most wanted first: the politician's worklist."""
    return published_questions(session, "-votes").filter(is_answered=False, merged_into=None)


def politician_for(user: AbstractBaseUser | AnonymousUser, session: Session) -> Politician | None:
    """The panel member this user speaks for in this session, if any."""
    if not user.is_authenticated:
        return None
    # Through the panel as loaded (a page prefetches it), not a query of its own.
    mine = [politician for politician in session.politicians.all() if politician.user_id == user.pk]
    return min(mine, key=lambda politician: politician.pk, default=None)


def may_mark_answered(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    """Panel politicians and staff mark questions answered."""
    return bool(user.is_authenticated and (user.is_staff or politician_for(user, session)))


def may_put_on_air(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    """Panel politicians, the municipality's moderators and staff put questions on air."""
    return bool(politician_for(user, session) or moderates(user, session.municipality_id))


def is_moderator(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    return moderates(user, session.municipality_id)


def moderates(user: AbstractBaseUser | AnonymousUser, municipality_id: int) -> bool:
    """Staff moderate everywhere; a moderator only their municipality's sessions."""
    if not user.is_authenticated:
        return False
    return (
        user.is_staff
        or Moderator.objects.filter(user=user, municipality_id=municipality_id).exists()
    )


def voted_question_ids(user: AbstractBaseUser | AnonymousUser, session: Session) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Vote.objects.filter(user=user, post__session=session).values_list("post_id", flat=True)
    )


# Moderation ---------------------------------------------------------------------------------

REMOVED_STATUSES = (Post.Status.HIDDEN, Post.Status.REJECTED)


def active_ban(
    user: AbstractBaseUser | AnonymousUser, municipality_id: int, now: datetime
) -> Ban | None:
    """The ban in force for this user in this municipality at `now`, if any."""
    if not user.is_authenticated:
        return None
    return (
        Ban.objects.filter(Ban.active_q(now), user=user, municipality_id=municipality_id)
        .order_by("-created_at")
        .first()
    )


def active_bans(municipality: Municipality, now: datetime) -> QuerySet[Ban]:
    return Ban.objects.filter(Ban.active_q(now), municipality=municipality).select_related(
        "user", "created_by"
    )


def moderation_tally(session: Session) -> TallyPayload:
    """Posts moderators removed from this session (hidden or rejected), by reason, most first."""
    rows = (
        Post.objects.filter(session=session, status__in=REMOVED_STATUSES)
        .values("moderation_reason")
        .annotate(count=Count("id"))
        .order_by("-count", "moderation_reason")
    )
    counts: dict[str, int] = {}
    for row in rows:
        reason = row["moderation_reason"] or "other"
        counts[reason] = counts.get(reason, 0) + row["count"]
    reasons = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {
        "hidden": sum(counts.values()),
        "reasons": [{"reason": reason, "count": count} for reason, count in reasons],
    }


def own_unpublished_posts(
    user: AbstractBaseUser | AnonymousUser, session: Session
) -> QuerySet[Post]:
    """The user's own posts that others do not see: pending, hidden or rejected. Oldest first."""
    if not user.is_authenticated:
        return Post.objects.none()
    return (
        Post.objects.filter(session=session, author=user)
        .exclude(status=Post.Status.PUBLISHED)
        .select_related("parent")
        .order_by("created_at", "id")
    )


def _moderation_posts(session: Session) -> QuerySet[Post]:
    return session.posts.select_related("author", "politician", "parent")


def moderation_stream(session: Session, limit: int = 200) -> list[Post]:
    """The session's posts of every status, newest first."""
    return list(_moderation_posts(session).order_by("-created_at", "-id")[:limit])


def pending_posts(session: Session, limit: int | None = None) -> list[Post]:
    """Posts awaiting approval, oldest first: the moderators' queue (the first `limit`)."""
    queue = _moderation_posts(session).filter(status=Post.Status.PENDING)
    return list(queue.order_by("created_at", "id")[:limit])


def posts_needing_attention(session: Session, limit: int | None = None) -> list[Post]:
    """Published posts that a watched keyword flagged or citizens reported, most reported first
    (the first `limit`)."""
    return list(
        _moderation_posts(session)
        .filter(status=Post.Status.PUBLISHED)
        .filter(Q(flagged=True) | Q(report_count__gt=0))
        .order_by("-report_count", "-created_at")[:limit]
    )


def moderation_log(session: Session, limit: int = 100) -> list[ModerationAction]:
    """The session's moderation actions, newest first."""
    return list(
        ModerationAction.objects.filter(session=session).select_related(
            "moderator", "user", "post"
        )[:limit]
    )


def watched_keywords(municipality: Municipality) -> QuerySet[WatchedKeyword]:
    return WatchedKeyword.objects.filter(municipality=municipality)


def second_factor_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this account signs in with a second factor (TOTP or a recovery code).

    Staff and moderators must while TOWNHALL_REQUIRE_STAFF_2FA is on (they see every citizen's
    e-mail, bans and pending posts); anyone else who confirmed an authenticator app chose to.
    One query at most, none for staff.
    """
    if not user.is_authenticated:
        return False
    if settings.TOWNHALL_REQUIRE_STAFF_2FA and (user.is_staff or user.is_superuser):
        return True
    has_app = Q(totpdevice__confirmed=True)
    role = Q(moderator_roles__isnull=False) if settings.TOWNHALL_REQUIRE_STAFF_2FA else Q()
    return get_user_model().objects.filter(Q(pk=user.pk) & (has_app | role)).exists()


def has_staff_role(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff, superusers and moderators of any municipality: the accounts that see personal data."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or user.moderator_roles.exists())


def login_session_limits(user: AbstractBaseUser | AnonymousUser) -> tuple[timedelta, timedelta]:
    """(idle, absolute): how long a login session lasts unused, and at most since signing in.

    Staff and moderators get the short TOWNHALL_SESSION_* limits; citizens the long ones.
    """
    if has_staff_role(user):
        return (
            timedelta(minutes=settings.TOWNHALL_SESSION_IDLE_MINUTES),
            timedelta(hours=settings.TOWNHALL_SESSION_MAX_HOURS),
        )
    return (
        timedelta(minutes=settings.TOWNHALL_CITIZEN_SESSION_IDLE_MINUTES),
        timedelta(hours=settings.TOWNHALL_CITIZEN_SESSION_MAX_HOURS),
    )


# Polls ----------------------------------------------------------------------------------------


def may_create_polls(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    """Staff and the municipality's moderators prepare polls (drafts)."""
    return moderates(user, session.municipality_id)


def may_run_polls(user: AbstractBaseUser | AnonymousUser, session: Session) -> bool:
    """Panel politicians, the municipality's moderators and staff open and close polls, and see
    every poll's results (also those shown only to staff and the panel)."""
    return may_put_on_air(user, session)


def session_polls(session: Session, *, with_drafts: bool) -> QuerySet[Poll]:
    """A session's polls, oldest first, options prefetched; drafts only when asked for."""
    polls = Poll.objects.filter(session=session).prefetch_related("options")
    return polls if with_drafts else polls.exclude(status=Poll.Status.DRAFT)


def results_public(poll: Poll) -> bool:
    """Whether everyone, signed in or not, may see the poll's results now."""
    if poll.status == Poll.Status.OPEN:
        return poll.results == Poll.Results.LIVE
    if poll.status == Poll.Status.CLOSED:
        return poll.results != Poll.Results.STAFF
    return False


def may_see_results(
    user: AbstractBaseUser | AnonymousUser, poll: Poll, *, voted: bool, runs_polls: bool
) -> bool:
    """Who sees a poll's results: everyone when results_public; a voter of an `after_vote` poll
    once they voted; the panel, moderators and staff (runs_polls, see may_run_polls) always."""
    if runs_polls or results_public(poll):
        return True
    return poll.results == Poll.Results.AFTER_VOTE and voted and poll.status != Poll.Status.DRAFT


def poll_counts(poll: Poll, stored: dict[str, int] | None = None) -> dict[str, int]:
    """Counts per answer: every option (or scale value) in order, zeros included; a word
    cloud's words most frequent first. Words held by a watched word are left out. `stored`:
    the poll's published tallies when already read (see polls_results)."""
    if stored is None:
        stored = dict(PollTally.objects.filter(poll=poll, held=False).values_list("key", "count"))
    if poll.kind == Poll.Kind.WORDS:
        ranked = sorted(
            ((key, count) for key, count in stored.items() if count > 0),
            key=lambda item: (-item[1], item[0]),
        )
        return dict(ranked)
    if poll.kind == Poll.Kind.SCALE:
        keys = [str(value) for value in range(poll.scale_min, poll.scale_max + 1)]
    else:
        keys = [str(option.pk) for option in poll.options.all()]
    return {key: stored.get(key, 0) for key in keys}


def poll_results(poll: Poll) -> PollResultsPayload:
    return poll_results_payload(poll, poll_counts(poll))


def polls_results(polls: list[Poll]) -> dict[int, PollResultsPayload]:
    """The results of several polls (options prefetched), by poll id, in one query."""
    stored: dict[int, dict[str, int]] = {poll.pk: {} for poll in polls}
    tallies = PollTally.objects.filter(poll__in=polls, held=False)
    for poll_id, key, count in tallies.values_list("poll_id", "key", "count"):
        stored[poll_id][key] = count
    return {
        poll.pk: poll_results_payload(poll, poll_counts(poll, stored[poll.pk])) for poll in polls
    }


def own_ballots(user: AbstractBaseUser | AnonymousUser, polls: list[Poll]) -> dict[int, Ballot]:
    """The user's ballots in these polls, by poll id (a secret poll's holds no choices)."""
    if not user.is_authenticated or not polls:
        return {}
    ballots = Ballot.objects.filter(voter=user, poll__in=polls)
    return {ballot.poll_id: ballot for ballot in ballots}


def public_polls_with_results(session: Session) -> list[RecordPollPayload]:
    """The session's polls whose results everyone may see now, with them, oldest first."""
    polls = [poll for poll in session_polls(session, with_drafts=False) if results_public(poll)]
    results = polls_results(polls) if polls else {}
    return [{"poll": poll_payload(poll), "results": results[poll.pk]} for poll in polls]
