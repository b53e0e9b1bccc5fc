"""Template context every page gets."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import ngettext

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


def notifications(request: HttpRequest) -> dict[str, Callable[[], str]]:
    """The header's badge of unread notifications, for signed-in users only: counted when the
    header shows it (the anonymous session page, shared by all, renders without a request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_badge": lambda: unread_badge(user)}


def unread_badge(user: AbstractBaseUser) -> str:
    """The badge after "Notifications" in the header: how many are unread, or nothing."""
    count = selectors.unread_notification_count(user)
    if not count:
        return ""
    label = ngettext("%(counter)s unread", "%(counter)s unread", count) % {"counter": count}
    return format_html(' <span class="badge unread-count" aria-label="{}">{}</span>', label, count)
