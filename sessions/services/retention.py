"""Retention: pseudonymise citizens in sessions that closed longer ago than their
municipality's `retention_days` (null: keep forever).

The rule: in such a session, every account that took part other than as a panel politician
(wrote a post without the politician badge, or voted) is replaced, in that session only, by a new
pseudonym account, "Participant <n>", numbered per session in order of first activity. Their posts
and votes in the session move to it, and the stored events name it instead. So the session's
reports still add up (one pseudonym per person: the same distinct participants, comments and
votes), while nothing in the old session leads back to the person. Deleted accounts and earlier
pseudonyms are already anonymous and are left alone, which makes the run idempotent. Politicians
keep their names: they spoke in public office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Min, Q

from ..models import Ballot, Municipality, Post, Session, Vote
from ..payloads import DELETED_USERNAME_PREFIX, PSEUDONYM_USERNAME_PREFIX, display_name
from .accounts import rename_authors_in_event_log
from .common import locked, resolve_now


@dataclass
class RetentionResult:
    sessions: int = 0
    participants: int = 0


def sessions_past_retention(now: datetime) -> list[Session]:
    """Closed sessions whose municipality's retention period has run out, oldest first."""
    sessions: list[Session] = []
    for municipality in Municipality.objects.filter(retention_days__isnull=False):
        cutoff = now - timedelta(days=municipality.retention_days)
        sessions.extend(municipality.sessions.filter(ends_at__lte=cutoff).order_by("ends_at"))
    return sessions


def _identified_participants(session: Session) -> list[int]:
    """Ids of accounts still named in the session, in order of their first post or vote."""
    first_seen: dict[int, datetime] = {}
    posts = (
        Post.objects.filter(session=session, politician__isnull=True)
        .values("author_id")
        .annotate(first=Min("created_at"))
    )
    votes = (
        Vote.objects.filter(post__session=session)
        .values("user_id")
        .annotate(first=Min("created_at"))
    )
    for user_id, first in [(row["author_id"], row["first"]) for row in posts] + [
        (row["user_id"], row["first"]) for row in votes
    ]:
        first_seen[user_id] = min(first, first_seen.get(user_id, first))
    # Ballots keep no time: a citizen who only voted in polls comes after the others.
    voters = Ballot.objects.filter(poll__session=session).values_list("voter_id", flat=True)
    for user_id in voters.distinct():
        first_seen.setdefault(user_id, session.ends_at)
    anonymous = set(
        get_user_model()
        .objects.filter(pk__in=first_seen, is_active=False)
        .filter(
            Q(username__startswith=DELETED_USERNAME_PREFIX)
            | Q(username__startswith=PSEUDONYM_USERNAME_PREFIX)
        )
        .values_list("pk", flat=True)
    )
    return sorted(
        (user_id for user_id in first_seen if user_id not in anonymous),
        key=lambda user_id: (first_seen[user_id], user_id),
    )


def _pseudonymise(session: Session, user_ids: list[int]) -> None:
    users = get_user_model().objects
    prefix = f"{PSEUDONYM_USERNAME_PREFIX}{session.pk}-"
    number = users.filter(username__startswith=prefix).count()
    for user_id in user_ids:
        number += 1
        pseudonym = users.create(username=f"{prefix}{number}", is_active=False)
        pseudonym.set_unusable_password()
        pseudonym.save(update_fields=["password"])
        posts = Post.objects.filter(session=session, author_id=user_id, politician__isnull=True)
        post_ids = list(posts.values_list("pk", flat=True))
        posts.update(author=pseudonym)
        Vote.objects.filter(post__session=session, user_id=user_id).update(user=pseudonym)
        Ballot.objects.filter(poll__session=session, voter_id=user_id).update(voter=pseudonym)
        rename_authors_in_event_log(post_ids, display_name(pseudonym))


def apply_retention(*, now: datetime | None = None, dry_run: bool = False) -> RetentionResult:
    """Pseudonymise the citizens of every session past its municipality's retention period.

    One transaction per session, under the session's row lock. Idempotent. With dry_run, only
    counts what would change.
    """
    now = resolve_now(now)
    result = RetentionResult()
    for session in sessions_past_retention(now):
        with transaction.atomic():
            session = locked(session)
            user_ids = _identified_participants(session)
            if not user_ids:
                continue
            result.sessions += 1
            result.participants += len(user_ids)
            if not dry_run:
                _pseudonymise(session, user_ids)
    return result
