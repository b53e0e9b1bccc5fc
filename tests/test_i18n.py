"""What a Danish visitor sees, and that the Danish catalogue is complete, clean and compiled.

The catalogue is locale/da/LC_MESSAGES/django.po; django.mo beside it is committed, so a machine
without GNU gettext serves Danish too. After changing a marked string:

    python manage.py makemessages -l da --ignore=.venv --ignore=staticfiles --ignore=tests \
        --ignore=bench --no-location --no-obsolete
    (translate the new entries in django.po)
    python manage.py compilemessages -l da --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.translation.template import templatize
from rest_framework.test import APIClient

from .factories import PostFactory, SessionFactory

pytestmark = pytest.mark.django_db

DA = {"HTTP_ACCEPT_LANGUAGE": "da"}
LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "da" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


# --- A tiny .po reader: enough for the files makemessages writes. ---------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read_po(path: Path) -> list[Entry]:
    """Entries are separated by blank lines; a string may go on over "..." lines."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = Entry(), ""
        for line in block.strip().splitlines():
            if line.startswith("#~"):
                entry.obsolete, line = True, line[2:].strip()
                if not line:
                    continue
            elif line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            elif line.startswith("#"):
                continue
            if not line.startswith('"'):
                key, line = line.split(" ", 1)
            text = ast.literal_eval(line)
            if key == "msgid":
                entry.msgid += text
            elif key == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + text
            elif key == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + text
            else:
                match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", key)
                assert match, f"unexpected line in {path}: {line!r}"
                index = int(match.group(1) or 0)
                entry.msgstr[index] = entry.msgstr.get(index, "") + text
        if key:
            entries.append(entry)
    return entries


def messages() -> list[Entry]:
    """The catalogue's translatable entries: all but the header."""
    return [entry for entry in read_po(PO_FILE) if entry.msgid]


# --- Pages and API in Danish. ----------------------------------------------------------------


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def live_strings(html: str) -> dict[str, str]:
    match = re.search(
        r'<script id="session-i18n" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "the session page embeds its live strings"
    return json.loads(match.group(1))


def test_home_page_in_danish(client, home_sessions):
    html = html_of(client.get("/", **DA))

    assert '<html lang="da">' in html
    assert "<title>Sessioner · Townhall</title>" in html
    assert "Digitalt borgermøde" in html
    live, upcoming, archive = (
        html.index(">Direkte nu<"),
        html.index(">Kommende<"),
        html.index(">Arkiv<"),
    )
    assert live < html.index("Digital spørgetime") < upcoming
    assert upcoming < html.index("Borgermøde om skolerne") < archive
    assert archive < html.index("Borgermøde om trafik")
    assert "Log ind" in html
    assert "Opret bruger" in html
    assert "Live now" not in html


def test_home_page_empty_lists_in_danish(client):
    html = html_of(client.get("/", **DA))
    assert "Der er ingen sessioner i gang lige nu." in html
    assert "Der er ikke planlagt noget endnu." in html
    assert "Ingen sessioner er afsluttet endnu." in html


@pytest.mark.parametrize("accept_language", [None, "fr-FR,fr;q=0.9", "de", "*"])
def test_danish_is_the_default_for_a_browser_asking_for_neither(live_session, accept_language):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    browser = Client()  # the fixture's client asks for English

    home = html_of(browser.get("/", **headers))
    assert '<html lang="da">' in home
    assert "Direkte nu" in home
    assert "Live now" not in home

    session_page = html_of(browser.get(f"/sessions/{live_session.pk}/", **headers))
    assert '<html lang="da">' in session_page
    assert live_strings(session_page)["live"] == "Direkte"
    assert "Panelet" in session_page


def test_english_on_request(live_session):
    html = html_of(Client().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9,da;q=0.5"))

    assert '<html lang="en">' in html
    assert "Live now" in html


def test_the_switcher_remembers_english_without_the_header(live_session):
    browser = Client()

    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    html = html_of(browser.get("/"))
    assert '<html lang="en">' in html
    assert "Live now" in html


def test_the_switcher_picks_danish_over_an_english_browser(client):
    client.post("/i18n/setlang/", {"language": "da", "next": "/"})

    html = html_of(client.get("/"))

    assert '<html lang="da">' in html


def test_api_errors_are_danish_by_default(live_session, citizen):
    api = APIClient()
    api.force_authenticate(citizen)

    response = api.post(f"/api/sessions/{live_session.pk}/questions/", {"body": ""}, format="json")

    assert response.json() == {"body": ["Skriv noget, før du sender det."]}


def test_the_api_docs_say_they_are_in_english(live_session):
    """Swagger UI and the schema's descriptions exist in English only: the page says so to a
    Danish browser's screen reader, instead of reading English with Danish rules."""
    html = Client().get("/api/docs/").content.decode()

    assert '<html lang="en">' in html


def test_times_are_in_copenhagen_in_each_languages_format(client):
    starts = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 19:00 in Copenhagen
    session = SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))

    danish = html_of(Client().get(f"/sessions/{session.pk}/"))
    english = html_of(client.get(f"/sessions/{session.pk}/"))

    assert "1. december 2026 19:00" in danish
    assert "Dec. 1, 2026, 19:00" in english


