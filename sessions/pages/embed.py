"""The widget a municipality puts on its own site: /embed/sessions/<id>/ in an iframe.

A compact live view of the session (its state, the questions by votes with their answers and
fate), following the session's socket like the presenter view. Taking part happens on the full
site, in a new tab: an iframe on another site gets no cookies of ours in most browsers.

Only the origins the municipality lists (Municipality.embed_origins) may frame it: this one
response names them in CSP frame-ancestors and drops X-Frame-Options; every other page keeps
frame-ancestors 'none' and X-Frame-Options: DENY (townhall/settings.py).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from .. import embeds, selectors
from ..models import Municipality, Session
from ..payloads import QuestionPayload, iso, session_payload
from . import presenter, question_cache


def widget_questions(payloads: tuple[QuestionPayload, ...]) -> list[QuestionPayload]:
    """Published questions, merged duplicates left out, most votes first (oldest first among
    equals), each with only the panel's answers among its replies."""
    questions = [
        {**q, "replies": [r for r in q["replies"] if r["politician"]]}
        for q in payloads
        if q["merged_into"] is None
    ]
    questions.sort(key=presenter.most_wanted_first)
    return questions


def embed_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_for_page(session_id)
    now = timezone.now()
    shown = question_cache.snapshot(session, selectors.DEFAULT_QUESTION_ORDERING, now)
    questions = widget_questions(shown.payloads)
    session_url = request.build_absolute_uri(reverse("session", args=[session.pk]))
    response = render(
        request,
        "sessions/embed.html",
        {
            "session": session,
            "status": session.status_at(now),
            "questions": questions,
            "session_url": session_url,
            "time_zone": settings.TIME_ZONE,
            "state": {
                "seq": session.last_seq,
                "session": session_payload(session, now),
                "questions": questions,
            },
            "clock": {"server_now": iso(now)},
            "i18n": widget_strings(),
        },
    )
    return allow_framing(response, session.municipality)


def allow_framing(response: HttpResponse, municipality: Municipality) -> HttpResponse:
    """Let exactly the municipality's embed origins frame this response (none: nobody)."""
    if municipality.embed_origins:
        # CSP frame-ancestors overrides X-Frame-Options in every current browser; DENY would
        # still win in an old one, so it goes, for this response only.
        response.xframe_options_exempt = True
    response._csp_replace = {"frame-ancestors": embeds.frame_ancestors(municipality)}
    return response


def embed_url(request: HttpRequest, session: Session) -> str:
    return request.build_absolute_uri(reverse("embed-session", args=[session.pk]))


def oembed_discovery_url(request: HttpRequest, session: Session) -> str:
    """The session's oEmbed address, for the page's discovery <link>."""
    page = request.build_absolute_uri(reverse("session", args=[session.pk]))
    query = urlencode({"url": page, "format": "json"})
    return request.build_absolute_uri(f"{reverse('api-oembed')}?{query}")


def staff_snippets(request: HttpRequest, session: Session) -> dict[str, object]:
    """What staff copy into the municipality's site: the script that sizes the widget to its
    content, or a plain iframe; and the origins that may show it."""
    loader = request.build_absolute_uri(f"{settings.STATIC_URL}sessions/embed-loader.js")
    return {
        "script": f'<script src="{escape(loader)}" data-session="{session.pk}" async></script>',
        "iframe": embeds.iframe_html(session, src=embed_url(request, session)),
        "origins": list(session.municipality.embed_origins),
    }


def widget_strings() -> dict[str, str]:
    """Strings embed.js shows, in the widget's language."""
    return {
        **presenter.clock_strings(),
        "answered_live": _("Answered live"),
        "answered_later": _("Answered afterwards"),
        "unanswered": _("Not answered"),
        "open": "",
    }
