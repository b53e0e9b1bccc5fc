"""Polls: prepare a draft, open it, close it, and cast (or change) a ballot.

One ballot per person per poll is the database's (Ballot's unique constraint); counts are
PollTally rows raised and lowered with F() in the ballot's transaction, under the poll's row
lock, so no count is ever read, changed and written back.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from django import db
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from .. import events
from ..audience import signed_in_viewers
from ..event_loop import loop_of_this_thread, tell_asgiref_the_loop
from ..models import Ballot, Poll, PollOption, PollTally, Session, WatchedKeyword
from ..payloads import PollResultsPayload, poll_payload
from ..selectors import (
    may_create_polls,
    may_run_polls,
    poll_option_ids,
    poll_results,
    poll_results_now,
    results_public,
)
from .common import User, locked, require_signed_in, resolve_now
from .identity import require_verified_to_take_part
from .moderation import matching_keywords, require_not_banned
from .ratelimits import check_rate_limit

logger = logging.getLogger(__name__)

MAX_QUESTION_LENGTH = 300
MAX_OPTION_LENGTH = 200
MAX_OPTIONS = 20
MAX_LABEL_LENGTH = 60
# A scale of at most 11 steps (0-10), its ends between -10 and 10.
SCALE_BOUND = 10
MAX_SCALE_STEPS = 11
MAX_WORDS = 3
MAX_WORD_LENGTH = 40


def _text(value: object, *, field: str, limit: int, required: bool = True) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError({field: _("Write it as text.")}, code="invalid")
    text = " ".join(value.split())
    if required and not text:
        raise ValidationError({field: _("This cannot be empty.")}, code="blank")
    if len(text) > limit:
        raise ValidationError(
            {field: _("Keep it to %(limit)d characters.") % {"limit": limit}}, code="max_length"
        )
    return text


def _whole_number(value: object, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: _("Give a whole number.")}, code="invalid")
    return value


def _clean_options(kind: str, options: object) -> list[str]:
    if kind not in (Poll.Kind.SINGLE, Poll.Kind.MULTIPLE):
        if options:
            raise ValidationError(
                {"options": _("Only single and multiple choice polls have options.")},
                code="no_options_here",
            )
        return []
    if not isinstance(options, list | tuple):
        raise ValidationError({"options": _("Give the options as a list.")}, code="invalid")
    texts = [_text(option, field="options", limit=MAX_OPTION_LENGTH) for option in options]
    if len(texts) < 2:
        raise ValidationError({"options": _("Give at least two options.")}, code="too_few")
    if len(texts) > MAX_OPTIONS:
        raise ValidationError(
            {"options": _("Give at most %(limit)d options.") % {"limit": MAX_OPTIONS}},
            code="too_many",
        )
    if len({text.casefold() for text in texts}) != len(texts):
        raise ValidationError({"options": _("Each option must differ.")}, code="duplicate")
    return texts


def create_poll(
    *,
    session: Session,
    user: User,
    question: object,
    kind: object,
    options: object = (),
    max_choices: object = None,
    scale_min: object = None,
    scale_max: object = None,
    min_label: object = "",
    max_label: object = "",
    results: object = Poll.Results.LIVE,
    secret: object = False,
    allow_change: object = False,
    now: datetime | None = None,
) -> Poll:
    """Prepare a poll as a draft. Staff and the municipality's moderators; not in a closed
    session. A draft is seen only by those who run polls: rings the moderators' doorbell."""
    require_signed_in(user, _("Sign in to prepare a poll."))
    if not may_create_polls(user, session):
        raise PermissionDenied(_("Only moderators and staff can prepare polls."))
    text = _text(question, field="question", limit=MAX_QUESTION_LENGTH)
    if kind not in Poll.Kind.values:
        raise ValidationError(
            {"kind": _("Choose single, multiple, scale or words.")}, code="invalid_kind"
        )
    option_texts = _clean_options(kind, options)
    if results not in Poll.Results.values:
        raise ValidationError(
            {"results": _("Choose live, after_vote, after_close or staff.")},
            code="invalid_results",
        )
    if not isinstance(secret, bool) or not isinstance(allow_change, bool):
        raise ValidationError(_("Secret and allow_change are true or false."), code="invalid")
    if secret and allow_change:
        raise ValidationError(
            {"allow_change": _("A secret ballot keeps no choice to change: it is final.")},
            code="secret_is_final",
        )
    choices_limit = None
    if kind == Poll.Kind.MULTIPLE:
        choices_limit = len(option_texts) if max_choices is None else max_choices
        choices_limit = _whole_number(choices_limit, field="max_choices")
        if not 1 <= choices_limit <= len(option_texts):
            raise ValidationError(
                {
                    "max_choices": _("Allow between 1 and %(count)d choices.")
                    % {"count": len(option_texts)}
                },
                code="invalid_max_choices",
            )
    elif max_choices not in (None, 1):
        raise ValidationError(
            {"max_choices": _("Only a multiple choice poll allows several choices.")},
            code="invalid_max_choices",
        )
    low = high = None
    labels = ("", "")
    if kind == Poll.Kind.SCALE:
        low = _whole_number(1 if scale_min is None else scale_min, field="min")
        high = _whole_number(5 if scale_max is None else scale_max, field="max")
        if not (-SCALE_BOUND <= low < high <= SCALE_BOUND) or high - low + 1 > MAX_SCALE_STEPS:
            raise ValidationError(
                {"max": _("A scale rises, from and to between -10 and 10, in at most 11 steps.")},
                code="invalid_scale",
            )
        labels = (
            _text(min_label, field="min_label", limit=MAX_LABEL_LENGTH, required=False),
            _text(max_label, field="max_label", limit=MAX_LABEL_LENGTH, required=False),
        )
    elif scale_min is not None or scale_max is not None or min_label or max_label:
        raise ValidationError(
            {"min": _("Only a scale has ends.")},
            code="no_scale_here",
        )
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        if session.status_at(now) == Session.Status.CLOSED:
            raise ValidationError(
                _("This session has closed: no new polls."), code="session_closed"
            )
        poll = Poll.objects.create(
            session=session,
            question=text,
            kind=kind,
            max_choices=choices_limit,
            scale_min=low,
            scale_max=high,
            min_label=labels[0],
            max_label=labels[1],
            results=results,
            secret=secret,
            allow_change=allow_change,
            created_by=user,
            created_at=now,
        )
        PollOption.objects.bulk_create(
            PollOption(poll=poll, text=option, position=position)
            for position, option in enumerate(option_texts)
        )
        events.notify_moderators(session)
    return poll


