"""The pool's check of a connection before a request gets it (townhall/postgresql): no round trip
while the connection is quiet, and a connection whose backend PostgreSQL ended is replaced, so the
request that draws it is served."""

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


def test_the_request_after_postgresql_ended_the_pools_connections_is_served():
    Municipality.objects.create(name="Roskilde", slug="roskilde")
    connection.close()  # back to the pool
    with connect() as other:
        ended = other.execute(
            "SELECT count(pg_terminate_backend(pid, 30000)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert ended >= 1
    # The pool hands a connection out again: an ended one is replaced, not used.
    assert Municipality.objects.get().name == "Roskilde"
