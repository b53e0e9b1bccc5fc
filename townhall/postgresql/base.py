"""Django's PostgreSQL backend with a cheaper check of pooled connections (ENGINE
"townhall.postgresql", set by settings.py when DATABASE_URL names PostgreSQL).

Each connection is checked as the pool hands it out: one broken by a PostgreSQL restart is
replaced instead of failing the request that drew it (README, "When things fail"). The check
that Django's CONN_HEALTH_CHECKS installs sends an empty query: a round trip on every request,
one in ten of a ballot's. An idle connection has nothing to read, though, unless the server has
spoken: when PostgreSQL restarts or ends the backend it sends its goodbye (or the kernel the
socket's end), and the socket becomes readable. So this check makes the round trip only then,
and it finds the break; a connection whose socket is quiet is handed out at once.

What neither check catches: a connection that a network in between dropped without telling
either end. The round trip would wait for TCP to give up there too.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def check_connection(connection: Any, pool: ConnectionPool | None = None) -> None:
    """Raise when `connection` is broken: psycopg_pool then replaces it with a new one. With
    the `pool`, a broken one has the pool's idle connections checked at once (see _PoolCheck)."""
    if connection.closed or connection.broken:
        raise ConnectionError("the connection is closed")
    # poll(), not select(): a worker holds thousands of sockets, past select()'s limit of 1024.
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    if not poller.poll(0):
        return
    try:
        ConnectionPool.check_connection(connection)
    except Exception:
        if pool is not None:
            pool.check()
        raise


class _PoolCheck:
    """check_connection for one pool. A restart ends every connection of its time, and the
    pool, finding one broken, waits 1, 2, 4 s ... before it tries the next: with six broken, the
    request that met them would wait past the pool's timeout. So the first one found broken has
    the pool check its idle connections at once (replacing those the restart ended), and the
    request waits once."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def __call__(self, connection: Any) -> None:
        check_connection(connection, self.pool)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self) -> ConnectionPool | None:
        pool = super().pool
        # psycopg_pool takes its check only when the pool is made, and Django makes the pool
        # with its own check (or none): ours goes where the pool keeps it.
        if pool is not None and not isinstance(pool._check, _PoolCheck):
            pool._check = _PoolCheck(pool)
        return pool
