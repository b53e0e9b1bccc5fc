"""The accessibility statement: linked from every page, its contact from settings, its figures
from the last automated check's file."""

from __future__ import annotations

import json
from html import unescape

import pytest
from django.test import Client

from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def check_file(settings, tmp_path):
    path = tmp_path / "last-check.json"
    settings.TOWNHALL_ACCESSIBILITY_CHECK_FILE = path
    return path


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def test_every_page_links_to_the_statement(client, staff):
    session = SessionFactory()
    pages = [
        "/",
        f"/sessions/{session.pk}/",
        f"/sessions/{session.pk}/present/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accessibility/",
    ]
    for path in pages:
        html = text_of(client.get(path))
        footer = html[html.index('<footer class="site-footer">') :]
        assert '<a href="/accessibility/">Accessibility statement</a>' in footer, path
    client.force_login(staff)
    for path in (f"/sessions/{session.pk}/", f"/sessions/{session.pk}/report/"):
        assert '<a href="/accessibility/">' in text_of(client.get(path)), path


def test_statement_in_danish_with_the_contact_from_settings(settings, check_file):
    settings.TOWNHALL_ACCESSIBILITY_CONTACT = "tilgaengelighed@roskilde.dk"

    html = text_of(Client().get("/accessibility/"))

    assert '<html lang="da">' in html
    assert "<h1>Tilgængelighedserklæring</h1>" in html
    assert '<a href="mailto:tilgaengelighed@roskilde.dk">tilgaengelighed@roskilde.dk</a>' in html
    assert "WCAG" in html and "Kendte undtagelser" in html
    assert "Den automatiske kontrol er endnu ikke kørt på denne installation." in html


def test_a_web_address_as_contact_is_a_link(client, settings, check_file):
    settings.TOWNHALL_ACCESSIBILITY_CONTACT = "https://www.roskilde.dk/kontakt"

    html = text_of(client.get("/accessibility/"))

    assert '<a href="https://www.roskilde.dk/kontakt">https://www.roskilde.dk/kontakt</a>' in html


def test_figures_come_from_the_last_check(client, check_file):
    check_file.write_text(
        json.dumps(
            {
                "checked_at": "2026-11-29T08:30:00+00:00",
                "axe_version": "4.10.3",
                "pages": 27,
                "violations": 2,
                "serious_or_critical": 0,
            }
        )
    )

    html = text_of(client.get("/accessibility/"))

    assert (
        "Last automated check: Nov. 29, 2026, with axe-core 4.10.3 in Chromium. Pages and states "
        "checked: 27. Violations found: 2, of which serious or critical: 0." in html
    )


def test_a_broken_check_file_reads_as_not_run(client, check_file):
    check_file.write_text("{not json")

    html = text_of(client.get("/accessibility/"))

    assert "The automated check has not run on this installation yet." in html
