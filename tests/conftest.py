"""Shared fixtures: the people of a session, and a live session with a panel."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sessions.models import Politician, Session

from .factories import PoliticianFactory, SessionFactory, UserFactory


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
def live_session(mayor) -> Session:
    return SessionFactory(politicians=[mayor])


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
