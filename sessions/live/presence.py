"""Presence: how many people watch a session now, across every Daphne process.

A viewer is a browser, not a socket: the page sends a random id it keeps in localStorage
(`?viewer=`), so two tabs, or a socket that reconnects to another worker, count once. A socket
without a valid id counts on its own. Presence is not part of the event log: its frames,
`{"type": "presence", "data": {"viewers": N}}`, carry no seq and are not replayed; a socket gets
the current count when it has caught up, then changes, at most one frame per
TOWNHALL_PRESENCE_INTERVAL seconds.

Embedded mode (one process) counts the relay's own sockets. With Redis, each process keeps its
viewers in a sorted set per session, scored with an expiry time it renews every
TOWNHALL_PRESENCE_HEARTBEAT seconds, and removes a viewer when its last socket here closes;
viewers of a crashed process expire TOWNHALL_PRESENCE_TTL seconds (under a minute) after the
last renewal.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Protocol

from django.conf import settings

from .. import audience

logger = logging.getLogger(__name__)

VIEWER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def viewer_key(requested: str | None) -> str:
    """The key a socket counts under: the browser's id when it sent a sane one."""
    if requested and VIEWER_ID.fullmatch(requested):
        return f"v:{requested}"
    return f"s:{uuid.uuid4().hex}"


class PresenceCounter(Protocol):
    def joined(self, session_id: int, key: str) -> None: ...

    async def left(self, session_id: int, key: str) -> None: ...

    def user_joined(self, session_id: int, user_id: int) -> None: ...

    async def user_left(self, session_id: int, user_id: int) -> None: ...

    async def count(
        self, session_id: int, local_keys: set[str], local_users: set[int] = frozenset()
    ) -> int: ...


class LocalPresence:
    """One process: the viewers are the relay's own; the signed-in ones are told to the core
    (sessions.audience), which counts them for a poll's turnout in this same process."""

    def joined(self, session_id: int, key: str) -> None:
        pass

    async def left(self, session_id: int, key: str) -> None:
        pass

    def user_joined(self, session_id: int, user_id: int) -> None:
        audience.local_audience.joined(session_id, user_id)

    async def user_left(self, session_id: int, user_id: int) -> None:
        audience.local_audience.left(session_id, user_id)

    async def count(
        self, session_id: int, local_keys: set[str], local_users: set[int] = frozenset()
    ) -> int:
        return len(local_keys)


class RedisPresence:
    """Several processes: a sorted set per session in Redis, member = viewer key, score = expiry."""

    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)
        self.ttl = float(getattr(settings, "TOWNHALL_PRESENCE_TTL", 45))
        self.heartbeat = float(getattr(settings, "TOWNHALL_PRESENCE_HEARTBEAT", 15))
        self.fresh: dict[int, set[str]] = {}
        self.fresh_users: dict[int, set[int]] = {}
        self.renewed: dict[int, float] = {}

    @staticmethod
    def key(session_id: int) -> str:
        return f"{settings.TOWNHALL_CACHE_PREFIX}:presence:{session_id}"

    def joined(self, session_id: int, key: str) -> None:
        self.fresh.setdefault(session_id, set()).add(key)

    async def left(self, session_id: int, key: str) -> None:
        self.fresh.get(session_id, set()).discard(key)
        try:
            await self.redis.zrem(self.key(session_id), key)
        except Exception:
            logger.warning("Presence: could not remove a viewer; it expires", exc_info=True)

    def user_joined(self, session_id: int, user_id: int) -> None:
        self.fresh_users.setdefault(session_id, set()).add(user_id)

    async def user_left(self, session_id: int, user_id: int) -> None:
        # Another process may still have this person's socket: it renews them at its next
        # heartbeat (until then, they are missing from the count).
        self.fresh_users.get(session_id, set()).discard(user_id)
        try:
            await self.redis.zrem(audience.users_key(session_id), str(user_id))
        except Exception:
            logger.warning(
                "Presence: could not remove a signed-in viewer; it expires", exc_info=True
            )

    async def count(
        self, session_id: int, local_keys: set[str], local_users: set[int] = frozenset()
    ) -> int:
        now = time.time()
        renew_all = now - self.renewed.get(session_id, 0) >= self.heartbeat
        renew = local_keys if renew_all else self.fresh.get(session_id, set()) & local_keys
        renew_users = (
            local_users if renew_all else self.fresh_users.get(session_id, set()) & local_users
        )
        key = self.key(session_id)
        users_key = audience.users_key(session_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            if renew:
                pipe.zadd(key, dict.fromkeys(renew, now + self.ttl))
                pipe.expire(key, int(self.ttl * 2))
            if renew_users:
                pipe.zadd(users_key, dict.fromkeys(map(str, renew_users), now + self.ttl))
                pipe.expire(users_key, int(self.ttl * 2))
            pipe.zremrangebyscore(users_key, "-inf", now)
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zcard(key)
            results = await pipe.execute()
        # Only once Redis has them: after an outage (a restarted Redis knows no viewer) the
        # next count renews every viewer here again.
        self.fresh.pop(session_id, None)
        self.fresh_users.pop(session_id, None)
        if renew_all:
            self.renewed[session_id] = now
        return int(results[-1])


def presence_counter() -> PresenceCounter:
    url = getattr(settings, "REDIS_URL", "")
    return RedisPresence(url) if url else LocalPresence()
