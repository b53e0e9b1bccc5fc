"""Template context every page gets."""

from __future__ import annotations

from django.http import HttpRequest


def page_path(request: HttpRequest) -> dict[str, str]:
    """The page's own address, where "log in", "sign up" and the language switcher come back to.
    A view may name a cleaner one (the session page keeps only the query it understands)."""
    return {"page_path": request.get_full_path()}
