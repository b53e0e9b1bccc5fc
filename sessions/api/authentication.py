"""The API's token authentication, apart from the views: DRF imports it while its own views
module is still loading."""

from __future__ import annotations

from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class ExpiringTokenAuthentication(TokenAuthentication):
    """django-rest-knox's hashed, expiring tokens, with a refusal that says what to do."""

    def authenticate_credentials(self, token: bytes):
        try:
            return super().authenticate_credentials(token)
        except exceptions.AuthenticationFailed as failure:
            raise exceptions.AuthenticationFailed(
                _(
                    "This token is not valid: it has expired or was revoked. Ask for a new one "
                    "at /api/auth/token/."
                ),
                code="token_invalid",
            ) from failure
