"""Production settings: with DJANGO_DEBUG=0, Daphne alone serves the pages and the static files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.factories import SessionFactory
from tests.servers import PRODUCTION, PROJECT, DaphneServer, collect_static
from tests.waiting import WAIT_SECONDS


@pytest.fixture(scope="module")
def static_root() -> Path:
    return collect_static()


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=WAIT_SECONDS) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.mark.django_db(transaction=True)
def test_daphne_alone_serves_pages_and_hashed_static_files_with_debug_off(static_root: Path):
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


@pytest.mark.parametrize(
    ("page_script", "shared_modules"),
    [
        ("session.js", ["live-socket", "polls", "session-clock"]),
        ("presenter.js", ["live-socket", "polls", "session-clock"]),
        ("moderation.js", ["live-socket"]),
        ("embed.js", ["live-view", "session-clock"]),
        ("live-view.js", ["live-socket", "session-clock"]),
    ],
)
def test_collected_page_scripts_import_the_shared_modules_by_their_hashed_names(
    static_root: Path, page_script: str, shared_modules: list[str]
):
    hashed = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    shared = [hashed[f"sessions/{name}.js"] for name in shared_modules]
    for name, path in zip(shared_modules, shared, strict=True):
        assert re.fullmatch(rf"sessions/{name}\.[0-9a-f]{{12}}\.js", path)
        assert (static_root / path).is_file()
    script = (static_root / hashed[f"sessions/{page_script}"]).read_text()

    imports = re.findall(r'^import .* from "(.*)";$', script, re.MULTILINE)
    assert imports == [f"./{path.removeprefix('sessions/')}" for path in shared]


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
