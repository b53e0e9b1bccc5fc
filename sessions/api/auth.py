"""POST /api/auth/token/: DRF's token view, with django-axes' lockout said plainly.

Axes counts the failures here as on the login page (DRF's serializer calls authenticate() with
the request). A locked-out attempt would otherwise look like a wrong password; it gets a 429
with the lockout message instead, in the API's error shape.
"""

from __future__ import annotations

from axes.helpers import get_lockout_message
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response


class ObtainAuthTokenWithLockout(ObtainAuthToken):
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": str(get_lockout_message()), "code": "locked_out"}, status=429
                )
            raise