def test_session_page_in_danish_for_a_visitor(client, live_session):
    PostFactory(session=live_session, body="Hvornår åbner svømmehallen?")

    html = html_of(client.get(f"/sessions/{live_session.pk}/", **DA))

    assert '<html lang="da">' in html
    for text in (
        ">Direkte<",
        "Panelet",
        "Spørgsmål",
        "Flest stemmer",
        "Nyeste",
        'title="Stemmer"',
        "Log ind",
        "opret en bruger",
        "for at stille spørgsmål, svare og stemme.",
    ):
        assert text in html, text
    assert "The panel" not in html


def test_session_page_in_danish_for_a_citizen(client, live_session, citizen):
    client.force_login(citizen)
    PostFactory(session=live_session, body="Hvornår åbner svømmehallen?")

    html = html_of(client.get(f"/sessions/{live_session.pk}/", **DA))

    assert "Logget ind som Anna Jensen" in html
    assert "Log ud" in html
    assert "Stil et spørgsmål" in html
    assert "Dit spørgsmål" in html
    assert "Send spørgsmål" in html
    assert "Dit svar" in html
    assert "Send svar" in html


def test_session_page_in_danish_for_the_panel_politician(client, live_session, mayor_user):
    client.force_login(mayor_user)
    PostFactory(session=live_session, body="Hvornår åbner svømmehallen?")

    html = html_of(client.get(f"/sessions/{live_session.pk}/", **DA))

    assert "Ubesvarede spørgsmål, mest efterspurgte først" in html
    assert "Du svarer som Tomas Breddam, Borgmester, med et verificeret mærke." in html
    assert "Svar som Tomas Breddam, Borgmester" in html
    assert "0 stemmer" in html
    assert "Markér som besvaret" in html
    assert "Verificeret politiker" in html


def test_session_page_in_danish_for_staff(client, staff):
    now = timezone.now()
    session = SessionFactory(starts_at=now + timedelta(hours=1))
    client.force_login(staff)

    html = html_of(client.get(f"/sessions/{session.pk}/", **DA))

    assert ">Planlagt<" in html
    assert "Sessionen er ikke begyndt endnu. Den åbner for spørgsmål" in html
    for text in ("Styr sessionen", "Åbn nu", "Forlæng med 15 minutter", "Gem sluttidspunkt"):
        assert text in html, text
    assert "Der er ingen politikere i panelet endnu." in html


def test_live_page_strings_are_danish(client, live_session):
    html = html_of(client.get(f"/sessions/{live_session.pk}/", **DA))

    strings = live_strings(html)

    assert strings["live"] == "Direkte"
    assert strings["scheduled"] == "Planlagt"
    assert strings["closed"] == "Afsluttet"
    assert strings["starts_in"] == "Starter om %(time)s"
    assert strings["ends_in"] == "Slutter om %(time)s"
    assert strings["mark_answered"] == "Markér som besvaret"
    assert strings["votes_one"] == "%(count)s stemme"
    assert strings["votes_many"] == "%(count)s stemmer"
    assert strings["error"] == "Noget gik galt. Prøv igen."
    assert strings["reconnecting"].startswith("Forbindelsen blev afbrudt.")


def test_closed_session_page_in_danish(client):
    now = timezone.now()
    session = SessionFactory(starts_at=now - timedelta(days=1), ends_at=now - timedelta(hours=23))

    html = html_of(client.get(f"/sessions/{session.pk}/", **DA))

    assert ">Afsluttet<" in html
    assert "Sessionen er afsluttet og ligger nu i arkivet" in html