def _poll_to_run(poll: Poll, user: User) -> tuple[Session, Poll]:
    """Inside the transaction: the session locked, the poll re-read, the user checked."""
    session = locked(poll.session)
    if not may_run_polls(user, session):
        raise PermissionDenied(
            _("Only a politician on this session's panel, a moderator or staff can run polls.")
        )
    return session, Poll.objects.select_for_update().get(pk=poll.pk)


def open_poll(*, poll: Poll, user: User, now: datetime | None = None) -> Poll:
    """Open a draft while the session takes questions (collecting or live). Panel politicians,
    moderators and staff. Locks the session row; broadcasts poll.opened."""
    require_signed_in(user, _("Sign in to run polls."))
    now = resolve_now(now)
    with transaction.atomic():
        session, poll = _poll_to_run(poll, user)
        if poll.status != Poll.Status.DRAFT:
            raise ValidationError(
                _("Only a draft poll can be opened; this one is %(status)s.")
                % {"status": poll.get_status_display().lower()},
                code="not_draft",
            )
        if not session.accepts_posts_at(now):
            raise ValidationError(
                _("A poll can be open only while the session takes questions."),
                code="session_not_open",
            )
        poll.status = Poll.Status.OPEN
        poll.opened_at = now
        poll.save(update_fields=["status", "opened_at"])
        events.record(session, events.POLL_OPENED, poll_payload(poll), now)
    return poll


def close_poll(*, poll: Poll, user: User, now: datetime | None = None) -> Poll:
    """Close an open poll. Panel politicians, moderators and staff. Locks the session row;
    broadcasts poll.closed, then poll.results when the results are now everyone's."""
    require_signed_in(user, _("Sign in to run polls."))
    now = resolve_now(now)
    with transaction.atomic():
        session, poll = _poll_to_run(poll, user)
        if poll.status != Poll.Status.OPEN:
            raise ValidationError(_("This poll is not open."), code="not_open")
        _close(session, poll, now)
    return poll


def _close(session: Session, poll: Poll, now: datetime, closed_at: datetime | None = None) -> None:
    """Close `poll` at `closed_at` (default `now`), keeping how many watched it signed in then
    (its turnout's base; counted now, the moment the closing is known)."""
    poll.status = Poll.Status.CLOSED
    poll.closed_at = closed_at or now
    poll.viewers_at_close = signed_in_viewers(session.pk)
    poll.save(update_fields=["status", "closed_at", "viewers_at_close"])
    events.record(session, events.POLL_CLOSED, poll_payload(poll), now)
    if results_public(poll):
        events.record(session, events.POLL_RESULTS, poll_results(poll), now)


