"""Statistics for staff: one session's report and a municipality's month-by-month overview.

Every figure comes from aggregate queries (GROUP BY in the database); Python only walks the
grouped rows (one per citizen, politician, answered question or minute), never every post, so a
report costs the same handful of queries whatever the session's size.

Counting rules, the same everywhere (page, API, CSV, XLSX, command):
- A comment is a published post, question or reply. Hidden and rejected posts are counted apart
  as ``removed_comments``, posts awaiting approval as ``pending_comments``; neither is mixed in.
- Each post is classified by itself: a post with ``Post.politician`` set was written as a
  politician, any other as a citizen. A citizen who later joins a panel counts as a citizen for
  the posts written before and as a politician for those written after.
- Votes count on published questions only.
- People are named as the session page names them: a politician by their name, a citizen by their
  full name, or their username when they have none; never by e-mail. ``pseudonymise=True``
  replaces citizens' names with stable pseudonyms (see ``citizen_pseudonym``). Politicians keep
  their names: they speak in public office.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import statistics
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, Count, F, FloatField, Func, Min, Q, Value, When
from django.db.models.functions import TruncMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Municipality, Poll, PollOption, PollTally, Post, Session, Vote
from .payloads import display_name
from .selectors import get_or_404

PUBLISHED = Post.Status.PUBLISHED
REMOVED = (Post.Status.HIDDEN, Post.Status.REJECTED)
# A question a moderator entered for someone in the room or on the phone is not a citizen
# account's: it counts under its channel only (questions_room, questions_phone).
AS_CITIZEN = Q(politician__isnull=True, channel=Post.Channel.ONLINE)
AS_POLITICIAN = Q(politician__isnull=False)
QUESTION = Q(parent__isnull=True)
REPLY = Q(parent__isnull=False)
# The most active tenth of citizens, for "breadth".
TOP_SHARE = 0.10


class MinuteUTC(TruncMinute):
    """TruncMinute in UTC. On SQLite, Django truncates through a Python function called once per
    row (1.5 s for 100,000 posts); SQLite's own strftime gives the same minute, stored in UTC."""

    def __init__(self, expression: str) -> None:
        super().__init__(expression, tzinfo=UTC)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.lhs)
        return f"strftime('%%Y-%%m-%%d %%H:%%M:00', {sql})", params


