"""Template context every page gets."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from .. import selectors


def page_path(request: HttpRequest) -> dict[str, str]:
    """The page's own address, where "log in", "sign up" and the language switcher come back to.
    A view may name a cleaner one (the session page keeps only the query it understands)."""
    return {"page_path": request.get_full_path()}


def notifications(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The header's count of unread notifications, for signed-in users only: counted when the
    header shows it (the anonymous session page, shared by all, renders without a request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: selectors.unread_notification_count(user)}
