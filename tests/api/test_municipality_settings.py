"""GET/PATCH /api/municipalities/{id}/: anyone reads a municipality; staff change its settings."""

from __future__ import annotations

import pytest

from sessions.models import Municipality

from ..factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roskilde() -> Municipality:
    return MunicipalityFactory()


def test_anyone_reads_a_municipality_with_its_settings(api_client, roskilde):
    response = api_client.get(f"/api/municipalities/{roskilde.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": roskilde.pk,
        "name": "Roskilde Kommune",
        "slug": "roskilde",
        "embed_origins": [],
        "verified_only": False,
        "retention_days": None,
    }


def test_staff_change_origins_verified_only_and_retention(api_client, roskilde, staff):
    api_client.force_authenticate(staff)
    response = api_client.patch(
        f"/api/municipalities/{roskilde.pk}/",
        {
            "embed_origins": [
                "https://www.roskilde.dk",
                "http://127.0.0.2:8001",
                "https://www.roskilde.dk",
            ],
            "verified_only": True,
            "retention_days": 365,
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["embed_origins"] == ["https://www.roskilde.dk", "http://127.0.0.2:8001"]
    roskilde.refresh_from_db()
    assert roskilde.embed_origins == ["https://www.roskilde.dk", "http://127.0.0.2:8001"]
    assert roskilde.verified_only is True
    assert roskilde.retention_days == 365


def test_only_what_is_sent_changes(api_client, roskilde, staff):
    Municipality.objects.filter(pk=roskilde.pk).update(
        retention_days=30, embed_origins=["https://x.dk"]
    )
    api_client.force_authenticate(staff)
    response = api_client.patch(
        f"/api/municipalities/{roskilde.pk}/", {"verified_only": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["retention_days"] == 30
    assert response.json()["embed_origins"] == ["https://x.dk"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://x.dk/path",
        "https://x.dk/",
        "*",
        "https://*.x.dk",
        "javascript:alert(1)",
        "ftp://x.dk",
        "x.dk",
        "https://user@x.dk",
        "https://x.dk:port",
        "https://x.dk?q=1",
        "https://æblegård.dk",
        "",
        "x" * 300,
    ],
)
def test_an_embed_origin_that_is_not_an_origin_is_refused(api_client, roskilde, staff, origin):
    api_client.force_authenticate(staff)
    response = api_client.patch(
        f"/api/municipalities/{roskilde.pk}/",
        {"embed_origins": ["https://www.roskilde.dk", origin]},
        format="json",
    )
    assert response.status_code == 400
    message = response.json()["embed_origins"][0]
    assert message == (
        f"{origin} is not an origin: write scheme://host[:port], e.g. https://www.x.dk."
    )
    roskilde.refresh_from_db()
    assert roskilde.embed_origins == []


@pytest.mark.parametrize(
    "body",
    [
        {"embed_origins": "https://x.dk"},
        {"embed_origins": [5]},
        {"embed_origins": {"a": "https://x.dk"}},
        {"embed_origins": ["https://x.dk"] * 51},
        {"verified_only": "yes"},
        {"retention_days": -1},
        {"retention_days": "30"},
        {"name": "Andeby"},
    ],
)
def test_bad_input_is_refused_with_a_message(api_client, roskilde, staff, body):
    api_client.force_authenticate(staff)
    response = api_client.patch(f"/api/municipalities/{roskilde.pk}/", body, format="json")
    assert response.status_code == 400
    # One flat list of messages per field, as everywhere in the API.
    [messages] = response.json().values()
    assert all(isinstance(message, str) and message for message in messages)
    roskilde.refresh_from_db()
    assert (roskilde.name, roskilde.embed_origins, roskilde.verified_only) == (
        "Roskilde Kommune",
        [],
        False,
    )
    assert roskilde.retention_days is None


def test_a_citizen_cannot_change_a_municipality(api_client, roskilde, citizen):
    api_client.force_authenticate(citizen)
    response = api_client.patch(
        f"/api/municipalities/{roskilde.pk}/", {"embed_origins": ["https://evil.dk"]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Only staff can do that."
    roskilde.refresh_from_db()
    assert roskilde.embed_origins == []


def test_unknown_municipality_is_404(api_client):
    assert api_client.get("/api/municipalities/999999/").status_code == 404
    assert api_client.get(f"/api/municipalities/{2**70}/").status_code == 404
