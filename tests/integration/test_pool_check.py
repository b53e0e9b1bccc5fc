"""The pool's check of a connection before a request gets it (townhall/postgresql): no round trip
while the connection is quiet, and connections whose backends PostgreSQL ended are replaced, so
the request that draws one is served."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from sessions.models import Municipality
from townhall.postgresql.base import check_connection

pytestmark = pytest.mark.django_db(transaction=True)


def connect() -> psycopg.Connection:
    params = connection.get_connection_params()
    return psycopg.connect(**params, autocommit=True)


def test_a_quiet_connection_is_handed_out_without_asking_postgresql(monkeypatch):
    asked = []
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(asked.append))
    with connect() as quiet:
        check_connection(quiet)
    assert asked == []


def test_a_connection_whose_backend_was_ended_is_found_broken():
    with connect() as doomed, connect() as other:
        # Returns once the backend has exited (or after 30 s).
        other.execute("SELECT pg_terminate_backend(%s, 30000)", [doomed.info.backend_pid])
        with pytest.raises(psycopg.OperationalError):
            check_connection(doomed)
        assert doomed.broken


def test_the_request_after_postgresql_ended_all_the_pools_connections_is_served():
    """As after a restart: every connection in the pool ended. The pool, finding one broken,
    waits 1, 2, 4, 8 s before it tries the next; met one by one, six would take longer than the
    pool's timeout (10 s), and the request would fail."""
    Municipality.objects.create(name="Roskilde", slug="roskilde")
    connection.close()  # back to the pool
    pool = connection.pool
    held = [pool.getconn() for _ in range(pool.max_size)]
    for pooled in held:
        pool.putconn(pooled)
    with connect() as other:
        ended = other.execute(
            "SELECT count(pg_terminate_backend(pid, 30000)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert ended >= pool.max_size

    assert Municipality.objects.get().name == "Roskilde"
