"""Do PostgreSQL and Redis answer? `python -m tests.service_check` decides whether `make test`
runs its production-mode pass; with TOWNHALL_REQUIRE_SERVICES=1 a missing service is a failure.

Exit codes: 0 both answer, 1 required and missing, 2 missing and not required (pass skipped).
"""

from __future__ import annotations

import os
import sys

import psycopg
import redis

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def problems() -> list[str]:
    found = []
    database_url = os.environ.get("TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        psycopg.connect(database_url, connect_timeout=3).close()
    except psycopg.Error as error:
        found.append(f"PostgreSQL at {database_url} does not answer: {error}")
    try:
        redis.Redis.from_url(redis_url, socket_timeout=3).ping()
    except redis.RedisError as error:
        found.append(f"Redis at {redis_url} does not answer: {error}")
    return found


def main() -> int:
    missing = problems()
    if not missing:
        return 0
    required = os.environ.get("TOWNHALL_REQUIRE_SERVICES", "") not in ("", "0")
    for problem in missing:
        print(problem, file=sys.stderr)
    if required:
        print("TOWNHALL_REQUIRE_SERVICES is set: failing.", file=sys.stderr)
        return 1
    print("Skipping the production-mode pass (PostgreSQL and Redis).", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
