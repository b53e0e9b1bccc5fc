"""The questions of the session page, read once per session state and rendered once per look.

A signed-in page cannot be shared whole (it carries the reader's votes, their own posts, their
forms), but almost all of it is the same for every reader:
- the published questions with their replies and payloads change only with an event or when
  the follow-up period ends (open questions become unanswered: their fate), so they are read
  once per session `seq` and follow-up state in each process (a `Snapshot`);
- one question's markup depends on the question itself (its payload, so a new vote count, reply
  or name gives a new version) and on a handful of facts about the reader: signed in or not,
  may mark answered, may put on air, the panel politician they speak for, whether the session
  takes posts, whether the panel still answers (the follow-up period), whether they voted for
  it, and whether the thread holds a post of theirs. Rendered once per such combination, kept
  in this process, and joined for each reader.
Form tokens are rendered as a placeholder and replaced by the reader's own token on the page.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import prefetch_related_objects
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .. import events, selectors
from ..models import Politician, Poll, Post, Session
from ..payloads import QuestionPayload, TallyPayload, question_payload
from .page_cache import LOCAL_TIMEOUT_SECONDS, TOKEN_SLOT, LocalCache

SNAPSHOTS = 32
ARTICLES = 10_000  # 2-4 KB each: 200 questions in their common looks, and readers' own variants


@dataclass(frozen=True)
class Snapshot:
    """A session's published questions at one seq, in one ordering. Shared between requests
    and threads: read it, never change it."""

    questions: tuple[Post, ...]
    payloads: tuple[QuestionPayload, ...]
    versions: tuple[str, ...]  # a digest of each question's payload
    authors: tuple[frozenset[int], ...]  # who wrote the question and each of its replies
    tally: TallyPayload  # what moderators removed (a change is an event too)
    payloads_json: bytes  # the payloads as UTF-8 JSON, escaped for a <script> element
    key: tuple[object, ...]  # what it was read for: session, seq, follow-up state, ordering

    @functools.cached_property
    def positions(self) -> dict[int, int]:
        """Each question's place in `questions`, by id."""
        return {question.pk: n for n, question in enumerate(self.questions)}

    @functools.cached_property
    def written_by(self) -> dict[int, tuple[int, ...]]:
        """The places of the questions whose thread holds a post of each author, by user id."""
        places: dict[int, list[int]] = {}
        for n, authors in enumerate(self.authors):
            for author in authors:
                places.setdefault(author, []).append(n)
        return {author: tuple(found) for author, found in places.items()}


@dataclass(frozen=True)
class Reader:
    """The reader, as far as a question's markup depends on them."""

    user_id: int | None
    voted: frozenset[int]
    can_mark_answered: bool
    can_put_on_air: bool
    politician: Politician | None
    accepts_posts: bool
    accepts_answers: bool  # the panel answers: the follow-up period is not over


snapshots: LocalCache[Snapshot] = LocalCache(SNAPSHOTS, LOCAL_TIMEOUT_SECONDS)
articles: LocalCache[tuple[bytes, ...]] = LocalCache(ARTICLES, LOCAL_TIMEOUT_SECONDS * 6)
# Every question's article as readers of one look who voted for none and wrote none see them.
everyones_articles: LocalCache[tuple[tuple[bytes, ...], ...]] = LocalCache(
    SNAPSHOTS, LOCAL_TIMEOUT_SECONDS
)
blanks: LocalCache[SafeString] = LocalCache(SNAPSHOTS, LOCAL_TIMEOUT_SECONDS * 6)


states: LocalCache[Session] = LocalCache(SNAPSHOTS, LOCAL_TIMEOUT_SECONDS)
panels: LocalCache[tuple[Politician, ...]] = LocalCache(SNAPSHOTS, LOCAL_TIMEOUT_SECONDS)
polls: LocalCache[tuple[Poll, ...]] = LocalCache(SNAPSHOTS, LOCAL_TIMEOUT_SECONDS)


def session_at_newest_seq(session_id: int) -> Session:
    """The session with its municipality as of its newest committed seq, or 404. Every change
    to a session is an event, so its row is read once per seq in each process: the seq comes
    from events.published_seq (the cache) when known, else with the row from the database.
    Shared between requests and threads: read it, never change it."""
    seq = events.published_seq(session_id)
    if seq is not None:
        found = states.get((session_id, seq))
        if found is not None:
            return found
    session = selectors.session_for_page(session_id)
    events.publish_seq(session.pk, session.last_seq, only_if_unknown=True)
    states.put((session.pk, session.last_seq), session)
    return session


def session_with_panel(session_id: int) -> Session:
    """The session (its `last_seq` says which state to show) with its panel as of that seq, or
    404. The panel changes only through services.update_session, which records an event, so it
    is read once per seq in each process instead of once per page load."""
    session = session_at_newest_seq(session_id)
    key = (session.pk, session.last_seq)
    panel = panels.get(key)
    if panel is None:
        prefetch_related_objects([session], "politicians")
        panels.put(key, tuple(session.politicians.all()))
    else:
        # What prefetch_related_objects leaves behind, so session.politicians.all() (the
        # selectors and the templates) reads this panel without a query.
        politicians = session.politicians.all()
        politicians._result_cache = list(panel)
        politicians._prefetch_done = True
        session._prefetched_objects_cache = {"politicians": politicians}
    return session


