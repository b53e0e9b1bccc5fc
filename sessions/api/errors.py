"""One place that turns service exceptions into HTTP answers, so every error body looks alike.

Bodies: {"detail": "..."} for a refusal, {"field": ["..."]} for field errors (DRF's own shapes).
A refusal by a service also says which one in "code" (e.g. "already_voted", "session_closed"),
so a client can act on it without reading the message, which is translated.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from ..services.idempotency import KeyReused
from ..services.ratelimits import RateLimited


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # A refusal that names itself (e.g. services.Banned, code "banned") keeps its code.
    if isinstance(exc, PermissionDenied) and getattr(exc, "code", None):
        return Response({"detail": str(exc), "code": exc.code}, status=403)
    if isinstance(exc, RateLimited):
        body = {"detail": exc.message, "code": "rate_limited", "retry_after": exc.retry_after}
        return Response(body, status=429, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, KeyReused):
        return Response({"detail": exc.message, "code": exc.code}, status=422)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            # Django's "__all__" (e.g. a model constraint) becomes DRF's "non_field_errors".
            errors = {
                api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
                for field, messages in exc.message_dict.items()
            }
            exc = exceptions.ValidationError(errors)
        else:
            body = {"detail": " ".join(exc.messages)}
            codes = {error.code for error in exc.error_list if error.code}
            if len(codes) == 1:
                body["code"] = codes.pop()
            return Response(body, status=400)
    return drf_exception_handler(exc, context)
