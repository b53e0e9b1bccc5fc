"""The session event log: append an event with its seq, broadcast after commit, replay since a seq.

The log is the truth for live clients; the channel layer is only a doorbell. Every event is a
stored row with a per-session seq, rising by one, allocated under the session's row lock inside
the writing transaction, so seqs are gap-free and committed in order.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any, NamedTuple

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from .models import Event, Session

logger = logging.getLogger(__name__)

QUESTION_CREATED = "question.created"
REPLY_CREATED = "reply.created"
POST_UPDATED = "post.updated"
VOTE_CHANGED = "vote.changed"
SESSION_UPDATED = "session.updated"
# A post left the public view (hidden, or held for review): {"id", "parent"}, never its body.
POST_REMOVED = "post.removed"
# A duplicate question merged into another: {"id", "into"}.
QUESTION_MERGED = "question.merged"
# The public tally of posts moderators removed, by reason.
MODERATION_TALLY = "moderation.tally"
# The question on air now, {"id"}; {"id": null} when none is.
QUESTION_ON_AIR = "question.on_air"
# A poll opened or closed: the poll's payload (payloads.PollPayload), never its counts.
POLL_OPENED = "poll.opened"
POLL_CLOSED = "poll.closed"
# A poll's counts, {"poll", "counts", "voters"}: in the log only while everyone may see them;
# otherwise only to the moderators' group (send_to_moderators). Coalesced like vote.changed.
POLL_RESULTS = "poll.results"


class WireEvent(NamedTuple):
    """A stored event as the sockets get it."""

    seq: int
    type: str
    text: str


def group_name(session_id: int) -> str:
    """The channel-layer group of a session: its members are the relays (live/relay.py), one per
    process with sockets of the session, never the sockets themselves."""
    return f"session-{session_id}"


def moderation_group_name(session_id: int) -> str:
    """Moderators' sockets of a session: doorbells for what the public log must not carry."""
    return f"moderation-{session_id}"


def encode(event: Event) -> str:
    """The wire form of an event: {"type", "seq", "data"}, encoded once for every socket."""
    return json.dumps(
        {"type": event.type, "seq": event.seq, "data": event.data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def record(session: Session, event_type: str, data: Any, now: datetime | None = None) -> Event:
    """Append an event to the session's log and broadcast it once the transaction commits.

    Call only from a service, inside its transaction.atomic(): the seq bump takes the session's
    row lock until commit, and a rollback takes the event (and its broadcast) back with it.
    """
    assert connection.in_atomic_block, "events.record() must run inside transaction.atomic()"
    seq = _next_seq(session.pk)
    session.last_seq = seq
    event = Event.objects.create(
        session_id=session.pk, seq=seq, type=event_type, data=data, created_at=now or timezone.now()
    )
    # Said at once, not on commit: a page that reads a seq the database does not show yet (or
    # will not, after a rollback) only reads the row again, never shows what was not committed.
    publish_seq(session.pk, seq)
    transaction.on_commit(lambda: broadcast(event))
    return event


def _next_seq(session_id: int) -> int:
    """Raise the session's last_seq by one and return it, in one statement (the ORM's update()
    cannot return the new value, and every write of a storm waits for this row's lock in turn).
    UPDATE ... RETURNING is PostgreSQL's and SQLite's since 3.35."""
    table = connection.ops.quote_name(Session._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",
            [session_id],
        )
        return cursor.fetchone()[0]


# Each session's newest seq in Django's cache (Redis in production, shared by the workers): the
# session page (pages/question_cache.py) knows which state to show without a query when it has
# read the session at that seq before. Kept briefly (TOWNHALL_PUBLISHED_SEQ_SECONDS), so that a
# write lost while the cache was away, or made by a process with another cache, leaves pages at
# most that many seconds behind, and the database is asked again after it.
PUBLISHED_SEQ_PREFIX = "published-seq"


def publish_seq(session_id: int, seq: int, *, only_if_unknown: bool = False) -> None:
    """Say that `seq` is the session's newest seq (unless one is known already)."""
    seconds = settings.TOWNHALL_PUBLISHED_SEQ_SECONDS
    if not seconds:
        return
    key = f"{PUBLISHED_SEQ_PREFIX}:{session_id}"
    try:
        if only_if_unknown:
            cache.add(key, seq, seconds)
        else:
            cache.set(key, seq, seconds)
    except Exception:
        # Pages then read the seq from the database until the cache answers again.
        logger.warning("Could not publish seq %s of session %s", seq, session_id, exc_info=True)


def published_seq(session_id: int) -> int | None:
    """The session's newest seq as last published, or None when not known."""
    if not settings.TOWNHALL_PUBLISHED_SEQ_SECONDS:
        return None
    try:
        return cache.get(f"{PUBLISHED_SEQ_PREFIX}:{session_id}")
    except Exception:
        logger.warning("Could not read the published seq of session %s", session_id, exc_info=True)
        return None


def broadcast(event: Event) -> None:
    """Ring the doorbell: one channel-layer message per event, already encoded, to each
    process's relay."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            group_name(event.session_id),
            {
                "type": "session.event",
                "session": event.session_id,
                "seq": event.seq,
                "event": event.type,
                "text": encode(event),
            },
        )
    except Exception:
        # The event is stored: sockets catch up from the log on their next event or reconnect.
        logger.exception("Broadcast of event %s failed", event)


def notify_moderators(session: Session) -> None:
    """After commit, tell the session's moderation views that something only they see changed.

    A doorbell without content: a pending post's body never leaves the database this way, and
    the moderation view reads its state fresh, so there is nothing to replay.
    """
    assert connection.in_atomic_block, "events.notify_moderators() must run in transaction.atomic()"
    session_id = session.pk
    transaction.on_commit(lambda: _ring_moderators(session_id))


def _ring_moderators(session_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            moderation_group_name(session_id), {"type": "moderation.changed"}
        )
    except Exception:
        logger.exception("Moderators' doorbell for session %s failed", session_id)


def events_after(session_id: int, seq: int) -> list[WireEvent]:
    """Stored events of a session with a seq above `seq`, in order, encoded for the wire."""
    return [
        WireEvent(event.seq, event.type, encode(event))
        for event in Event.objects.filter(session_id=session_id, seq__gt=seq).order_by("seq")
    ]


def current_seq(session_id: int) -> int | None:
    """The session's newest seq, or None when there is no such session."""
    return Session.objects.filter(pk=session_id).values_list("last_seq", flat=True).first()


def current_seqs(session_ids: list[int]) -> dict[int, int]:
    """The newest seq of each of these sessions (those that exist), in one query."""
    return dict(Session.objects.filter(pk__in=session_ids).values_list("pk", "last_seq"))


def send_to_moderators(session: Session, event_type: str, data: Any) -> None:
    """After commit, send a frame with content to the session's moderation sockets only: for
    what only staff, moderators and the panel may see (a poll's results not yet public).
    Not in the log, so never replayed to anyone; the moderation view reads its state fresh."""
    assert connection.in_atomic_block, "events.send_to_moderators() must run in atomic()"
    session_id = session.pk
    message = {"type": "moderation.frame", "event": event_type, "data": data}
    transaction.on_commit(lambda: _send_moderators(session_id, message))


def _send_moderators(session_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(moderation_group_name(session_id), message)
    except Exception:
        logger.exception("Moderators' frame for session %s failed", session_id)
