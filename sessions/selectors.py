"""The read path shared by pages and the API: querysets with what they need preloaded."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import similarity
from .models import (
    Ballot,
    Ban,
    ModerationAction,
    Moderator,
    Municipality,
    Notification,
    Politician,
    Poll,
    PollOption,
    PollTally,
    Post,
    Reminder,
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
    """Sessions live now (ending soonest first), upcoming (starting soonest), and the archive.
    A cancelled session stays in view, marked cancelled: among the upcoming until its start,
    then in the archive (never live)."""
    base = Session.objects.select_related("municipality")
    live = base.filter(starts_at__lte=now, ends_at__gt=now, cancelled_at=None)
    past = Q(ends_at__lte=now) | Q(starts_at__lte=now, cancelled_at__isnull=False)
    return HomeSessions(
        live=list(live.order_by("ends_at")),
        upcoming=list(base.filter(starts_at__gt=now).order_by("starts_at")),
        archive=list(base.filter(past).order_by("-ends_at")[:50]),
    )


def sessions_newest_first(status: str | None, now: datetime) -> QuerySet[Session]:
    sessions = Session.objects.select_related("municipality").prefetch_related("politicians")
    if status == Session.Status.CANCELLED:
        return sessions.exclude(cancelled_at=None).order_by("-starts_at", "-id")
    if status in Session.Status.values:
        # A cancelled session is only ever "cancelled" (Session.status_at).
        sessions = sessions.filter(cancelled_at=None)
    if status == Session.Status.SCHEDULED:
        sessions = sessions.filter(starts_at__gt=now).exclude(Session.collecting_q(now))
    elif status == Session.Status.COLLECTING:
        sessions = sessions.filter(Session.collecting_q(now))
    elif status == Session.Status.LIVE:
        sessions = sessions.filter(starts_at__lte=now, ends_at__gt=now)
    elif status == Session.Status.CLOSED:
        sessions = sessions.filter(ends_at__lte=now)
    return sessions.order_by("-starts_at", "-id")


def not_found(model: type[Model], key: object) -> Http404:
    """A 404 that names what was not found, in the reader's language (the API shows it; Django's
    own says "No Session matches the given query." in English whatever the reader's)."""
    thing = capfirst(model._meta.verbose_name)
    return Http404(_("%(thing)s %(key)s does not exist.") % {"thing": thing, "key": key})


def get_or_404(queryset: type[Model] | QuerySet, **lookup: object) -> Any:
    """The one object `lookup` finds, or not_found (by the lookup's value)."""
    if not isinstance(queryset, QuerySet):
        queryset = queryset._default_manager.all()
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise not_found(queryset.model, next(iter(lookup.values()))) from None


def session_with_panel(session_id: int) -> Session:
    """The session with its municipality and panel, or 404."""
    return get_or_404(
        Session.objects.select_related("municipality").prefetch_related("politicians"),
        pk=session_id,
    )


def session_or_none(session_id: int) -> Session | None:
    """The session with its municipality, or None."""
    return Session.objects.select_related("municipality").filter(pk=session_id).first()


def session_for_page(session_id: int) -> Session:
    """The session with its municipality, or 404: what a page needs to know its state."""
    return get_or_404(Session.objects.select_related("municipality"), pk=session_id)


