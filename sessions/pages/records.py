"""The public record of a session: /sessions/<id>/record/, readable by anyone, printable.

It renders selectors.session_record, the very data GET /api/sessions/{id}/record/ answers.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import selectors
from .moderation import tally_text
from .polls import record_polls


def session_record_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_with_panel(session_id)
    record = selectors.session_record(session, timezone.now())
    return render(
        request,
        "sessions/record.html",
        {
            "record": record,
            "session": session,
            "tally_text": tally_text(record["tally"]),
            "polls": record_polls(record["polls"]),
            "page_path": request.path,
        },
    )