class SecondsBetween(Func):
    """Seconds from ``start`` to ``end``, computed by the database: subtracting datetimes in the
    ORM calls a Python function per row on SQLite."""

    output_field = FloatField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        end, start = self.source_expressions
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return (
            f"CAST(EXTRACT(EPOCH FROM ({end_sql} - {start_sql})) AS double precision)",
            [*end_params, *start_params],
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        end, start = self.source_expressions
        end_sql, end_params = compiler.compile(end)
        start_sql, start_params = compiler.compile(start)
        return (
            f"((julianday({end_sql}) - julianday({start_sql})) * 86400.0)",
            [*end_params, *start_params],
        )


class CitizenRow(TypedDict):
    name: str
    comments: int
    questions: int
    replies: int
    replies_to_citizens: int
    votes_received: int
    returning: bool


class PoliticianRow(TypedDict):
    name: str
    party: str
    role: str
    comments: int
    questions_answered: int
    median_response_seconds: int | None


class MinuteRow(TypedDict):
    minute: str
    offset: int
    citizens: int
    politicians: int


def citizen_pseudonym(user_id: int) -> str:
    """A stable pseudonym, e.g. "Citizen 1a2b3c4d" ("Borger 1a2b3c4d" in Danish).

    An HMAC-SHA256 of the user id keyed with SECRET_KEY: the same citizen gets the same pseudonym
    in every export and every session (so returning citizens stay recognisable), and no one
    without the key can go back from a pseudonym to the user. Eight hex digits keep collisions
    unlikely (about 0.3% for 5,000 citizens).
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"townhall-report:{user_id}".encode(), hashlib.sha256
    ).hexdigest()
    return _("Citizen %(code)s") % {"code": digest[:8]}


def _median_seconds(values: list[float]) -> int | None:
    return round(statistics.median(values)) if values else None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def load_session(session_id: int) -> Session:
    return get_or_404(Session.objects.select_related("municipality"), pk=session_id)


def session_report(session: Session, *, pseudonymise: bool = False) -> dict[str, Any]:
    """The statistics of one session, as JSON-ready data.

    Keys: ``session``, ``generated_at``, ``pseudonymised``, ``totals`` (flat figures),
    ``per_citizen``, ``per_politician``, ``timeline`` (every minute of the session, citizens and
    politicians apart), ``polls`` (totals per answer). Twelve queries once the session and its
    municipality are loaded (load_session), whatever the size of the session.
    """
    posts = Post.objects.filter(session=session)
    published = posts.filter(status=PUBLISHED)

    counts = posts.aggregate(
        citizen_comments=Count("pk", filter=Q(status=PUBLISHED) & AS_CITIZEN),
        politician_comments=Count("pk", filter=Q(status=PUBLISHED) & AS_POLITICIAN),
        politicians=Count("politician", distinct=True, filter=Q(status=PUBLISHED)),
        questions=Count("pk", filter=Q(status=PUBLISHED) & QUESTION),
        citizen_questions=Count("pk", filter=Q(status=PUBLISHED) & QUESTION & AS_CITIZEN),
        replies=Count("pk", filter=Q(status=PUBLISHED) & REPLY),
        answered_questions=Count("pk", filter=Q(status=PUBLISHED, is_answered=True) & QUESTION),
        answered_afterwards=Count(
            "pk", filter=Q(status=PUBLISHED) & session.answered_later_q() & QUESTION
        ),
        questions_online=Count(
            "pk", filter=Q(status=PUBLISHED, channel=Post.Channel.ONLINE) & QUESTION
        ),
        questions_room=Count(
            "pk", filter=Q(status=PUBLISHED, channel=Post.Channel.ROOM) & QUESTION
        ),
        questions_phone=Count(
            "pk", filter=Q(status=PUBLISHED, channel=Post.Channel.PHONE) & QUESTION
        ),
        questions_on_air=Count(
            "pk", filter=Q(status=PUBLISHED, first_on_air_at__isnull=False) & QUESTION
        ),
        removed_comments=Count("pk", filter=Q(status__in=REMOVED)),
        pending_comments=Count("pk", filter=Q(status=Post.Status.PENDING)),
    )
    # Votes are on questions; looking them up from the session's questions is the quick way.
    votes = Vote.objects.filter(post__in=published.filter(QUESTION)).count()

    per_citizen, citizen_ids = _per_citizen(session, published, pseudonymise)
    per_politician, first_answers = _per_politician(session, published)
    timeline = _timeline(session, published)
    _start, length = session_minutes(session)

    citizen_comments = counts["citizen_comments"]
    top = math.ceil(len(per_citizen) * TOP_SHARE)
    top_comments = sum(row["comments"] for row in per_citizen[:top])
    returning = sum(1 for row in per_citizen if row["returning"])
    questions = counts["questions"]
    answered = counts["answered_questions"]
    totals = {
        "citizen_comments": citizen_comments,
        "citizens": len(citizen_ids),
        "politician_comments": counts["politician_comments"],
        "politicians": counts["politicians"],
        "comments": citizen_comments + counts["politician_comments"],
        "questions": questions,
        "citizen_questions": counts["citizen_questions"],
        "replies": counts["replies"],
        "answered_questions": answered,
        "answer_rate": round(answered / questions, 4) if questions else None,
        "questions_answered_live": answered - counts["answered_afterwards"],
        "questions_answered_afterwards": counts["answered_afterwards"],
        "questions_not_answered": questions - answered,
        "questions_online": counts["questions_online"],
        "questions_room": counts["questions_room"],
        "questions_phone": counts["questions_phone"],
        "questions_with_politician_reply": len(first_answers),
        "questions_on_air": counts["questions_on_air"],
        "median_first_answer_seconds": _median_seconds(list(first_answers.values())),
        "votes": votes,
        "citizen_replies_to_citizens": sum(row["replies_to_citizens"] for row in per_citizen),
        "first_time_citizens": len(per_citizen) - returning,
        "returning_citizens": returning,
        "top_citizens": top,
        "top_citizens_comment_share": (
            round(top_comments / citizen_comments, 4) if citizen_comments else None
        ),
        "comments_before_start": sum(
            row["citizens"] + row["politicians"] for row in timeline if row["offset"] < 0
        ),
        "comments_after_end": sum(
            row["citizens"] + row["politicians"] for row in timeline if row["offset"] >= length
        ),
        "removed_comments": counts["removed_comments"],
        "pending_comments": counts["pending_comments"],
    }
    return {
        "session": {
            "id": session.pk,
            "title": session.title,
            "municipality": session.municipality.name,
            "municipality_slug": session.municipality.slug,
            "starts_at": _iso(session.starts_at),
            "ends_at": _iso(session.ends_at),
        },
        "generated_at": _iso(timezone.now()),
        "pseudonymised": pseudonymise,
        "totals": totals,
        "per_citizen": per_citizen,
        "per_politician": per_politician,
        "timeline": timeline,
        "polls": _polls(session),
    }


class PollAnswerRow(TypedDict):
    answer: str  # an option's text, a scale value or a normalised word
    count: int


class PollRow(TypedDict):
    id: int
    question: str
    kind: str
    status: str
    results: str
    secret: bool
    voters: int
    # Signed-in viewers when the poll closed, and voters as a share of them (0 to 1, may pass 1
    # when some voted without watching); None when not known or nobody watched signed in.
    signed_in_viewers: int | None
    turnout: float | None
    opened_at: str | None
    closed_at: str | None
    answers: list[PollAnswerRow]


def turnout_of(voters: int, signed_in_viewers: int | None) -> float | None:
    """Voters as a share of the signed-in viewers when the poll closed (4 decimals)."""
    if not signed_in_viewers:
        return None
    return round(voters / signed_in_viewers, 4)


def _polls(session: Session) -> list[PollRow]:
    """Every poll of the session that was opened, with totals per answer, never a ballot.
    Words held by a watched word are left out, as everywhere. Three queries."""
    polls = list(Poll.objects.filter(session=session).exclude(status=Poll.Status.DRAFT))
    # Read apart, not prefetched, so the count of queries is the same without polls.
    options: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for poll_id, pk, text in PollOption.objects.filter(poll__session=session).values_list(
        "poll_id", "pk", "text"
    ):
        options[poll_id].append((pk, text))
    counted: dict[int, dict[str, int]] = defaultdict(dict)
    tallies = PollTally.objects.filter(poll__session=session, held=False)
    for poll_id, key, count in tallies.values_list("poll_id", "key", "count"):
        counted[poll_id][key] = count
    rows: list[PollRow] = []
    for poll in polls:
        stored = counted[poll.pk]
        if poll.kind == Poll.Kind.WORDS:
            answers = sorted(
                ((key, count) for key, count in stored.items() if count),
                key=lambda item: (-item[1], item[0]),
            )
        elif poll.kind == Poll.Kind.SCALE:
            answers = [
                (str(value), stored.get(str(value), 0))
                for value in range(poll.scale_min, poll.scale_max + 1)
            ]
        else:
            answers = [
                (option.text, stored.get(str(option.pk), 0)) for option in poll.options.all()
            ]
        rows.append(
            {
                "id": poll.pk,
                "question": poll.question,
                "kind": poll.kind,
                "status": poll.status,
                "results": poll.results,
                "secret": poll.secret,
                "voters": poll.voter_count,
                "signed_in_viewers": poll.viewers_at_close,
                "turnout": turnout_of(poll.voter_count, poll.viewers_at_close),
                "opened_at": _iso(poll.opened_at),
                "closed_at": _iso(poll.closed_at),
                "answers": [{"answer": answer, "count": count} for answer, count in answers],
            }
        )
    return rows


def _per_citizen(
    session: Session, published: Any, pseudonymise: bool
) -> tuple[list[CitizenRow], set[int]]:
    """Three queries: comments by author, votes on their questions, who came before."""
    rows = (
        published.filter(AS_CITIZEN)
        .values(
            "author_id",
            "author__first_name",
            "author__last_name",
            "author__username",
            "author__is_active",
        )
        .annotate(
            comments=Count("pk"),
            questions=Count("pk", filter=QUESTION),
            replies=Count("pk", filter=REPLY),
            replies_to_citizens=Count(
                "pk",
                filter=REPLY & Q(parent__politician__isnull=True) & ~Q(parent__author=F("author")),
            ),
        )
        .order_by()
    )
    votes_received = dict(
        Vote.objects.filter(post__in=published.filter(AS_CITIZEN & QUESTION))
        .values_list("post__author_id")
        .annotate(votes=Count("pk"))
        .order_by()
    )
    citizen_posts = published.filter(AS_CITIZEN).values("author_id")
    # Citizens with a published citizen comment in an earlier session of the municipality.
    # "author_id + 0" keeps SQLite off the author index: through it, SQLite visits every post
    # these citizens ever wrote (0.4 s at 100,000 posts); without it, it reads the earlier
    # sessions' posts from the covering index (milliseconds).
    returning_ids = set(
        Post.objects.annotate(author_unindexed=F("author_id") + Value(0))
        .filter(
            AS_CITIZEN,
            status=PUBLISHED,
            session__in=Session.objects.filter(
                municipality_id=session.municipality_id, starts_at__lt=session.starts_at
            ).values("pk"),
            author_unindexed__in=citizen_posts,
        )
        .values_list("author_id", flat=True)
        .order_by()
        .distinct()
    )
    result: list[tuple[int, CitizenRow]] = []
    for row in rows:
        # The session page's rule (payloads.display_name), on an unsaved user built from the row:
        # full name, else username; a deleted account is "deleted user".
        author = get_user_model()(
            pk=row["author_id"],
            first_name=row["author__first_name"],
            last_name=row["author__last_name"],
            username=row["author__username"],
            is_active=row["author__is_active"],
        )
        name = citizen_pseudonym(author.pk) if pseudonymise else display_name(author)
        result.append(
            (
                author.pk,
                {
                    "name": name,
                    "comments": row["comments"],
                    "questions": row["questions"],
                    "replies": row["replies"],
                    "replies_to_citizens": row["replies_to_citizens"],
                    "votes_received": votes_received.get(author.pk, 0),
                    "returning": author.pk in returning_ids,
                },
            )
        )
    result.sort(key=lambda item: (-item[1]["comments"], item[1]["name"], item[0]))
    return [row for _id, row in result], {user_id for user_id, _row in result}


def _per_politician(
    session: Session, published: Any
) -> tuple[list[PoliticianRow], dict[int, float]]:
    """Three queries: the panel, comments by politician, each politician's first reply per
    question. Returns the rows and, per answered question, seconds to its first politician reply.
    """
    rows = {
        row["politician_id"]: row
        for row in published.filter(AS_POLITICIAN)
        .values("politician_id", "politician__name", "politician__party", "politician__role")
        .annotate(
            comments=Count("pk"),
            questions_answered=Count("parent", distinct=True, filter=REPLY),
        )
        .order_by()
    }
    # Panel members who wrote nothing still belong in the report, with zeros.
    for politician in session.politicians.all():
        rows.setdefault(
            politician.pk,
            {
                "politician_id": politician.pk,
                "politician__name": politician.name,
                "politician__party": politician.party,
                "politician__role": politician.role,
                "comments": 0,
                "questions_answered": 0,
            },
        )
    first_replies = (
        published.filter(AS_POLITICIAN & REPLY, parent__status=PUBLISHED)
        .values("politician_id", "parent_id")
        .annotate(seconds=SecondsBetween(Min("created_at"), F("parent__created_at")))
        .order_by()
    )
    response_times: dict[int, list[float]] = defaultdict(list)
    first_answers: dict[int, float] = {}
    for reply in first_replies:
        seconds = max(float(reply["seconds"]), 0.0)
        response_times[reply["politician_id"]].append(seconds)
        previous = first_answers.get(reply["parent_id"])
        first_answers[reply["parent_id"]] = seconds if previous is None else min(previous, seconds)
    result: list[PoliticianRow] = [
        {
            "name": row["politician__name"],
            "party": row["politician__party"],
            "role": row["politician__role"],
            "comments": row["comments"],
            "questions_answered": row["questions_answered"],
            "median_response_seconds": _median_seconds(response_times.get(politician_id, [])),
        }
        for politician_id, row in rows.items()
    ]
    result.sort(key=lambda row: (-row["comments"], row["name"]))
    return result, first_answers


def session_minutes(session: Session) -> tuple[datetime, int]:
    """The first minute (UTC) of a session and how many minutes it has. The end is exclusive:
    a session from 19:00 to 20:00 has the 60 minutes 19:00 to 19:59."""
    start = _minute(session.starts_at)
    if session.ends_at <= session.starts_at:
        return start, 0
    last = _minute(session.ends_at - timedelta(microseconds=1))
    return start, int((last - start).total_seconds() // 60) + 1


def _timeline(session: Session, published: Any) -> list[MinuteRow]:
    """One query: published comments per minute (UTC), citizens and politicians apart.

    Every minute of the session is listed, zeros included, so a chart can draw it as it is.
    Outside the session (questions asked early, answers given days later) only the minutes in
    which something was written are listed, so that a late answer does not add a month of
    empty minutes; ``offset`` (minutes from the start) tells them apart.
    """
    grouped = (
        published.annotate(minute=MinuteUTC("created_at"))
        .values("minute")
        .annotate(
            citizens=Count("pk", filter=AS_CITIZEN),
            politicians=Count("pk", filter=AS_POLITICIAN),
        )
        .order_by("minute")
    )
    by_minute = {_minute(row["minute"]): row for row in grouped}
    start, length = session_minutes(session)
    minutes = set(by_minute) | {start + timedelta(minutes=n) for n in range(length)}
    timeline: list[MinuteRow] = []
    for minute in sorted(minutes):
        row = by_minute.get(minute)
        timeline.append(
            {
                "minute": minute.isoformat(),
                "offset": int((minute - start).total_seconds() // 60),
                "citizens": row["citizens"] if row else 0,
                "politicians": row["politicians"] if row else 0,
            }
        )
    return timeline


def _month(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def municipality_overview(municipality: Municipality) -> dict[str, Any]:
    """A municipality's sessions month by month (by the month a session starts, local time).

    Per month: sessions, citizen and politician comments, distinct citizens and politicians, and
    new citizens (whose first published comment in this municipality was in that month's
    sessions). Also one row per session. Three queries, whatever the number of sessions.
    """
    posts = Post.objects.filter(session__municipality=municipality, status=PUBLISHED)
    sessions = list(
        Session.objects.filter(municipality=municipality)
        .annotate(
            citizen_comments=Count(
                "posts",
                filter=Q(
                    posts__status=PUBLISHED,
                    posts__politician__isnull=True,
                    posts__channel=Post.Channel.ONLINE,
                ),
            ),
            citizens=Count(
                "posts__author",
                distinct=True,
                filter=Q(
                    posts__status=PUBLISHED,
                    posts__politician__isnull=True,
                    posts__channel=Post.Channel.ONLINE,
                ),
            ),
            politician_comments=Count(
                "posts", filter=Q(posts__status=PUBLISHED, posts__politician__isnull=False)
            ),
            politicians_writing=Count(
                "posts__politician", distinct=True, filter=Q(posts__status=PUBLISHED)
            ),
        )
        .order_by("-starts_at")
    )
    per_month: dict[str, dict[str, int]] = {}
    sessions_by_month: dict[str, list[int]] = defaultdict(list)
    for session in sessions:
        sessions_by_month[_month(session.starts_at)].append(session.pk)

    def month_row(month: str) -> dict[str, int]:
        return per_month.setdefault(
            month,
            {
                "sessions": 0,
                "citizen_comments": 0,
                "politician_comments": 0,
                "citizens": 0,
                "new_citizens": 0,
                "politicians": 0,
            },
        )

    for month, session_ids in sessions_by_month.items():
        month_row(month)["sessions"] = len(session_ids)
    # The local month of each post's session, as one CASE over the few sessions: cheaper than
    # truncating every post's session start (a Python function per row on SQLite).
    session_month = Case(
        *(When(session_id__in=ids, then=Value(month)) for month, ids in sessions_by_month.items()),
        default=Value(""),
        output_field=CharField(),
    )
    for row in (
        posts.annotate(month=session_month)
        .values("month")
        .annotate(
            citizen_comments=Count("pk", filter=AS_CITIZEN),
            politician_comments=Count("pk", filter=AS_POLITICIAN),
            citizens=Count("author", distinct=True, filter=AS_CITIZEN),
            politicians=Count("politician", distinct=True),
        )
        .order_by()
    ):
        if not row["month"]:
            # No sessions: the CASE is a constant and the query one row of zeros.
            continue
        target = month_row(row["month"])
        for key in ("citizen_comments", "politician_comments", "citizens", "politicians"):
            target[key] = row[key]
    for row in (
        posts.filter(AS_CITIZEN)
        .values("author_id")
        .annotate(first=Min("session__starts_at"))
        .order_by()
    ):
        month_row(_month(row["first"]))["new_citizens"] += 1

    return {
        "municipality": {"name": municipality.name, "slug": municipality.slug},
        "generated_at": _iso(timezone.now()),
        "months": [
            {"month": month, **figures}
            for month, figures in sorted(per_month.items(), reverse=True)
        ],
        "sessions": [
            {
                "id": session.pk,
                "title": session.title,
                "starts_at": _iso(session.starts_at),
                "citizen_comments": session.citizen_comments,
                "citizens": session.citizens,
                "politician_comments": session.politician_comments,
                "politicians": session.politicians_writing,
            }
            for session in sessions
        ],
    }
