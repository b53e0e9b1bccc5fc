"""One place that turns service exceptions into HTTP answers, so every error body looks alike.

Bodies: {"detail": "..."} for a refusal, {"field": ["..."]} for field errors (DRF's own shapes).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            # Django's "__all__" (e.g. a model constraint) becomes DRF's "non_field_errors".
            errors = {
                api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
                for field, messages in exc.message_dict.items()
            }
            exc = exceptions.ValidationError(errors)
        else:
            exc = exceptions.ValidationError({"detail": " ".join(exc.messages)})
    return drf_exception_handler(exc, context)
