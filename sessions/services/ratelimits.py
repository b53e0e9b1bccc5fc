"""Rate limits on posting, voting and reporting, per user and per client IP address.

The counting is django-ratelimit's (`get_usage`: fixed windows in Django's cache, shared by every
Daphne process through Redis when REDIS_URL is set). Its decorators want a request, and the
limits belong to the services, which know the user and are told the IP; so the services call
`check_rate_limit` with a key of their own.

Limits come from settings.TOWNHALL_RATE_LIMITS: {"question": "5/m", "question:ip": "60/m", ...};
an action without an entry is not limited. Panel politicians, moderators and staff are exempt
from the posting limits (questions and replies), not from voting or reporting.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from django_ratelimit.core import _split_rate, get_usage

from ..models import Session
from ..selectors import is_moderator, politician_for
from .common import User

logger = logging.getLogger(__name__)

POSTING_ACTIONS = frozenset({"question", "reply"})

# What the shared cache raises when Redis is away (a refused or cut connection).
try:
    from redis.exceptions import RedisError

    SHARED_CACHE_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError)
except ImportError:  # no Redis client: the embedded mode's memory cache does not fail this way
    SHARED_CACHE_ERRORS = (OSError,)

# While Redis is away, each process counts in its own memory: the limits hold per worker
# (a client spread over N workers gets at most N times the limit), never a 500.
_local_counts = LocMemCache("townhall-rate-limits-while-redis-is-away", {"MAX_ENTRIES": 10000})


class RateLimited(ValidationError):
    """Over a limit: answered with 429 and Retry-After; `retry_after` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(
            ngettext(
                "You are doing that too often. Try again in %(seconds)d second.",
                "You are doing that too often. Try again in %(seconds)d seconds.",
                self.retry_after,
            )
            % {"seconds": self.retry_after},
            code="rate_limited",
        )


def _exempt(action: str, user: User, session: Session | None) -> bool:
    if action not in POSTING_ACTIONS:
        return False
    if user.is_authenticated and user.is_staff:
        return True
    return session is not None and (
        politician_for(user, session) is not None or is_moderator(user, session)
    )


def check_rate_limit(
    *, action: str, user: User, ip: str | None = None, session: Session | None = None
) -> None:
    """Count one `action` by `user` (and from `ip`, when known); raise RateLimited when over.

    Every call counts, refused or not, so hammering a limit does not shorten it. Counters are
    per user and per IP, so one person over a limit never holds back another.
    """
    limits = settings.TOWNHALL_RATE_LIMITS
    keys = [(action, str(user.pk) if user.is_authenticated else None), (f"{action}:ip", ip)]
    keys = [(key, value) for key, value in keys if value and key in limits]
    if not keys or _exempt(action, user, session):
        return
    wait = 0
    for key, value in keys:
        usage = _count(f"townhall:{key}", value, limits[key])
        if usage and usage["should_limit"]:
            # The window still holds at its last second (time_left 0): the next one starts after.
            wait = max(wait, usage["time_left"] + 1)
    if wait:
        raise RateLimited(wait)


def _count(group: str, value: str, rate: str) -> dict[str, Any] | None:
    """Count one more in django-ratelimit's shared counter, or, with Redis away, in this
    process's own (a fixed window of the same length)."""
    try:
        return get_usage(
            None,
            group=group,
            key=lambda _group, _request: value,
            rate=rate,
            increment=True,
        )
    except SHARED_CACHE_ERRORS:
        logger.warning("Rate limits counted per process: the shared cache is unavailable")
    limit, period = _split_rate(rate)
    now = int(time.time())
    window_key = f"{group}:{value}:{now // period}"
    _local_counts.add(window_key, 0, period + 1)
    count = _local_counts.incr(window_key)
    return {"should_limit": count > limit, "time_left": period - now % period}