def close_open_polls(session: Session, now: datetime, closed_at: datetime | None = None) -> int:
    """Close every open poll of a session that is closing (at `closed_at`, default `now`). Call
    inside the closing service's transaction, with the session locked. Returns how many."""
    polls = Poll.objects.select_for_update().filter(session=session, status=Poll.Status.OPEN)
    closed = 0
    for poll in polls.order_by("pk"):
        _close(session, poll, now, closed_at)
        closed += 1
    return closed


def _ended_at(session: Session, now: datetime) -> datetime | None:
    """When the session stopped taking part, if it has by `now`: its end by the clock, or its
    cancelling. None while it takes part (or has not yet begun to)."""
    status = session.status_at(now)
    if status == Session.Status.CLOSED:
        return session.ends_at
    if status == Session.Status.CANCELLED:
        return session.cancelled_at
    return None


def close_polls_of_ended_session(*, session: Session, now: datetime | None = None) -> int:
    """Close the polls left open when `session` ended by the clock (its ends_at passed without
    anyone closing it) or was cancelled: each closes at that moment (closed_at = ends_at), so
    the database agrees with the ballots refused since. Returns how many closed; 0 while the
    session takes part. Safe to run again.

    Locks the session row; broadcasts poll.closed per poll (and poll.results when its results
    are now everyone's)."""
    now = resolve_now(now)
    with transaction.atomic():
        session = locked(session)
        ended_at = _ended_at(session, now)
        if ended_at is None:
            return 0
        return close_open_polls(session, now, closed_at=ended_at)


def close_polls_of_ended_sessions(*, now: datetime | None = None) -> int:
    """close_polls_of_ended_session for every session with an open poll that has ended
    (manage.py close_ended_polls, from cron, every minute). Returns how many polls closed."""
    now = resolve_now(now)
    ended = Session.objects.filter(
        Q(ends_at__lte=now) | Q(cancelled_at__isnull=False),
        polls__status=Poll.Status.OPEN,
    ).distinct()
    return sum(
        close_polls_of_ended_session(session=session, now=now) for session in ended.order_by("pk")
    )


def word_key(word: str) -> str:
    """A word cloud's word as it is counted: NFC, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", word).casefold().split())


def _answer_keys(poll: Poll, *, choices: object, value: object, words: object) -> list[str]:
    """The tally keys a ballot counts for, validated against the poll's kind."""
    given = {"choices": choices, "value": value, "words": words}
    expected = {
        Poll.Kind.SINGLE: "choices",
        Poll.Kind.MULTIPLE: "choices",
        Poll.Kind.SCALE: "value",
        Poll.Kind.WORDS: "words",
    }[poll.kind]
    others = [name for name, answer in given.items() if answer is not None and name != expected]
    if others or given[expected] is None:
        raise ValidationError(
            _("This poll takes %(field)s.") % {"field": expected}, code="wrong_answer_kind"
        )
    if poll.kind == Poll.Kind.SCALE:
        number = _whole_number(value, field="value")
        if not poll.scale_min <= number <= poll.scale_max:
            raise ValidationError(
                {
                    "value": _("Choose a value from %(min)d to %(max)d.")
                    % {"min": poll.scale_min, "max": poll.scale_max}
                },
                code="out_of_range",
            )
        return [str(number)]
    if poll.kind == Poll.Kind.WORDS:
        if not isinstance(words, list | tuple) or not 1 <= len(words) <= MAX_WORDS:
            raise ValidationError(
                {"words": _("Give one to %(limit)d words.") % {"limit": MAX_WORDS}},
                code="invalid_words",
            )
        keys = [word_key(_text(word, field="words", limit=MAX_WORD_LENGTH)) for word in words]
        return list(dict.fromkeys(keys))
    if not isinstance(choices, list | tuple) or not choices:
        raise ValidationError({"choices": _("Choose an option.")}, code="no_choice")
    ids = [_whole_number(choice, field="choices") for choice in choices]
    limit = 1 if poll.kind == Poll.Kind.SINGLE else poll.max_choices
    if len(set(ids)) != len(ids):
        raise ValidationError({"choices": _("Choose each option once.")}, code="duplicate")
    if len(ids) > limit:
        raise ValidationError(
            {"choices": _("Choose at most %(limit)d.") % {"limit": limit}}, code="too_many"
        )
    if not set(ids) <= set(poll_option_ids(poll)):
        raise ValidationError(
            {"choices": _("That is not an option of this poll.")}, code="unknown_option"
        )
    return [str(pk) for pk in ids]


