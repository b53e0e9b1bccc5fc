"""Idempotency keys: a write retried with the same key gives its first answer, and writes nothing.

A client that sends a write and loses the connection before the answer cannot know whether it
landed. With an `Idempotency-Key` (the IETF draft "The Idempotency-Key HTTP Header Field"), it
sends the same write again with the same key: the first answer comes back (the same status, the
same ids) and nothing new is stored. Any way in wraps its service call in `perform_once`: the API
(api/idempotency.py) for asking, replying and voting, and any other write a retry could double
(ballots): `perform_once(..., perform=lambda: (200, payload_of(cast_ballot(...))))`.

How a race stays one write: the key row is inserted first, in the same transaction as the write,
under a unique constraint on (user, key). A second request with the same key blocks on that insert
until the first commits (then it reads the stored answer) or rolls back (then it writes itself).
Only successful answers are stored: a refused write (4xx) stored nothing, so its retry is judged
afresh. Keys live TOWNHALL_IDEMPOTENCY_HOURS (24 by default); an expired key is replaced when it
is used again, and `purge_expired_keys` (run by apply_retention) deletes the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import IdempotencyKey
from .common import User, resolve_now

MAX_KEY_LENGTH = 255
# Visible ASCII, as a header value can safely carry it (the draft's keys are UUIDs).
KEY_PATTERN = re.compile(r"[\x21-\x7e]+")


class KeyReused(ValidationError):
    """The key was used before for another action or another body: 422, nothing stored."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This Idempotency-Key was already used for a different request. "
                "Send a new key with a new request."
            ),
            code="idempotency_key_reused",
        )


@dataclass(frozen=True)
class Outcome:
    """The answer to give: `replayed` when it is the stored first answer to the same key."""

    status: int
    body: Any
    replayed: bool = False


def key_lifetime() -> timedelta:
    return timedelta(hours=getattr(settings, "TOWNHALL_IDEMPOTENCY_HOURS", 24))


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            _("An Idempotency-Key is 1 to %(limit)d visible ASCII characters.")
            % {"limit": MAX_KEY_LENGTH},
            code="invalid_idempotency_key",
        )
    return key


def fingerprint_of(action: str, request_body: object) -> str:
    canonical = json.dumps(
        [action, request_body], sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_answer(user: User, key: str, action: str, fingerprint: str) -> Outcome | None:
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None:
        return None
    if stored.action != action or stored.fingerprint != fingerprint:
        raise KeyReused
    return Outcome(stored.status, json.loads(stored.response), replayed=True)


def perform_once(
    *,
    user: User,
    key: str | None,
    action: str,
    request_body: object,
    perform: Callable[[], tuple[int, Any]],
    now: datetime | None = None,
) -> Outcome:
    """Run `perform` (a service call returning an HTTP status and a JSON-ready body) once per
    `key` of `user`; a later call with the same key gets the stored first answer.

    Without a key (or for an anonymous user, whom the service itself refuses), `perform` simply
    runs. The same key for another `action` or another `request_body` raises KeyReused (422); a
    malformed key raises ValidationError (400). `perform` runs inside this transaction, so its
    broadcasts go out when the key and the write commit together.
    """
    if key is None or not user.is_authenticated:
        return Outcome(*perform())
    check_key(key)
    now = resolve_now(now)
    fingerprint = fingerprint_of(action, request_body)
    for _attempt in range(3):
        with transaction.atomic():
            # An expired key is free again.
            IdempotencyKey.objects.filter(user=user, key=key, expires_at__lte=now).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        action=action,
                        fingerprint=fingerprint,
                        status=0,
                        created_at=now,
                        expires_at=now + key_lifetime(),
                    )
            except IntegrityError:
                # Taken: another request with this key committed first (on PostgreSQL this
                # insert waited for it).
                stored = _stored_answer(user, key, action, fingerprint)
                if stored is not None:
                    return stored
                continue  # it was rolled back meanwhile: try again
            status, body = perform()
            record.status = status
            record.response = json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder)
            record.save(update_fields=["status", "response"])
            return Outcome(status, body)
    raise IntegrityError(f"Idempotency-Key {key!r} of user {user.pk} kept changing hands")


def purge_expired_keys(*, now: datetime | None = None) -> int:
    """Delete the keys past their lifetime; returns how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(expires_at__lte=resolve_now(now)).delete()
    return deleted
