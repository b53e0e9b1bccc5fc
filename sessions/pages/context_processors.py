"""Template context every page gets."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest

from .. import selectors


def page_path(request: HttpRequest) -> dict[str, str]:
    """The page's own address, where "log in", "sign up" and the language switcher come back to.
    A view may name a cleaner one (the session page keeps only the query it understands)."""
    return {"page_path": request.get_full_path()}


def sign_in_options(request: HttpRequest) -> dict[str, object]:
    """How people may sign in and sign up here: the provider's name on the sign-in button
    (empty when none is configured) and whether password sign-up is open."""
    from .oidc import oidc_enabled

    return {
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME if oidc_enabled() else "",
        "password_signup": settings.TOWNHALL_PASSWORD_SIGNUP,
    }


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The header's count of unread notifications, for signed-in users only: counted when the
    header shows it (the anonymous session page, shared by all, renders without a request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: selectors.unread_notification_count(user)}
