"""API tokens: issued for a signed-in person, stored only as a hash (django-rest-knox), ending
after TOWNHALL_API_TOKEN_HOURS; listed and revoked by their owner."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from .common import User


def issue_api_token(*, user: User) -> tuple[str, datetime]:
    """A new token and its expiry. The token is returned this once: only its hash is stored."""
    instance, token = AuthToken.objects.create(user=user)
    return token, instance.expiry


def live_api_tokens(*, user: User) -> QuerySet[AuthToken]:
    """The user's tokens that have not expired, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def revoke_api_tokens(*, user: User, token_key: str | None = None) -> int:
    """End one of the user's own tokens (by its key, the first characters shown in the list) or,
    without a key, all of them. Another person's key is not found: nothing changes."""
    with transaction.atomic():
        tokens = AuthToken.objects.filter(user=user)
        if token_key is not None:
            tokens = tokens.filter(token_key=token_key)
            if not tokens.exists():
                raise ObjectDoesNotExist(_("You have no token with that key."))
        deleted, _by_model = tokens.delete()
        return deleted


def end_all_api_tokens(*, user: User) -> None:
    """Every token of the user ends (account deleted, password changed)."""
    AuthToken.objects.filter(user=user).delete()
