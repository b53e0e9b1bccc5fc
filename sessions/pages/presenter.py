"""The presenter view: the session on a big screen in the council chamber or a stream overlay.

Anyone may open it. It reads the same snapshot of published questions as the session page
(question_cache, once per seq) and follows the same socket.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .. import selectors
from ..payloads import QuestionPayload, iso, session_payload
from . import polls, question_cache

NEXT_QUESTIONS = 5


def qr_svg(url: str, label: str) -> SafeString:
    """The QR code of `url` as inline SVG, drawn on the server (no script, no third party)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=6, border=2, svgclass="qr-code", lineclass=None, omitsize=True)
    # An image with a name, for screen readers; the address itself is printed beside it.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def most_wanted_first(question: QuestionPayload) -> tuple:
    """A sort key: most votes first, the oldest first among equals (as the API's "-votes")."""
    return (-question["vote_count"], question["created_at"], question["id"])


def next_questions(payloads: list[QuestionPayload]) -> list[QuestionPayload]:
    """Open questions, most votes first (the oldest first among equals), the one on air apart."""
    open_questions = [q for q in payloads if not q["is_answered"] and not q["on_air"]]
    open_questions.sort(key=most_wanted_first)
    return open_questions[:NEXT_QUESTIONS]


def presenter_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_with_panel(session_id)
    now = timezone.now()
    shown = question_cache.snapshot(session, selectors.DEFAULT_QUESTION_ORDERING, now)
    payloads = list(shown.payloads)
    session_url = request.build_absolute_uri(reverse("session", args=[session.pk]))
    return render(
        request,
        "sessions/present.html",
        {
            "session": session,
            "status": session.status_at(now),
            "on_air": next((q for q in payloads if q["on_air"]), None),
            "next_questions": next_questions(payloads),
            "polls": polls.presenter_polls(session),
            "session_url": session_url,
            "qr": qr_svg(
                session_url, _("QR code to the session page: %(url)s") % {"url": session_url}
            ),
            "time_zone": settings.TIME_ZONE,
            "state": {
                "seq": session.last_seq,
                "session": session_payload(session, now),
                "questions": payloads,
                "next_count": NEXT_QUESTIONS,
            },
            "clock": {"server_now": iso(now)},
            "i18n": presenter_strings(),
            "page_path": request.path,
        },
    )


def clock_strings() -> dict[str, str]:
    """The words of session-clock.js (the state and the countdown) and of the vote counts, for
    the presenter view and the widget, in the page's language."""
    return {
        "live": _("Live"),
        "scheduled": _("Scheduled"),
        "collecting": _("Collecting questions"),
        "closed": _("Closed"),
        "cancelled": _("Cancelled"),
        "starts_in": _("Starts in %(time)s"),
        "ends_in": _("Ends in %(time)s"),
        "days": _("%(days)s d"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "votes_one": _("%(count)s vote"),
        "votes_many": _("%(count)s votes"),
    }


def presenter_strings() -> dict[str, str]:
    """Strings presenter.js shows, in the page's language."""
    return {
        **clock_strings(),
        "viewers_one": _("%(count)s person watching"),
        "viewers_many": _("%(count)s people watching"),
        "nothing_on_air": _("No question is on air right now."),
        "asked_by": _("Asked by %(author)s"),
        **polls.live_page_strings(),
    }