def _held_words(session: Session, keys: Sequence[str]) -> set[str]:
    return {
        key
        for key in keys
        if any(
            keyword.action == WatchedKeyword.Action.HOLD
            for keyword in matching_keywords(session.municipality_id, key)
        )
    }


def _count(poll: Poll, before: Sequence[str], after: Sequence[str], held: set[str]) -> None:
    """Move a ballot's count from the answers `before` to those `after` (raise the new, lower
    the old), in key order: two ballots of several answers each then take the tally rows'
    locks in the same order, never each waiting for the other."""
    steps = dict.fromkeys(before, -1)
    for key in after:
        steps[key] = steps.get(key, 0) + 1
    for key, step in sorted(steps.items()):
        if not step:
            continue
        raised = PollTally.objects.filter(poll=poll, key=key).update(count=F("count") + step)
        if not raised and step > 0:
            # The answer's first ballot: its tally row is made (a racing first ballot of the
            # same answer waits on the unique key), then raised like the others.
            PollTally.objects.get_or_create(poll=poll, key=key, defaults={"held": key in held})
            PollTally.objects.filter(poll=poll, key=key).update(count=F("count") + step)


def _require_session_open(session: Session, now: datetime) -> None:
    if not session.accepts_posts_at(now):
        # The poll stays open in the database until close_polls_of_ended_sessions (cron) closes
        # it at the session's end.
        raise ValidationError(
            _("This session has ended, and the poll with it."), code="session_not_open"
        )


def publish_poll_results(*, poll_id: int, now: datetime | None = None) -> None:
    """Record an open poll's results as they stand: poll.results to everyone when they may see
    them, else to the moderators' sockets only. Locks the session's row (for the seq), then
    the poll's, so the voter count and the tallies are read with no ballot counting between
    them. A poll closed meanwhile is left alone: closing sent its final results."""
    now = resolve_now(now)
    with transaction.atomic():
        session_id = Poll.objects.values_list("session_id", flat=True).get(pk=poll_id)
        session = Session.objects.select_for_update().get(pk=session_id)
        poll = Poll.objects.select_for_update().prefetch_related("options").get(pk=poll_id)
        if poll.status != Poll.Status.OPEN:
            return
        results = poll_results(poll)
        if results_public(poll):
            events.record(session, events.POLL_RESULTS, results, now)
        else:
            events.send_to_moderators(session, events.POLL_RESULTS, results)


class ResultsPublisher:
    """Each process records a poll's results at most once per TOWNHALL_POLL_RESULTS_INTERVAL
    while its ballots come in, and always once after the last of them.

    A ballot's commit calls `changed`: the results are recorded at once, in the ballot's
    thread, unless this process recorded them less than the interval ago; then a timer
    records them when the interval ends, reading every ballot committed until then. So a storm
    of ballots takes the session's lock (and writes an event) a few times a second per process
    instead of once per ballot, and the last count always goes out. The relay coalesces
    what the processes together record (relay.py). With 0, every ballot records them at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[int, float] = {}
        self._due: dict[int, threading.Timer] = {}

    def changed(self, poll_id: int) -> None:
        interval = settings.TOWNHALL_POLL_RESULTS_INTERVAL
        with self._lock:
            if poll_id in self._due:
                # The timer has not read the results yet: it will read this ballot too.
                return
            wait = self._last.get(poll_id, -interval) + interval - time.monotonic()
            if wait > 0:
                # The timer's thread broadcasts on the loop this one does (event_loop.py).
                loop = loop_of_this_thread()
                timer = threading.Timer(wait, self._publish_when_due, [poll_id, loop])
                timer.daemon = True
                self._due[poll_id] = timer
                timer.start()
                return
            self._last[poll_id] = time.monotonic()
        self._publish(poll_id)

    def flush(self) -> None:
        """Record at once what the timers would have: a worker stopping (townhall/serve.py)
        leaves no ballot's count unsent."""
        with self._lock:
            due = list(self._due)
            for timer in self._due.values():
                timer.cancel()
            self._due.clear()
        for poll_id in due:
            self._publish(poll_id)

    def _publish_when_due(self, poll_id: int, loop: asyncio.AbstractEventLoop | None) -> None:
        tell_asgiref_the_loop(loop)
        with self._lock:
            self._due.pop(poll_id, None)
            self._last[poll_id] = time.monotonic()
        try:
            self._publish(poll_id)
        finally:
            # The timer's thread ends here; its database connection with it.
            db.connection.close()

    @staticmethod
    def _publish(poll_id: int) -> None:
        try:
            publish_poll_results(poll_id=poll_id)
        except Exception:
            # The ballots are stored and counted: viewers get the count with the next ballot,
            # the poll's closing, or the page.
            logger.exception("Could not send the results of poll %s", poll_id)


