"""Production settings: with DJANGO_DEBUG=0, Daphne alone serves the pages and the static files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request

import pytest

from tests.factories import SessionFactory
from tests.servers import PROJECT, DaphneServer
from tests.waiting import WAIT_SECONDS

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-test-secret-key-long-and-random-enough-0123456789-abcdefghijkl",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
}


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=WAIT_SECONDS) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.mark.django_db(transaction=True)
def test_daphne_alone_serves_pages_and_hashed_static_files_with_debug_off():
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT,
        env={**os.environ, **PRODUCTION},
        check=True,
    )
    session = SessionFactory(title="Digital spørgetime")
    server = DaphneServer(**PRODUCTION).start()
    try:
        status, _, body = get(f"{server.url}/sessions/{session.pk}/")
        html = body.decode()
        assert status == 200
        assert "Digital spørgetime" in html
        assets = re.findall(
            r"/static/sessions/(?:session|townhall)\.[0-9a-f]{12}\.(?:js|css)", html
        )
        assert len(assets) == 2, "static URLs carry WhiteNoise's content hash"
        for asset in assets:
            status, content_type, body = get(f"{server.url}{asset}")
            assert status == 200
            assert content_type.startswith(("text/javascript", "text/css"))
            assert body
    finally:
        server.stop()


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env={**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG=0." in result.stderr


@pytest.mark.django_db
def test_createsuperuser_takes_its_password_from_the_environment(monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Roskilde-Admin-2026")
    call_command("createsuperuser", "--noinput", username="admin", email="it@roskilde.dk")

    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("Roskilde-Admin-2026")
