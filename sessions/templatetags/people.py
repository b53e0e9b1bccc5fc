"""How pages name people: the same rule as the API and live events (payloads.display_name)."""

from __future__ import annotations

from django import template

from ..payloads import display_name as display_name_of
from ..payloads import is_verified_account

register = template.Library()


@register.filter
def display_name(user: object) -> str:
    # A blank post (the live page's <template>) has no author: show nothing.
    if not hasattr(user, "get_username"):
        return ""
    return display_name_of(user)


@register.filter
def is_verified(user: object) -> bool:
    """A verified citizen (an identity from the provider); False for a blank post."""
    if not hasattr(user, "get_username"):
        return False
    return is_verified_account(user)
