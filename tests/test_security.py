"""Login brute force (django-axes), security headers and the deployment checklist."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .servers import PRODUCTION, PROJECT

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-123"
LOCKED = "This username has been locked on this network after 5 failed logins."


def log_in(client, username: str, password: str, ip: str):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_wrong_passwords_lock_the_username_from_that_ip_only(client, citizen):
    for _ in range(4):
        assert log_in(client, "anna", "wrong", "198.51.100.7").status_code == 200
    fifth = log_in(client, "anna", "wrong", "198.51.100.7")
    assert fifth.status_code == 429

    # The sixth try, with the right password, from the same address: still locked.
    sixth = log_in(client, "anna", PASSWORD, "198.51.100.7")
    assert sixth.status_code == 429
    html = sixth.content.decode()
    assert LOCKED in html
    assert "Try again in 15 minutes." in html
    assert sixth["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session

    # The citizen at home, on another address, signs in as usual.
    elsewhere = log_in(client, "anna", PASSWORD, "203.0.113.20")
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_a_stranger_locking_one_username_does_not_lock_another(client, citizen, other_citizen):
    for _ in range(5):
        log_in(client, "anna", "wrong", "198.51.100.7")

    response = log_in(client, "bo", PASSWORD, "198.51.100.7")

    assert response.status_code == 302


def test_lockout_page_is_in_danish_for_a_danish_browser(client, citizen):
    for _ in range(5):
        response = client.post(
            "/accounts/login/",
            {"username": "anna", "password": "wrong"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_ACCEPT_LANGUAGE="da",
        )

    assert response.status_code == 429
    assert "Prøv igen om 15 minutter." in response.content.decode()


def test_token_endpoint_counts_failures_and_says_when_locked(api_client, citizen):
    def token(password: str, ip: str):
        return api_client.post(
            "/api/auth/token/",
            {"username": "anna", "password": password},
            format="json",
            REMOTE_ADDR=ip,
        )

    for _ in range(4):
        assert token("wrong", "198.51.100.7").status_code == 400
    assert token("wrong", "198.51.100.7").status_code == 429

    locked = token(PASSWORD, "198.51.100.7")
    assert locked.status_code == 429
    assert locked.json() == {
        "detail": "Too many failed logins for this username. Try again later.",
        "code": "locked_out",
    }
    assert "token" in token(PASSWORD, "203.0.113.20").json()


def test_login_page_and_the_token_endpoint_share_one_count(client, api_client, citizen):
    for _ in range(3):
        log_in(client, "anna", "wrong", "198.51.100.7")
    for _ in range(2):
        api_client.post(
            "/api/auth/token/",
            {"username": "anna", "password": "wrong"},
            format="json",
            REMOTE_ADDR="198.51.100.7",
        )

    assert log_in(client, "anna", PASSWORD, "198.51.100.7").status_code == 429


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/sessions/", "/admin/login/"])
def test_every_page_carries_the_security_headers(client, path):
    response = client.get(path)

    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_hold_no_inline_script_or_style(client, live_session, citizen):
    client.force_login(citizen)
    for path in ["/", f"/sessions/{live_session.pk}/", "/accounts/delete/"]:
        html = client.get(path).content.decode()
        assert "<script>" not in html
        assert " style=" not in html
        assert " onclick=" not in html


def test_deployment_checklist_passes_under_production_settings():
    environment = {**os.environ, **PRODUCTION}
    # The checklist wants the HTTPS redirect on, as production has it.
    environment.pop("DJANGO_SECURE_SSL_REDIRECT")
    # Set for Playwright's sake by tests/browser/conftest.py; never in a deployment.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