def test_form_error_on_the_page_is_danish(client, live_session, citizen):
    client.force_login(citizen)

    response = client.post(f"/sessions/{live_session.pk}/ask/", {"body": "   "}, **DA)

    assert response.status_code == 400
    assert "Skriv noget, før du sender det." in unescape(response.content.decode())


def test_api_error_is_danish(api_client, live_session, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", {"body": ""}, format="json", **DA
    )

    assert response.status_code == 400
    assert response.json() == {"body": ["Skriv noget, før du sender det."]}


def test_api_error_with_a_number_is_danish(api_client, live_session, citizen):
    api_client.force_authenticate(citizen)
    limit = settings.TOWNHALL_MAX_POST_LENGTH

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/",
        {"body": "x" * (limit + 1)},
        format="json",
        **DA,
    )

    assert response.status_code == 400
    assert response.json() == {
        "body": [f"Teksten må højst være på {limit} tegn; den her har {limit + 1}."]
    }


def test_api_refusal_is_danish(api_client, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post("/api/sessions/", {}, format="json", **DA)

    assert response.status_code == 403
    assert response.json() == {"detail": "Det kan kun medarbejdere gøre."}


def test_api_error_in_english_on_request(api_client, live_session, citizen):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/", {"body": ""}, format="json"
    )

    assert response.json() == {"body": ["Write something before you send it."]}


# --- The catalogue itself. -------------------------------------------------------------------


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = read_po(PO_FILE)
    header = [entry for entry in entries if not entry.msgid]
    assert len(header) == 1, "the catalogue has one header"
    assert "fuzzy" not in header[0].flags, "a fuzzy header is skipped by msgfmt"
    assert "Language: da\\n" in PO_FILE.read_text(encoding="utf-8")

    entries = messages()
    assert len(entries) > 100
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if e.obsolete] == []
    untranslated = [
        e.msgid
        for e in entries
        if not e.msgstr or any(not text.strip() for text in e.msgstr.values())
    ]
    assert untranslated == []
    assert [e.msgid for e in entries if e.msgid_plural and sorted(e.msgstr) != [0, 1]] == []


PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdif%]|\{\w*\}")


def test_translations_keep_every_placeholder():
    mismatched = []
    for entry in messages():
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                mismatched.append((sources, text))
    assert mismatched == []


def test_compiled_catalogue_matches_the_po_file():
    """django.mo is committed: it must be compiled from the django.po beside it."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in messages():
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, text in entry.msgstr.items():
                expected[(msgid, index)] = text
        else:
            expected[msgid] = entry.msgstr[0]
    compiled = {key: value for key, value in compiled.items() if key != ""}
    assert compiled == expected, "run: python manage.py compilemessages -l da --ignore=.venv"


STRING = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATE_CALL = re.compile(
    rf"\b(gettext|ngettext|pgettext|npgettext)\(\s*({STRING})"
    rf"(?:\s*,\s*({STRING}))?(?:\s*,\s*({STRING}))?"
)
GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
}


def marked_strings() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string the project's templates and Python mark."""
    found: set[tuple[str | None, str]] = set()
    base = Path(settings.BASE_DIR)
    for path in sorted((base / "templates").rglob("*.html")) + sorted(
        (base / "sessions").rglob("*.html")
    ):
        for call in TEMPLATE_CALL.finditer(templatize(path.read_text(encoding="utf-8"), str(path))):
            name, *args = call.groups()
            texts = [ast.literal_eval(arg) for arg in args if arg]
            context = texts.pop(0) if name.startswith(("p", "np")) else None
            found.add((context, texts[0]))
    for folder in ("sessions", "townhall"):
        for path in sorted((base / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                if node.func.id not in GETTEXT_NAMES:
                    continue
                texts = [
                    arg.value
                    for arg in node.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ]
                if not texts:
                    continue
                context = texts.pop(0) if node.func.id.startswith("p") else None
                found.add((context, texts[0]))
    return found


def test_catalogue_covers_every_marked_string():
    """A string marked in a template or in Python has an entry: rerun makemessages if not."""
    marked = marked_strings()
    assert (None, "Live now") in marked
    assert (None, "Write something before you send it.") in marked
    in_catalogue = {(entry.msgctxt, entry.msgid) for entry in messages()}
    assert sorted(marked - in_catalogue, key=str) == []
