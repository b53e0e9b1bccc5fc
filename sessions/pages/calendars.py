"""Calendar files: /sessions/<id>/calendar.ics (one session, to add) and
/municipalities/<slug>/calendar.ics (a feed to subscribe to, also linked as webcal://).

The files are written by sessions/calendars.py; here only the addresses and the HTTP answer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import calendars, selectors
from ..models import Municipality, Session


def session_calendar(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_for_page(session_id)
    body = calendars.calendar_file(
        [session], host=request.get_host(), url_for=_session_url(request), now=timezone.now()
    )
    response = HttpResponse(body, content_type=calendars.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


def municipality_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = selectors.municipality_by_slug(slug)
    now = timezone.now()
    body = calendars.calendar_file(
        selectors.sessions_for_calendar(municipality, now),
        host=request.get_host(),
        url_for=_session_url(request),
        now=now,
        name=_("%(municipality)s: digital town hall") % {"municipality": municipality.name},
    )
    # Inline, not an attachment: calendar clients subscribe to it by its address.
    return HttpResponse(body, content_type=calendars.CONTENT_TYPE)


def _session_url(request: HttpRequest) -> Callable[[Session], str]:
    return lambda session: request.build_absolute_uri(reverse("session", args=[session.pk]))


def webcal_url(request: HttpRequest, municipality: Municipality) -> str:
    """The feed's address for "subscribe": webcal:// opens the reader's calendar app."""
    feed = request.build_absolute_uri(reverse("municipality-calendar", args=[municipality.slug]))
    return "webcal://" + feed.split("://", 1)[1]


def calendar_links(request: HttpRequest, session: Session) -> dict[str, str]:
    """The session's "Add to calendar" file and its municipality's feed, both ways."""
    municipality = session.municipality
    return {
        "session_ics": reverse("session-calendar", args=[session.pk]),
        "feed": reverse("municipality-calendar", args=[municipality.slug]),
        "webcal": webcal_url(request, municipality),
    }
