"""API tokens: they end after TOWNHALL_API_TOKEN_HOURS, are stored only as a hash, and their owner
lists and revokes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken

from sessions import services
from tests.factories import ModeratorFactory, MunicipalityFactory, UserFactory, api_token

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-123"
INVALID = (
    "This token is not valid: it has expired or was revoked. Ask for a new one at /api/auth/token/."
)


def new_token(api_client, username: str = "anna") -> dict:
    response = api_client.post(
        "/api/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def with_token(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client


def test_a_token_ends_ten_hours_after_it_was_issued(api_client, citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        issued = new_token(api_client)
        assert parse_datetime(issued["expiry"]) == start + timedelta(hours=10)
        with_token(api_client, issued["token"])
        clock.move_to(start + timedelta(hours=9, minutes=59))
        assert api_client.get("/api/auth/tokens/").status_code == 200

        clock.move_to(start + timedelta(hours=10, seconds=1))
        response = api_client.get("/api/auth/tokens/")

    assert response.status_code == 401
    assert response.json() == {"detail": INVALID}


def test_expired_tokens_are_deleted_when_their_owner_gets_a_new_one(api_client, citizen):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        new_token(api_client)
        clock.move_to(start + timedelta(hours=5))
        second = new_token(api_client)["token"]
        clock.move_to(start + timedelta(hours=10, seconds=1))
        # Using the second token leaves the expired first one (the API reads only the token it
        # is sent); asking for a new one clears it away, and only it.
        assert with_token(api_client, second).get("/api/auth/tokens/").status_code == 200
        assert AuthToken.objects.filter(user=citizen).count() == 2
        new_token(api_client)

        assert AuthToken.objects.filter(user=citizen).count() == 2
        assert with_token(api_client, second).get("/api/auth/tokens/").status_code == 200


def test_the_token_table_holds_no_token_as_sent(api_client, citizen):
    token = new_token(api_client)["token"]

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {AuthToken._meta.db_table}")
        stored = [str(value) for row in cursor.fetchall() for value in row]

    assert stored
    assert not any(token in value for value in stored)


def test_plain_drf_tokens_are_gone(api_client, citizen):
    from rest_framework.authtoken.models import Token

    plain = Token.objects.create(user=citizen).key

    response = with_token(api_client, plain).get("/api/auth/tokens/")

    assert response.status_code == 401


def test_owner_lists_their_own_tokens_only(api_client, citizen):
    first = new_token(api_client)["token"]
    second = new_token(api_client)["token"]
    api_token(UserFactory(username="bo"))

    listed = with_token(api_client, second).get("/api/auth/tokens/").json()

    assert [(t["token_key"], t["current"]) for t in listed] == [
        (second[:15], True),
        (first[:15], False),
    ]


def test_a_revoked_token_gets_401(api_client, citizen):
    first = new_token(api_client)["token"]
    second = new_token(api_client)["token"]

    revoked = with_token(api_client, second).delete(f"/api/auth/tokens/{first[:15]}/")

    assert (revoked.status_code, revoked.json()) == (200, {"revoked": 1})
    response = with_token(api_client, first).get("/api/auth/tokens/")
    assert (response.status_code, response.json()) == (401, {"detail": INVALID})
    assert with_token(api_client, second).get("/api/auth/tokens/").status_code == 200


def test_revoking_all_signs_the_api_out_everywhere(api_client, citizen):
    tokens = [new_token(api_client)["token"] for _ in range(3)]

    response = with_token(api_client, tokens[0]).delete("/api/auth/tokens/")

    assert response.json() == {"revoked": 3}
    assert not AuthToken.objects.exists()
    assert with_token(api_client, tokens[1]).get("/api/auth/tokens/").status_code == 401


def test_another_persons_token_cannot_be_revoked(api_client, citizen):
    others = api_token(UserFactory(username="bo"))
    mine = new_token(api_client)["token"]

    response = with_token(api_client, mine).delete(f"/api/auth/tokens/{others[:15]}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "You have no token with that key.", "code": "not_found"}
    assert AuthToken.objects.filter(user__username="bo").count() == 1


def test_a_new_password_ends_every_token(api_client, citizen):
    tokens = [new_token(api_client)["token"] for _ in range(2)]

    citizen.set_password("a-new-password-456")
    citizen.save()

    assert not AuthToken.objects.filter(user=citizen).exists()
    assert with_token(api_client, tokens[0]).get("/api/auth/tokens/").status_code == 401


def test_signing_in_again_keeps_the_tokens(api_client, citizen):
    token = new_token(api_client)["token"]

    citizen.first_name = "Anna J."
    citizen.save()
    api_client.post("/accounts/login/", {"username": "anna", "password": PASSWORD})

    assert with_token(api_client, token).get("/api/auth/tokens/").status_code == 200


def ban(citizen, municipality) -> None:
    moderator = ModeratorFactory(municipality=municipality).user
    services.ban_user(municipality=municipality, user=moderator, target=citizen, reason="spam")


def test_a_ban_from_the_only_municipality_ends_every_token(api_client, citizen):
    token = new_token(api_client)["token"]

    ban(citizen, MunicipalityFactory())

    response = with_token(api_client, token).get("/api/auth/tokens/")
    assert response.status_code == 401
    assert response.json() == {"detail": INVALID}
    assert not AuthToken.objects.filter(user=citizen).exists()


def test_tokens_last_while_a_municipality_is_left_to_take_part_in(api_client, citizen):
    roskilde = MunicipalityFactory()
    faaborg = MunicipalityFactory(name="Faaborg-Midtfyn Kommune", slug="faaborg")
    token = new_token(api_client)["token"]

    ban(citizen, roskilde)
    assert with_token(api_client, token).get("/api/auth/tokens/").status_code == 200

    ban(citizen, faaborg)
    assert with_token(api_client, token).get("/api/auth/tokens/").status_code == 401


def test_a_password_changed_in_the_admin_ends_every_token(api_client, client, citizen, staff):
    staff.is_superuser = True
    staff.save()
    token = new_token(api_client)["token"]
    client.force_login(staff)

    response = client.post(
        f"/admin/auth/user/{citizen.pk}/password/",
        {"password1": "a-new-password-456", "password2": "a-new-password-456"},
    )

    assert response.status_code == 302
    response = with_token(api_client, token).get("/api/auth/tokens/")
    assert response.status_code == 401
    assert response.json() == {"detail": INVALID}


def test_a_token_request_makes_no_login_session(api_client, citizen, live_session):
    from django.contrib.sessions.models import Session as LoginSession

    client = with_token(api_client, api_token(citizen))
    for _ in range(3):
        response = client.get(f"/api/sessions/{live_session.pk}/questions/")
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert client.get("/api/auth/tokens/").status_code == 200
    assert LoginSession.objects.count() == 0
