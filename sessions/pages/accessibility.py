"""The accessibility statement (tilgængelighedserklæring), required of Danish public bodies.

Its figures are not typed by hand: the automated check (tests/browser/test_axe.py) writes what
it found to settings.TOWNHALL_ACCESSIBILITY_CHECK_FILE, and this page reads that file.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypedDict

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class AccessibilityCheck(TypedDict):
    """What the last run of the axe check found (the file it writes)."""

    checked_at: datetime
    axe_version: str
    pages: int
    violations: int
    serious_or_critical: int


def last_check() -> AccessibilityCheck | None:
    """The last automated check's figures, or None when it has not run (or its file is bad)."""
    try:
        found = json.loads(settings.TOWNHALL_ACCESSIBILITY_CHECK_FILE.read_text(encoding="utf-8"))
        return {
            "checked_at": datetime.fromisoformat(found["checked_at"]),
            "axe_version": str(found["axe_version"]),
            "pages": int(found["pages"]),
            "violations": int(found["violations"]),
            "serious_or_critical": int(found["serious_or_critical"]),
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def contact_link(contact: str) -> str:
    """An e-mail address becomes a mailto: link, a web address stays; anything else: no link."""
    if contact.startswith(("https://", "http://")):
        return contact
    if "@" in contact and " " not in contact:
        return f"mailto:{contact}"
    return ""


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    contact = settings.TOWNHALL_ACCESSIBILITY_CONTACT.strip()
    return render(
        request,
        "accessibility.html",
        {
            "contact": contact,
            "contact_link": contact_link(contact),
            "check": last_check(),
            "page_path": request.path,
        },
    )
