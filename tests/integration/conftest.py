"""The integration tier: production mode against the real PostgreSQL and Redis.

It runs in `make test`'s second pass, where DATABASE_URL points at PostgreSQL and REDIS_URL at
Redis (see the Makefile); in the embedded pass it is not collected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.servers import DaphneServer


def production_mode() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(
        os.environ.get("REDIS_URL")
    )


def pytest_ignore_collect(collection_path, config) -> bool | None:
    return None if production_mode() else True


@pytest.fixture(autouse=True)
def _really_production_mode() -> None:
    assert settings.DATABASES["default"]["ENGINE"] == "townhall.postgresql"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"


@pytest.fixture
def fast_password_hashing() -> None:
    """Workers check passwords with the project's hashers; these tests use tokens anyway."""


@pytest.fixture
def workers(transactional_db) -> Iterator[tuple[DaphneServer, DaphneServer]]:
    """Two Daphne worker processes sharing PostgreSQL and Redis, as in production."""
    first, second = DaphneServer().start(), DaphneServer().start()
    yield first, second
    first.stop()
    second.stop()
