"""POST /api/auth/token/ for staff and moderators: password and the authenticator app's code."""

from __future__ import annotations

import pytest
from knox.models import AuthToken as Token

from tests.two_factor import app_code, enrolled_app

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-123"


def ask_token(api_client, **fields):
    return api_client.post(
        "/api/auth/token/", {"username": "editor", "password": PASSWORD, **fields}, format="json"
    )


def test_staff_without_an_app_gets_no_token_but_a_pointer_to_enrolment(api_client, staff):
    response = ask_token(api_client)

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    assert response.json()["enrol"] == "http://testserver/accounts/two-factor/"
    assert not Token.objects.exists()


def test_staff_with_an_app_must_send_its_code(api_client, staff):
    enrolled_app(staff)

    response = ask_token(api_client)

    assert response.status_code == 400
    assert response.json() == {
        "detail": 'Send the code your authenticator app shows (or a recovery code) as "otp".',
        "code": "otp_required",
    }
    assert not Token.objects.exists()


def test_staff_gets_a_token_with_password_and_code(api_client, staff):
    app = enrolled_app(staff)

    response = ask_token(api_client, otp=app_code(app))

    assert response.status_code == 200
    assert Token.objects.get(user=staff).token_key == response.json()["token"][:15]


def test_a_wrong_or_reused_code_gets_no_token(api_client, staff):
    app = enrolled_app(staff)
    code = app_code(app)
    assert ask_token(api_client, otp=code).status_code == 200
    Token.objects.all().delete()

    for wrong in (code, "123456"):
        response = ask_token(api_client, otp=wrong)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_otp"
    assert not Token.objects.exists()


def test_wrong_codes_lock_the_token_endpoint_too(api_client, staff, settings):
    enrolled_app(staff)

    answers = [
        ask_token(api_client, otp="000000").status_code for _ in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert ask_token(api_client, otp="000000").json()["code"] == "locked_out"


def test_citizens_get_a_token_with_the_password_alone(api_client, citizen):
    response = api_client.post(
        "/api/auth/token/", {"username": "anna", "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
