"""Shared fixtures: the people of a session, and a live session with a panel."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from channels.layers import channel_layers
from django.test import AsyncClient
from django.utils import timezone, translation
from rest_framework.test import APIClient

from sessions import audience, events, selectors
from sessions.models import Politician, Session
from sessions.pages import moderation, page_cache, question_cache
from sessions.pages import sessions as session_pages
from sessions.ratelimit_settings import DEFAULT_RATE_LIMITS

from .factories import PoliticianFactory, SessionFactory, UserFactory
from .two_factor import SecondFactorAPIClient, SecondFactorClient

ENGLISH = "en"


@pytest.fixture
def citizen():
    return UserFactory(username="anna", first_name="Anna Jensen")


@pytest.fixture
def other_citizen():
    return UserFactory(username="bo", first_name="Bo Hansen")


@pytest.fixture
def staff():
    return UserFactory(username="editor", first_name="Web Editor", is_staff=True)


@pytest.fixture
def mayor_user():
    return UserFactory(username="mayor", first_name="Tomas Breddam")


@pytest.fixture
def mayor(mayor_user) -> Politician:
    return PoliticianFactory(
        name="Tomas Breddam", party="Socialdemokratiet", role="Borgmester", user=mayor_user
    )


@pytest.fixture
def home_sessions() -> dict[str, Session]:
    """One session live now, one in two days, one that ended a week ago."""
    now = timezone.now()
    week_ago = now - timedelta(days=7)
    return {
        "live": SessionFactory(title="Digital spørgetime"),
        "upcoming": SessionFactory(
            title="Borgermøde om skolerne",
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=1),
        ),
        "archive": SessionFactory(
            title="Borgermøde om trafik", starts_at=week_ago, ends_at=week_ago + timedelta(hours=2)
        ),
    }


@pytest.fixture
def live_session(mayor) -> Session:
    return SessionFactory(politicians=[mayor])


@pytest.fixture
def async_client() -> AsyncClient:
    return AsyncClient(HTTP_ACCEPT_LANGUAGE=ENGLISH)


@pytest.fixture
def api_client() -> APIClient:
    return SecondFactorAPIClient(HTTP_ACCEPT_LANGUAGE=ENGLISH)


@pytest.fixture
def client() -> SecondFactorClient:
    """pytest-django's client, whose force_login() also gives a staff or moderator account its
    second factor (tests/two_factor.py); enforcement itself stays on. It asks for English, as an
    English browser does: the site's default is Danish, and most tests read English text. Tests
    of the Danish default send their own header."""
    return SecondFactorClient(HTTP_ACCEPT_LANGUAGE=ENGLISH)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Hash test passwords with MD5: PBKDF2 costs most of a second per user made.

    PBKDF2 stays listed so that hashes made outside this fixture still check.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def rate_limits(request, settings) -> None:
    """Rate limits off, except in tests marked `rate_limits`: most tests post fast on purpose.

    Marked tests get the default limits and counters of their own (a fresh key prefix), so no
    count leaks between tests, and the shared cache is never flushed (with Redis it would be).
    """
    if request.node.get_closest_marker("rate_limits"):
        settings.TOWNHALL_RATE_LIMITS = dict(DEFAULT_RATE_LIMITS)
        settings.RATELIMIT_CACHE_PREFIX = f"rl:test-{uuid.uuid4().hex}:"
    else:
        settings.TOWNHALL_RATE_LIMITS = {}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory) -> None:
    """SQLite tests use a file, not memory, so a Daphne subprocess can share the test database."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "townhall-test.sqlite3"
        )


def pytest_collection_modifyitems(config, items) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running for the rest of the
    session, and the async consumer tests cannot start theirs inside it."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def poll_results_after_every_ballot(settings) -> None:
    """A poll's results are recorded after every ballot, in the ballot's thread: a timer's
    thread could not see a test's uncommitted rows. tests/live/test_poll_results_coalesced.py
    turns the interval on, with committed rows."""
    settings.TOWNHALL_POLL_RESULTS_INTERVAL = 0


@pytest.fixture(autouse=True)
def fresh_ballot_polls() -> Iterator[None]:
    """Each test starts without the polls an earlier one's ballots kept (selectors.
    poll_for_ballot): its rows were rolled back, and SQLite hands their ids out again."""
    selectors.forget_ballot_polls()
    yield
    selectors.forget_ballot_polls()


@pytest.fixture(autouse=True)
def english_outside_requests() -> Iterator[None]:
    """Code run outside a request (services, reports, commands) speaks English in tests, as the
    test clients do; tests of the Danish default deactivate it. Reset after each test: a request
    through LocaleMiddleware leaves the language it picked active in the thread, so a Danish
    request would leak into the next test."""
    translation.activate(ENGLISH)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Iterator[None]:
    """A new channel layer for every test: a Redis layer binds its connections to the event loop
    of the test that first used it, and a message left in memory must not leak into the next."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_page_cache(monkeypatch) -> Iterator[None]:
    """Pages rendered for one test are not served in the next: a rolled-back database gives the
    next test's session the same id and seq, and the shared cache may be a Redis kept between
    tests, so each test keys its pages apart."""
    caches = (
        page_cache.local_pages,
        question_cache.snapshots,
        question_cache.articles,
        question_cache.everyones_articles,
        question_cache.panels,
        question_cache.states,
        question_cache.polls,
        session_pages.shells,
    )
    for cache in caches:
        cache.clear()
    selectors.question_terms_cache.clear()
    selectors.post_terms_cache.clear()
    monkeypatch.setattr(page_cache, "KEY_PREFIX", f"test-page-{uuid.uuid4().hex}")
    monkeypatch.setattr(events, "PUBLISHED_SEQ_PREFIX", f"test-seq-{uuid.uuid4().hex}")
    monkeypatch.setattr(moderation, "DUPLICATES_KEY_PREFIX", f"test-pairs-{uuid.uuid4().hex}")
    yield
    for cache in caches:
        cache.clear()
    selectors.question_terms_cache.clear()
    selectors.post_terms_cache.clear()


@pytest.fixture(autouse=True)
def fresh_audience() -> Iterator[None]:
    """Signed-in viewers counted in this process (sessions.audience) by one test's sockets are
    not the next test's: its sessions may get the same ids."""
    audience.local_audience.sessions.clear()
    yield
    audience.local_audience.sessions.clear()


@pytest.fixture(autouse=True)
def quiet_presence(settings) -> None:
    """No presence frames in the middle of other tests' sockets; tests/live/test_presence.py turns
    them back on."""
    settings.TOWNHALL_PRESENCE_INTERVAL = 3600


@pytest.fixture(autouse=True)
def immediate_tasks(settings) -> None:
    """Tasks (notification e-mails) run right after the commit, in both passes: production mode
    would queue them for `manage.py db_worker`, which tests/test_notifications.py runs itself
    where it tests the database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def fresh_unread_counts(monkeypatch) -> None:
    """Unread counts cached in one test are not read in the next (a rolled-back database gives
    the next test's users the same ids; the cache may be a Redis kept between tests)."""
    monkeypatch.setattr(selectors, "UNREAD_KEY_PREFIX", f"test-unread-{uuid.uuid4().hex}")
