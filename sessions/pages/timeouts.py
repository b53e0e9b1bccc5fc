"""Login sessions end when unused for too long (idle) and some hours after signing in
(absolute), shorter for staff and moderators: selectors.login_session_limits.

Checked on every HTTP request that carries a login session, the API's included. An expired one
is signed out: a page redirects to the login page with a message and comes back after it, the
API answers 401 in its error shape. Times come from django.utils.timezone.now(), so tests move
the clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..login_sessions import (
    EXPIRED_FLAG,
    LIMITS,
    SEEN_AT,
    SEEN_RESOLUTION,
    SIGNED_IN_AT,
    limits_for,
    login_session_expired,
)


class LoginSessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            if login_session_expired(request.session, request.user, now):
                setattr(request, EXPIRED_FLAG, True)
                logout(request)
                return self.expired(request)
            self.note_seen(request, now)
        response = self.get_response(request)
        # A login made by this very request (the login page) starts its clocks now. Not an API
        # token's user (DRF signs them in for the request alone): they have no login session,
        # and noting them would make one, a row and a cookie, on every token request.
        if (
            request.user.is_authenticated
            and SESSION_KEY in request.session
            and SIGNED_IN_AT not in request.session
        ):
            self.note_seen(request, timezone.now().timestamp())
        return response

    @staticmethod
    def note_seen(request: HttpRequest, now: float) -> None:
        session = request.session
        if SIGNED_IN_AT not in session:
            session[SIGNED_IN_AT] = now
            session[LIMITS] = limits_for(request.user)
        if now - session.get(SEEN_AT, 0) >= SEEN_RESOLUTION:
            session[SEEN_AT] = now

    @staticmethod
    def expired(request: HttpRequest) -> HttpResponse:
        message = _("Your session has expired. Sign in again.")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "session_expired"}, status=401)
        messages.info(request, message)
        return redirect_to_login(request.get_full_path())
