"""Reading payloads in templates: the public record page renders the API's own data."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def moment(value: str | None) -> datetime | None:
    """A payload's ISO 8601 time as a datetime, for the date and time filters."""
    return parse_datetime(value) if value else None


@register.filter
def percent(share: float | None) -> str:
    """A share from 0 to 1 as a whole percentage; a dash when there is nothing to share."""
    return "\N{EN DASH}" if share is None else f"{round(share * 100)} %"
