"""POST /api/auth/token/: DRF's token view, issuing django-rest-knox's hashed, expiring tokens,
with django-axes' lockout said plainly and the second factor asked of those who use one.

Axes counts the failures here as on the login page (DRF's serializer calls authenticate() with
the request). A locked-out attempt would otherwise look like a wrong password; it gets a 429
with the lockout message instead, in the API's error shape. Staff and moderators (and anyone who
set up an authenticator app) add "otp": a code from the app or a recovery code; a wrong one
counts toward the same lockout.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_message
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors
from ..services import api_tokens, two_factor


def _locked_out() -> Response:
    return Response({"detail": str(get_lockout_message()), "code": "locked_out"}, status=429)


class ObtainAuthTokenWithLockout(ObtainAuthToken):
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return _locked_out()
            raise
        user = serializer.validated_data["user"]
        refusal = self.second_factor_refusal(request, user, serializer.validated_data.get("otp"))
        if refusal is not None:
            return refusal
        token, expiry = api_tokens.issue_api_token(user=user)
        return Response({"token": token, "expiry": expiry})

    def second_factor_refusal(self, request: Request, user, code: str | None) -> Response | None:
        """None when the user needs no second factor or gave a right code; else the answer."""
        if not selectors.second_factor_required(user):
            return None
        if two_factor.confirmed_app(user) is None:
            return Response(
                {
                    "detail": _(
                        "Staff and moderators sign in with a second factor. Set up an "
                        "authenticator app at %(url)s first."
                    )
                    % {"url": reverse("two-factor")},
                    "code": "second_factor_required",
                    "enrol": request.build_absolute_uri(reverse("two-factor")),
                },
                status=403,
            )
        if not code:
            return Response(
                {
                    "detail": _(
                        'Send the code your authenticator app shows (or a recovery code) as "otp".'
                    ),
                    "code": "otp_required",
                },
                status=400,
            )
        try:
            two_factor.verify_second_factor(user=user, code=code)
        except ValidationError as error:
            credentials = {"username": user.get_username()}
            django_request = request._request
            user_login_failed.send(sender=__name__, credentials=credentials, request=django_request)
            if not AxesProxyHandler.is_allowed(django_request, credentials):
                return _locked_out()
            return Response({"detail": " ".join(error.messages), "code": "invalid_otp"}, status=400)
        return None
