"""The API's token authentication, apart from the views: DRF imports it while its own views
module is still loading."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication
from knox.models import AuthToken
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

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        """Whether the presented token has expired (then it is deleted and refused).

        knox also reads all the user's other tokens here, on every request, to delete the
        expired ones: a query per API call that a poll storm pays 2,000 times. Those are
        deleted instead when the user is issued a new token (services.issue_api_token).
        """
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
