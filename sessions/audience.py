"""Signed-in viewers: how many signed-in people watch a session now, the base of a poll's
turnout (voters as a share of them when the poll closed).

The live side (live/relay.py, live/presence.py) tells this module as signed-in sockets come and
go; the core reads the count when a poll closes (services.polls). A person counts once, however
many tabs or devices they watch from; a socket counts once its login is checked (a socket whose
login has ended is not counted, and is closed).

Embedded mode (no REDIS_URL, one process serving pages and sockets): the count is this
process's. With Redis: a sorted set per session, member = user id, score = expiry, which every
process renews for its own viewers with presence (every TOWNHALL_PRESENCE_HEARTBEAT seconds), so
the viewers of a crashed process expire after TOWNHALL_PRESENCE_TTL. A viewer who joined less
than a presence interval ago may not be in it yet.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

from django.conf import settings

logger = logging.getLogger(__name__)

# How long a read of the shared count may wait for Redis before the count is unknown.
REDIS_TIMEOUT_SECONDS = 0.5


def users_key(session_id: int) -> str:
    """The sorted set of a session's signed-in viewers in Redis."""
    return f"{settings.TOWNHALL_CACHE_PREFIX}:presence-users:{session_id}"


class LocalAudience:
    """The signed-in viewers of this process's sockets, per session: user id -> sockets."""

    def __init__(self) -> None:
        self.sessions: dict[int, Counter[int]] = {}

    def joined(self, session_id: int, user_id: int) -> None:
        self.sessions.setdefault(session_id, Counter())[user_id] += 1

    def left(self, session_id: int, user_id: int) -> None:
        users = self.sessions.get(session_id)
        if users is None or not users[user_id]:
            return
        users[user_id] -= 1
        if not users[user_id]:
            del users[user_id]
        if not users:
            del self.sessions[session_id]

    def count(self, session_id: int) -> int:
        return len(self.sessions.get(session_id, ()))


# The embedded mode's count: its sockets and its requests share this process.
local_audience = LocalAudience()


def signed_in_viewers(session_id: int) -> int | None:
    """How many signed-in people watch the session now; None when it cannot be known (Redis
    away)."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return local_audience.count(session_id)
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        return int(client.zcount(users_key(session_id), f"({time.time()}", "+inf"))
    except (OSError, RedisError):
        logger.warning("Signed-in viewers: Redis did not answer; turnout unknown", exc_info=True)
        return None
    finally:
        client.close()
