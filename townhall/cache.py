"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient.get_client builds a new `redis.Redis` for every cache operation, and
building one (its table of response callbacks) costs more CPU than the command itself: about
half a millisecond, two or three times on every signed-in page load. A `redis.Redis` is safe to
share between threads (it takes a connection from its pool for each command), so each pool gets
one, made the first time it is needed.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(index)
                if client is None:
                    pool = self._get_connection_pool(write)
                    client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
