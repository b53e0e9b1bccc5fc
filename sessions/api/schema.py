"""OpenAPI helpers: the error bodies (see api.errors) and the responses each kind of view gives.

Every operation lists the error statuses it can answer, so schemathesis can hold the API to them
(tests/test_api_fuzz.py).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS


class HashedTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <token>`, as before the tokens were hashed (api.authentication)."""

    target_class = "sessions.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


class RefusalOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    code = serializers.CharField(
        required=False,
        help_text="Which refusal, for clients to act on (e.g. already_voted, session_closed).",
    )


class RateLimitedOutput(RefusalOutput):
    retry_after = serializers.IntegerField(help_text="Seconds until a new try is allowed.")


# A 400 is either a refusal ({"detail", "code"}) or field errors ({"field": ["message", ...]},
# with "non_field_errors" for the body as a whole).
BAD_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

BAD_REQUEST = OpenApiResponse(
    BAD_REQUEST_SCHEMA,
    description='Bad input or a refused state: {"detail", "code"} or {"field": ["message"]}.',
)
NOT_SIGNED_IN = OpenApiResponse(RefusalOutput, description="Not signed in, or a bad token.")
FORBIDDEN = OpenApiResponse(RefusalOutput, description="Signed in, but not allowed.")
NOT_FOUND = OpenApiResponse(RefusalOutput, description="No such object (or page).")
UNSUPPORTED = OpenApiResponse(RefusalOutput, description="The body is not JSON.")
RATE_LIMITED = OpenApiResponse(
    RateLimitedOutput,
    description="Over a rate limit (code rate_limited); try again after Retry-After seconds.",
)
LOCKED_OUT = OpenApiResponse(
    RefusalOutput, description="Too many failed sign-ins for this username from this address."
)

# What any request may meet: a bad token is refused (401) even where anyone may read.
READ_ERRORS: dict[int, OpenApiResponse] = {401: NOT_SIGNED_IN}
LIST_ERRORS: dict[int, OpenApiResponse] = {400: BAD_REQUEST, 401: NOT_SIGNED_IN, 404: NOT_FOUND}
WRITE_ERRORS: dict[int, OpenApiResponse] = {
    400: BAD_REQUEST,
    401: NOT_SIGNED_IN,
    403: FORBIDDEN,
    415: UNSUPPORTED,
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, knowing that anyone may read where our permissions say so."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        anyone_reads = any(
            getattr(permission, "anyone_reads", False) for permission in self.view.get_permissions()
        )
        if anyone_reads and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _get_request_body(self, direction: str = "request") -> dict[str, Any] | None:
        # drf-spectacular documents bodies for POST, PUT and PATCH only. A DELETE that takes an
        # optional body (e.g. lifting a ban with a note) says so with `delete_takes_body`.
        if self.method != "DELETE" or not getattr(self.view, "delete_takes_body", False):
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            body = super()._get_request_body(direction)
        finally:
            self.method = "DELETE"
        if body is not None:
            body["required"] = False
        return body


def forbid_unknown_fields(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Request bodies say what StrictInput enforces: no properties beyond those listed.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


# Writes a retry could double (api.idempotency): the header, and the 422 for a reused key.
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A new key per write (e.g. a UUID), up to 255 characters. The same key from the "
    "same user within TOWNHALL_IDEMPOTENCY_HOURS (24) gives the first answer again, and stores "
    "nothing new; with another path or body it is refused with 422.",
)
KEY_REUSED = OpenApiResponse(
    RefusalOutput,
    description="The Idempotency-Key was used before for another request (code "
    "idempotency_key_reused); nothing was stored.",
)