def polls_at_seq(session: Session) -> tuple[Poll, ...]:
    """The session's polls that are not drafts, oldest first, with their options, as of its
    `last_seq`: they change only by opening and closing, which are events, so they are read
    once per seq in each process. Shared between requests and threads: read them, never change
    them. (Their results change with every ballot: selectors.polls_results reads those.)"""
    key = (session.pk, session.last_seq)
    found = polls.get(key)
    if found is None:
        found = tuple(selectors.session_polls(session, with_drafts=False))
        polls.put(key, found)
    return found


def snapshot(session: Session, ordering: str, now: datetime) -> Snapshot:
    """The published questions of `session` as of its `last_seq` and follow-up state at `now`
    (their fates), and the moderation tally (3 queries when not cached)."""
    key = (session.pk, session.last_seq, session.follow_up_over_at(now), ordering)

    def read() -> Snapshot:
        questions = tuple(selectors.published_questions(session, ordering))
        payloads = tuple(question_payload(q, q.published_replies, now) for q in questions)
        return Snapshot(
            questions=questions,
            payloads=payloads,
            versions=tuple(version_of(payload) for payload in payloads),
            authors=tuple(
                frozenset([q.author_id, *(reply.author_id for reply in q.published_replies)])
                for q in questions
            ),
            tally=selectors.moderation_tally(session),
            payloads_json=script_json(list(payloads)).encode(),
            key=key,
        )

    return snapshots.get_or_make(key, read)


# As Django's json_script escapes: nothing in the JSON can close the <script> element.
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def script_json(value: object) -> str:
    """`value` as JSON that may stand inside a <script type="application/json"> element."""
    return json.dumps(value, cls=DjangoJSONEncoder).translate(SCRIPT_ESCAPES)


def version_of(payload: QuestionPayload) -> str:
    encoded = json.dumps(payload, cls=DjangoJSONEncoder, sort_keys=True).encode()
    return hashlib.blake2b(encoded, digest_size=12).hexdigest()


def look_of(reader: Reader) -> tuple[object, ...]:
    """What a question's markup depends on besides the question: the same for many readers."""
    politician = reader.politician
    return (
        get_language(),
        reader.user_id is not None,
        reader.can_mark_answered,
        reader.can_put_on_air,
        (politician.pk, politician.name, politician.role) if politician else None,
        reader.accepts_posts,
        reader.accepts_answers,
    )


TOKEN = TOKEN_SLOT.encode()


def cached_article(key: Hashable, render: Callable[[], str]) -> tuple[bytes, ...]:
    # Kept as UTF-8, split where the reader's form token goes: a page joins 200 of them, and
    # encoding the whole page again, or searching it for the token, per reader would cost more
    # than the rest of the join.
    article = articles.get(key)
    if article is None:
        article = tuple(render().encode().split(TOKEN))
        articles.put(key, article)
    return article


def question_articles(
    shown: Snapshot,
    reader: Reader,
    render: Callable[[Post], str],
    *,
    alone: Collection[int] = (),
) -> list[tuple[bytes, ...]]:
    """The questions' <article>s for this reader, each in UTF-8 pieces to be joined with the
    reader's form token (`token.join(pieces)`). Each is rendered by `render` only when no reader
    with the same look has had it yet; those in `alone` for this reader alone.

    Most of a reader's articles are those of every reader with their look (not voted for, no
    post of theirs in the thread): that list is put together once per snapshot and look, and
    only the reader's own few are looked up for each page."""
    look = look_of(reader)

    def article(n: int, voted: bool, author: int | None) -> tuple[bytes, ...]:
        question = shown.questions[n]
        key = (question.pk, shown.versions[n], look, voted, author)
        return cached_article(key, functools.partial(render, question))

    common = everyones_articles.get_or_make(
        (shown.key, look),
        lambda: tuple(article(n, False, None) for n in range(len(shown.questions))),
    )
    own = shown.written_by.get(reader.user_id, ()) if reader.user_id is not None else ()
    voted = [shown.positions[pk] for pk in reader.voted if pk in shown.positions]
    if not own and not voted and not alone:
        return list(common)
    found = list(common)
    for n in {*own, *voted}:
        question = shown.questions[n]
        author = reader.user_id if n in own else None
        found[n] = article(n, question.pk in reader.voted, author)
    for pk in alone:
        if pk in shown.positions:
            found[shown.positions[pk]] = tuple(
                render(shown.questions[shown.positions[pk]]).encode().split(TOKEN)
            )
    return found


def blank_articles(reader: Reader, render: Callable[[str], str]) -> dict[str, SafeString]:
    """The empty question, reply and own post that the live page clones for new posts, once
    per look (`render(name)` renders the one named)."""
    look = look_of(reader)
    found = {}
    for name in ("question", "reply", "own_post"):
        key = (name, look)
        blank = blanks.get(key)
        if blank is None:
            blank = mark_safe(render(name))
            blanks.put(key, blank)
        found[name] = blank
    return found