def published_questions(
    session: Session, ordering: str = DEFAULT_QUESTION_ORDERING
) -> QuerySet[Post]:
    """Published questions with their published replies, in a fixed number of queries."""
    replies = (
        Post.objects.filter(status=Post.Status.PUBLISHED)
        .select_related("author__verified_identity", "politician")
        .order_by("created_at", "id")
    )
    return (
        # Through the session's manager: each question knows its session without a query
        # (its fate needs it).
        session.posts.filter(parent=None, status=Post.Status.PUBLISHED)
        .select_related("author__verified_identity", "politician")
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


def similar_threshold() -> float:
    """The score from which a question is offered as similar, on this database."""
    if connection.vendor == "postgresql":
        return similarity.POSTGRES_THRESHOLD
    return similarity.STEMS_THRESHOLD


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


def _similar_candidates(session: Session) -> QuerySet[Post]:
    return session.posts.filter(parent=None, status=Post.Status.PUBLISHED, merged_into__isnull=True)


# The generated column of migration 0018 (PostgreSQL only: the model does not know it).
_STORED_TERMS = f'"{Post._meta.db_table}"."similarity_terms"'


def _trigram_floor_for_this_transaction() -> None:
    """`%>` and `<%` hold from the least word_similarity a score from the threshold needs
    (sessions/similarity.py), until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(similarity.POSTGRES_WORD_SIMILARITY_FLOOR)],
        )


def _postgres_scored(session: Session, text: str) -> QuerySet[Post]:
    """The session's candidate questions with their pg_trgm score against `text`."""
    asked = similarity.DanishTerms(text)
    stored = RawSQL(_STORED_TERMS, ())
    return _similar_candidates(session).annotate(
        score=similarity.WORD_SIMILARITY_WEIGHT * TrigramWordSimilarity(asked, stored)
        + similarity.SIMILARITY_WEIGHT * TrigramSimilarity(stored, asked)
    )


def _stems_scored(session: Session, text: str) -> list[SimilarQuestion]:
    """Every candidate question of the session with its stems' score against `text`."""
    key = (session.pk, session.last_seq)
    known = question_terms_cache.get(key)
    if known is None:
        rows = _similar_candidates(session).values_list("pk", "body", "vote_count")
        known = [(pk, body, votes, _terms_of(pk, body)) for pk, body, votes in rows]
        if len(question_terms_cache) > 64:
            question_terms_cache.clear()
        question_terms_cache[key] = known
    asked = similarity.terms(text)
    return [
        SimilarQuestion(pk, body, votes, similarity.score(asked, question_terms))
        for pk, body, votes, question_terms in known
    ]


def _score_sql(typed: str, question: str) -> str:
    """The PostgreSQL score (as _postgres_scored annotates it) of two `similarity_terms`."""
    return (
        f"({similarity.WORD_SIMILARITY_WEIGHT} * word_similarity({typed}, {question})"
        f" + {similarity.SIMILARITY_WEIGHT} * similarity({question}, {typed}))"
    )


# The typed text's terms once; the questions near them (from the least word_similarity a score
# from the threshold needs) through the GIN trigram index alone: MATERIALIZED keeps the planner
# from reaching them through the session's index instead, which it does whenever its
# statistics think the session small, and then compares every question. Of those, the best
# five, then those from the threshold (a WHERE on the score would work it out twice).
_POSTGRES_SIMILAR_SQL = f"""
WITH asked AS MATERIALIZED (
  SELECT {similarity.POSTGRES_TERMS_SQL.format(text="%s", stop_words="%s")} AS terms
),
near AS MATERIALIZED (
  SELECT question.id FROM {Post._meta.db_table} question, asked
  WHERE question.similarity_terms %%> asked.terms
)
SELECT question.id, question.body, question.vote_count,
       {_score_sql("asked.terms", "question.similarity_terms")} AS score
FROM {Post._meta.db_table} question JOIN near ON near.id = question.id CROSS JOIN asked
WHERE question.session_id = %s AND question.parent_id IS NULL AND question.status = %s
  AND question.merged_into_id IS NULL
ORDER BY score DESC, question.vote_count DESC, question.id
LIMIT %s
"""


def similar_questions(session: Session, text: str) -> list[SimilarQuestion]:
    """Up to five published questions of the session (not merged ones) most like `text`, from
    similar_threshold(), best first (sessions/similarity.py says how). On PostgreSQL one query
    (with its transaction); elsewhere one query per session state, then none."""
    threshold = similar_threshold()
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            _trigram_floor_for_this_transaction()
            cursor.execute(
                _POSTGRES_SIMILAR_SQL,
                [
                    text,
                    " ".join(sorted(similarity.STOP_WORDS)),
                    session.pk,
                    Post.Status.PUBLISHED.value,
                    SIMILAR_LIMIT,
                ],
            )
            best_five = cursor.fetchall()
        return [
            SimilarQuestion(pk, body, votes, round(score, 4))
            for pk, body, votes, score in best_five
            if score >= threshold
        ]
    best = sorted(
        (found for found in _stems_scored(session, text) if found.score >= threshold),
        key=lambda found: (-found.score, -found.votes, found.id),
    )
    return best[:SIMILAR_LIMIT]


def similarity_scores(session: Session, text: str) -> dict[int, float]:
    """Every candidate question's score against `text`, by id, however low: what the labelled
    pairs are measured with (similar_questions offers those from similar_threshold())."""
    if connection.vendor == "postgresql":
        return dict(_postgres_scored(session, text).values_list("pk", "score"))
    return {found.id: found.score for found in _stems_scored(session, text)}


DUPLICATE_PAIRS_SHOWN = 20


@dataclass(frozen=True)
class DuplicatePair:
    """Two questions of a session that look alike: `duplicate` (the later) and `original`."""

    duplicate: Post
    original: Post
    score: float


def mergeable_questions(session: Session) -> list[Post]:
    """Published questions not merged into another, in the order asked (what may be merged,
    and what into)."""
    return list(
        session.posts.filter(parent=None, status=Post.Status.PUBLISHED, merged_into=None)
        .select_related("author")
        .order_by("created_at", "id")
    )


# Each later question against each earlier one, scored as _postgres_scored does. The earlier
# ones are found through the GIN trigram index alone (`%>`, from the least word_similarity a
# pair above the threshold has), then filtered: 1,000 questions would otherwise be 500,000
# comparisons (10 s here). OFFSET 0 keeps the filters out of the subquery, where the planner
# would reach the questions through the session's or another index whenever its statistics
# think the session small (a session filled since the last ANALYZE), and compare them all.
_PAIR_SCORE = _score_sql("later.similarity_terms", "earlier.similarity_terms")
_POSTGRES_PAIRS_SQL = f"""
SELECT later.id, earlier.id, {_PAIR_SCORE} AS score
FROM {Post._meta.db_table} later
CROSS JOIN LATERAL (
  SELECT alike.id, alike.session_id, alike.created_at, alike.parent_id, alike.status,
         alike.merged_into_id, alike.similarity_terms
  FROM {Post._meta.db_table} alike
  WHERE alike.similarity_terms %%> later.similarity_terms
  OFFSET 0
) earlier
WHERE later.session_id = %s AND earlier.session_id = later.session_id
  AND (earlier.created_at, earlier.id) < (later.created_at, later.id)
  AND later.parent_id IS NULL AND earlier.parent_id IS NULL
  AND later.status = %s AND earlier.status = %s
  AND later.merged_into_id IS NULL AND earlier.merged_into_id IS NULL
  AND {_PAIR_SCORE} >= %s
ORDER BY score DESC, later.id, earlier.id
LIMIT %s
"""


def _postgres_pairs(session_id: int) -> list[tuple[int, int, float]]:
    """The session's mergeable questions (as mergeable_questions picks them) alike enough."""
    published = Post.Status.PUBLISHED.value
    with transaction.atomic(), connection.cursor() as cursor:
        _trigram_floor_for_this_transaction()
        cursor.execute(
            _POSTGRES_PAIRS_SQL,
            [
                session_id,
                published,
                published,
                similarity.POSTGRES_THRESHOLD,
                DUPLICATE_PAIRS_SHOWN,
            ],
        )
        return [(later, earlier, round(score, 4)) for later, earlier, score in cursor.fetchall()]


def suggested_duplicates(questions: list[Post]) -> list[DuplicatePair]:
    """Pairs among `questions` (mergeable_questions) alike enough to be offered as duplicates
    (the score similar_questions uses, each later question against each earlier one), best
    first. On PostgreSQL one query (with its transaction); elsewhere none, a pair of stem sets
    per comparison."""
    if connection.vendor == "postgresql":
        if len(questions) < 2:
            return []
        by_id = {question.pk: question for question in questions}
        return [
            DuplicatePair(by_id[later], by_id[earlier], score)
            for later, earlier, score in _postgres_pairs(questions[0].session_id)
            # Both were in `questions`, not asked since they were read.
            if later in by_id and earlier in by_id
        ]
    terms = [_terms_of(question.pk, question.body) for question in questions]
    pairs = [
        DuplicatePair(questions[later], questions[earlier], score)
        for later in range(len(questions))
        for earlier in range(later)
        if (score := similarity.score(terms[later], terms[earlier])) >= similarity.STEMS_THRESHOLD
    ]
    pairs.sort(key=lambda pair: (-pair.score, pair.duplicate.pk, pair.original.pk))
    return pairs[:DUPLICATE_PAIRS_SHOWN]


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


@functools.cache
def table_and_columns(model: type[Model]) -> dict[str, str]:
    """A model's quoted table name (under "") and column names by field name, for SQL."""
    quote = connection.ops.quote_name
    names = {"": quote(model._meta.db_table)}
    for field in model._meta.concrete_fields:
        names[field.name] = quote(field.column)
    return names


@dataclass(frozen=True)
class ViewerFacts:
    """What the session page needs to know about its signed-in reader, read in one query."""

    voted: frozenset[int]  # ids of the questions this reader upvoted
    moderates: bool  # staff, or a moderator of the session's municipality
    banned: bool  # a ban in force in the municipality (selectors.active_ban has it whole)
    has_unpublished: bool  # own pending, hidden or rejected posts (own_unpublished_posts)
    reminded: bool  # asked to be reminded of this session by e-mail (services.reminders)


NO_VIEWER = ViewerFacts(
    voted=frozenset(), moderates=False, banned=False, has_unpublished=False, reminded=False
)


def viewer_facts(
    user: AbstractBaseUser | AnonymousUser, session: Session, now: datetime
) -> ViewerFacts:
    """The reader's votes, moderator role, ban, unpublished posts and reminder in this session:
    one query instead of five, as every signed-in page load asks them (issue 18).

    Written out in SQL: Django composing the same UNION from four querysets cost about 1.5 ms
    of CPU a page load, as much as the rest of the page's reads together. The ban's condition
    is Ban.active_q's."""
    if not user.is_authenticated:
        return NO_VIEWER
    vote, post, moderator, ban, reminder = (
        table_and_columns(model) for model in (Vote, Post, Moderator, Ban, Reminder)
    )
    sql = f"""
        SELECT 'vote', v.{vote["post"]} FROM {vote[""]} v
          JOIN {post[""]} p ON p.{post["id"]} = v.{vote["post"]}
          WHERE v.{vote["user"]} = %s AND p.{post["session"]} = %s
        UNION ALL
        SELECT 'moderator', m.{moderator["id"]} FROM {moderator[""]} m
          WHERE m.{moderator["user"]} = %s AND m.{moderator["municipality"]} = %s
        UNION ALL
        SELECT 'ban', b.{ban["id"]} FROM {ban[""]} b
          WHERE b.{ban["user"]} = %s AND b.{ban["municipality"]} = %s
            AND b.{ban["lifted_at"]} IS NULL
            AND (b.{ban["ends_at"]} IS NULL OR b.{ban["ends_at"]} > %s)
        UNION ALL
        SELECT 'unpublished', o.{post["id"]} FROM {post[""]} o
          WHERE o.{post["session"]} = %s AND o.{post["author"]} = %s AND o.{post["status"]} <> %s
        UNION ALL
        SELECT 'reminder', r.{reminder["id"]} FROM {reminder[""]} r
          WHERE r.{reminder["user"]} = %s AND r.{reminder["session"]} = %s
    """
    municipality_id = session.municipality_id
    params = [
        *(user.pk, session.pk),
        *(user.pk, municipality_id),
        *(user.pk, municipality_id, connection.ops.adapt_datetimefield_value(now)),
        *(session.pk, user.pk, Post.Status.PUBLISHED.value),
        *(user.pk, session.pk),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    facts: dict[str, list[int]] = {
        "vote": [],
        "moderator": [],
        "ban": [],
        "unpublished": [],
        "reminder": [],
    }
    for fact, pk in rows:
        facts[fact].append(pk)
    return ViewerFacts(
        voted=frozenset(facts["vote"]),
        moderates=bool(user.is_staff or facts["moderator"]),
        banned=bool(facts["ban"]),
        has_unpublished=bool(facts["unpublished"]),
        reminded=bool(facts["reminder"]),
    )


def reminded_session_ids(
    user: AbstractBaseUser | AnonymousUser, sessions: list[Session]
) -> set[int]:
    """Which of `sessions` the user asked to be reminded of (the home page's buttons)."""
    if not user.is_authenticated or not sessions:
        return set()
    return set(
        Reminder.objects.filter(user=user, session__in=sessions).values_list(
            "session_id", flat=True
        )
    )


# Moderation ---------------------------------------------------------------------------------

REMOVED_STATUSES = (Post.Status.HIDDEN, Post.Status.REJECTED)


def active_ban(
    user: AbstractBaseUser | AnonymousUser, municipality_id: int, now: datetime
) -> Ban | None:
    """The ban in force for this user in this municipality at `now`, if any."""
    if not user.is_authenticated:
        return None
    # Asked on every post, vote and ballot, and nearly always answered no: the short question
    # first, the ban itself only when there is one.
    if not banned_now(user.pk, municipality_id, now):
        return None
    bans = Ban.objects.filter(Ban.active_q(now), user=user, municipality_id=municipality_id)
    return bans.order_by("-created_at").first()


def banned_now(user_id: int, municipality_id: int, now: datetime) -> bool:
    """Whether a ban is in force for the user in the municipality at `now`.

    Ban.active_q, written out in SQL: a storm's ballots each ask it, and the ORM's building of
    the query cost five times the query itself (a fifth of a ballot). tests/test_moderation.py holds
    the two to the same answers.
    """
    table = connection.ops.quote_name(Ban._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE user_id = %s AND municipality_id = %s "
            "AND lifted_at IS NULL AND (ends_at IS NULL OR ends_at > %s) LIMIT 1",
            [user_id, municipality_id, connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.fetchone() is not None


def banned_everywhere(user: AbstractBaseUser, now: datetime) -> bool:
    """Whether a ban is in force for the user in every municipality at `now`: anyone may take
    part in any municipality's sessions, so only then is there nowhere left to act."""
    banned_in = Ban.objects.filter(Ban.active_q(now), user=user).values("municipality_id")
    return not Municipality.objects.exclude(pk__in=banned_in).exists()


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
    return session.posts.select_related("author__verified_identity", "politician", "parent")


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
    One query at most, none for staff: every signed-in request asks (SecondFactorMiddleware),
    so it is written out in SQL, which costs a tenth of the CPU of the ORM composing it.
    """
    if not user.is_authenticated:
        return False
    if settings.TOWNHALL_REQUIRE_STAFF_2FA and (user.is_staff or user.is_superuser):
        return True
    app, moderator = table_and_columns(TOTPDevice), table_and_columns(Moderator)
    sql = f"SELECT 1 FROM {app['']} WHERE {app['user']} = %s AND {app['confirmed']}"
    params = [user.pk]
    if settings.TOWNHALL_REQUIRE_STAFF_2FA:
        sql += f" UNION ALL SELECT 1 FROM {moderator['']} WHERE {moderator['user']} = %s"
        params.append(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT 1", params)
        return cursor.fetchone() is not None


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


# Calendars (issue 15) -------------------------------------------------------------------------

# A municipality's calendar feed keeps sessions that ended up to this long ago.
CALENDAR_PAST = timedelta(days=90)


def municipality_by_slug(slug: str) -> Municipality:
    """The municipality, or 404."""
    return get_or_404(Municipality, slug=slug)


def sessions_for_calendar(municipality: Municipality, now: datetime) -> QuerySet[Session]:
    """The municipality's upcoming and recent sessions (ended in the last CALENDAR_PAST),
    cancelled ones included (their entries must say so), soonest first; one query."""
    return (
        municipality.sessions.filter(ends_at__gte=now - CALENDAR_PAST)
        .select_related("municipality")
        .order_by("starts_at", "id")
    )


def municipalities_by_name() -> QuerySet[Municipality]:
    return Municipality.objects.order_by("name", "id")


# Notifications and one's own questions ---------------------------------------------------------

NOTIFICATIONS_SHOWN = 100


def notifications_of(user: AbstractBaseUser | AnonymousUser) -> list[Notification]:
    """The user's newest notifications, unread and read, with what they are about (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        Notification.objects.filter(user=user)
        .select_related("session", "post", "post__merged_into")
        .order_by("-created_at", "-id")[:NOTIFICATIONS_SHOWN]
    )


# The header's unread count is asked on every signed-in page load: kept in Django's cache (Redis
# in production), forgotten by the services that change it (forget_unread_count), and at most
# this old when a change comes from a process with another cache (a cron command, embedded mode).
UNREAD_KEY_PREFIX = "notifications-unread"
UNREAD_CACHE_SECONDS = 60


def unread_count_key(user_id: int) -> str:
    return f"{UNREAD_KEY_PREFIX}:{user_id}"


def unread_notification_count(user: AbstractBaseUser | AnonymousUser) -> int:
    """How many of the user's notifications are unread: no query while it is cached."""
    if not user.is_authenticated:
        return 0
    key = unread_count_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(user=user, read_at=None).count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return count


def forget_unread_count(user_id: int) -> None:
    """The next page counts the user's unread notifications again. Called inside the changing
    transaction: a page read before its commit may cache the old count, for
    UNREAD_CACHE_SECONDS at most (an after-commit callback would close that gap, at the price
    of one more callback per answer)."""
    cache.delete(unread_count_key(user_id))


def posts_with_unread_notifications(user: AbstractBaseUser | AnonymousUser) -> set[int]:
    """The questions the user has unread news of (the "New" marks of their questions' list)."""
    if not user.is_authenticated:
        return set()
    return set(
        Notification.objects.filter(user=user, read_at=None, post__isnull=False).values_list(
            "post_id", flat=True
        )
    )


def questions_of(user: AbstractBaseUser | AnonymousUser) -> list[Post]:
    """The questions the user asked online, newest first, across sessions, each with its session
    (for its fate) and the question it was merged into (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        Post.objects.filter(author=user, parent=None, channel=Post.Channel.ONLINE)
        .select_related("session", "session__municipality", "merged_into")
        .order_by("-created_at", "-id")
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


def poll_for_ballot(poll_id: int) -> Poll:
    """The poll a ballot is cast in, with its session and municipality; 404 when there is none.

    Read at most once per TOWNHALL_BALLOT_POLL_SECONDS in each process, and shared by the
    ballots of that moment (services.cast_ballot does not change it): in a storm, reading it for
    each ballot cost a fifth of the ballot. Nothing that decides a ballot goes stale with it. A
    poll's kind, options and settings never change; whether it is open is the database's answer
    under the poll's row lock, and closing a session closes its polls there. What may be up to
    that second old is the session's times and the municipality's verified-only setting: a
    ballot judged by them is judged as if it had come that moment earlier.
    """
    seconds = settings.TOWNHALL_BALLOT_POLL_SECONDS
    now = time.monotonic()
    kept = _ballot_polls.get(poll_id)
    if kept is not None and now - kept[0] < seconds:
        return kept[1]
    poll = get_or_404(Poll.objects.select_related("session__municipality"), pk=poll_id)
    if seconds > 0:
        if len(_ballot_polls) >= 1024:  # polls of a past moment: bounded, not tidied
            _ballot_polls.clear()
        _ballot_polls[poll_id] = (now, poll)
    return poll


def forget_ballot_polls() -> None:
    """Forget the polls poll_for_ballot keeps (tests: rolled back, a poll's id comes again)."""
    _ballot_polls.clear()


# poll id -> (when it was read, time.monotonic(); the poll)
_ballot_polls: dict[int, tuple[float, Poll]] = {}


def poll_option_ids(poll: Poll) -> tuple[int, ...]:
    """The poll's option ids in their order, read once per process: a poll's options never
    change after it is created (polls are not edited), and a storm's ballots each need them."""
    return _stored_option_ids(poll.pk, poll.created_at)


# Keyed by the poll's creation too, so an id that a rolled-back poll had and a new one got
# again (SQLite's sequence is rolled back with the transaction) is never mistaken for it.
@functools.lru_cache(maxsize=1024)
def _stored_option_ids(poll_id: int, created_at: datetime) -> tuple[int, ...]:
    return tuple(PollOption.objects.filter(poll_id=poll_id).values_list("pk", flat=True))


def poll_counts(
    poll: Poll, stored: dict[str, int] | None = None, option_ids: Sequence[int] | None = None
) -> dict[str, int]:
    """Counts per answer: every option (or scale value) in order, zeros included; a word
    cloud's words most frequent first. Words held by a watched word are left out. `stored`:
    the poll's published tallies when already read (see polls_results); `option_ids`: the
    options' ids when known (poll_option_ids), else the poll's options are read."""
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
        if option_ids is None:
            option_ids = [option.pk for option in poll.options.all()]
        keys = [str(pk) for pk in option_ids]
    return {key: stored.get(key, 0) for key in keys}


def poll_results(poll: Poll) -> PollResultsPayload:
    return poll_results_payload(poll, poll_counts(poll))


def poll_results_now(poll: Poll) -> PollResultsPayload:
    """The poll's results as committed now, read in one query: its tallies with the voter
    count beside each, one snapshot, so the counts and the voters agree. With no published
    tally yet, the voters are the poll's as the caller has it."""
    rows = list(
        PollTally.objects.filter(poll=poll, held=False).values_list(
            "key", "count", "poll__voter_count"
        )
    )
    stored = {key: count for key, count, _voters in rows}
    voters = rows[0][2] if rows else None
    return poll_results_payload(poll, poll_counts(poll, stored, poll_option_ids(poll)), voters)


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
