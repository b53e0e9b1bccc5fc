"""The database away (a restart, a failover): 503 with Retry-After in the visitor's language.

A request that meets `django.db.OperationalError` or `InterfaceError` (PostgreSQL refusing
connections, the pool timing out, a connection cut by a restart) gets 503 Service Unavailable,
`Retry-After: TOWNHALL_UNAVAILABLE_RETRY_AFTER` seconds, and a sentence, never a 500 or a stack
trace: JSON `{"detail", "code": "unavailable"}` under /api/, a small page elsewhere. Nothing of it
needs the database: the language comes from the cookie or Accept-Language, the page is plain.

Two hooks, for the two places such an error surfaces: `DatabaseOutageMiddleware` for a view's
(and the API's) exception, in any mode; `server_error`, the 500 handler, for one raised in a
middleware (a login session read or saved) when DEBUG is off. Once PostgreSQL answers again,
the connection pool (settings: psycopg's pool, checked on checkout) hands out new connections,
so the workers serve again without a restart.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 for a request that could not reach the database."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = gettext(
            "The town hall cannot reach its database right now. Nothing you wrote is lost: "
            "try again in a moment."
        )
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": message, "code": "unavailable"}, status=503
            )
        else:
            page = render_to_string("unavailable.html", {"message": message, "language": language})
            response = HttpResponse(page, status=503)
    response["Retry-After"] = str(settings.TOWNHALL_UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """A view's database error becomes the 503 (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error("Database unavailable for %s: %s", request.path, exception)
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 when what failed was the database, Django's 500 page otherwise."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return unavailable_response(request)
    return defaults.server_error(request)