publisher = ResultsPublisher()


class CastBallot(NamedTuple):
    """A ballot as cast: the poll as it stood just after (its state and voter count) and its
    results, this ballot counted."""

    ballot: Ballot
    poll: Poll
    results: PollResultsPayload


def cast_ballot(
    *,
    poll: Poll,
    user: User,
    choices: object = None,
    value: object = None,
    words: object = None,
    now: datetime | None = None,
    client_ip: str | None = None,
) -> CastBallot:
    """Cast a ballot in an open poll, or change it when the poll allows changes. Signed-in
    users who are not banned, while the session takes questions; counts as a vote for the rate
    limit. Words are screened by the municipality's watched words: a "hold" word is counted
    but kept out of the published cloud.

    `poll` as the caller read it, best by selectors.poll_for_ballot (with its session and
    municipality, and shared by the ballots of a moment: left unchanged here): its kind,
    options and settings never change, and whether it is open is the database's
    answer under its row lock, where closing it (or its session) waits for this ballot or this
    ballot finds it closed. Locks the poll's row, not the session's: ballots of a storm wait
    only for each other's count. The results go out after commit, at most once
    per TOWNHALL_POLL_RESULTS_INTERVAL from each process (see ResultsPublisher), to everyone
    when they may see them, else only to the moderators' sockets.
    """
    require_signed_in(user, _("Sign in to vote in polls."))
    check_rate_limit(action="vote", user=user, ip=client_ip)
    now = resolve_now(now)
    # Checked before the lock: a ban or verification racing a ballot may as well have come a
    # moment later.
    session = poll.session
    _require_session_open(session, now)
    require_not_banned(user, session.municipality, now)
    require_verified_to_take_part(user, session)
    keys = _answer_keys(poll, choices=choices, value=value, words=words)
    held = _held_words(session, keys) if poll.kind == Poll.Kind.WORDS else set()
    try:
        with transaction.atomic():
            ballot = None
            if poll.allow_change:
                # Locked: one person's changes racing each other count one after the other.
                ballot = Ballot.objects.select_for_update().filter(poll=poll, voter=user).first()
            first_ballot = ballot is None
            if first_ballot:
                # A second ballot where changes are off meets the unique constraint (below).
                before = []
                ballot = Ballot.objects.create(
                    poll=poll, voter=user, choices=None if poll.secret else keys
                )
            else:
                before = ballot.choices or []
                ballot.choices = keys
                ballot.save(update_fields=["choices"])
            _count(poll, before, keys, held)
            # The poll's row lock comes last, held only until the commit just after: every
            # ballot of a storm takes it in turn, so the less each holds it, the more ballots a
            # second. Closing the poll takes it too, and waits for this ballot or refuses it.
            voters = _count_voter_if_open(poll, first_ballot)
            if voters is None:
                raise ValidationError(_("This poll is not open for votes."), code="not_open")
            transaction.on_commit(lambda: publisher.changed(poll.pk))
    except IntegrityError as exc:
        # A second ballot where changes are off, or two of one person that raced past the
        # check where they are on: the constraint kept one.
        message = _("You have voted in this poll already.")
        raise ValidationError(message, code="already_voted") from exc
    # The caller's poll is left as it was read: it may be shared (threads, a test's object).
    after = copy.copy(poll)
    after.status, after.voter_count = Poll.Status.OPEN, voters
    results = poll_results_now(after)
    return CastBallot(ballot=ballot, poll=after, results=results)


def _count_voter_if_open(poll: Poll, first_ballot: bool) -> int | None:
    """Lock the poll's row while it is open, counting a first ballot's voter: the poll's voter
    count after, or None when the poll is no longer open. One statement (the ORM's update()
    cannot return the new value; UPDATE ... RETURNING is PostgreSQL's and SQLite's)."""
    table = connection.ops.quote_name(Poll._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET voter_count = voter_count + %s "
            "WHERE id = %s AND status = %s RETURNING voter_count",
            [1 if first_ballot else 0, poll.pk, Poll.Status.OPEN],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]
