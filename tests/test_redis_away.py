"""Django's cache on a Redis that does not answer (issue 17, part 1): rate limits count per
process instead of failing, and the session page renders without the shared page cache."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from sessions.models import Post
from tests.api.test_idempotency import signed_in
from tests.servers import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.rate_limits]


@pytest.fixture
def redis_away(settings):
    """The default cache is a Redis on a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "townhall.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    with pytest.raises(Exception, match=r"(?i)connect"):
        caches["default"].get("anything")


def test_rate_limits_keep_counting_while_redis_is_away(redis_away, citizen, live_session):
    url = f"/api/sessions/{live_session.pk}/questions/"
    api_client = signed_in(citizen)

    answers = [api_client.post(url, {"body": f"Spørgsmål {n}"}, format="json") for n in range(6)]

    assert [answer.status_code for answer in answers] == [201] * 5 + [429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) >= 1
    assert Post.objects.count() == 5


def test_the_session_page_is_served_while_redis_is_away(redis_away, live_session, client):
    client.logout()

    response = client.get(f"/sessions/{live_session.pk}/")

    assert response.status_code == 200
    assert live_session.title in response.content.decode()
