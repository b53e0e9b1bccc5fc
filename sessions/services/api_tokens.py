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
    """A new token and its expiry. The token is returned this once: only its hash is stored.
    The user's expired tokens are deleted here (the API's authentication leaves them)."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
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


def end_tokens_on_new_password(sender: type, instance: User, **kwargs: object) -> None:
    """pre_save of the user model: a new password ends every API token of the account.

    Passwords change through Django's own views and admin, which call no service of ours; the
    login sessions end there already (Django's session hash), and this does the same for tokens.
    """
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = (
        type(instance).objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    )
    if stored is not None and stored != instance.password:
        end_all_api_tokens(user=instance)
