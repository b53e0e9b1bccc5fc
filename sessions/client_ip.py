"""The client's IP address, for rate limits and login lockouts.

REMOTE_ADDR, unless settings.TOWNHALL_TRUSTED_PROXY_HEADER names the header that the trusted
proxy in front of Daphne sets (e.g. "X-Forwarded-For"). A client can send that header itself,
so only the address the proxy appended, the right-most one, is believed; never the whole list.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    header = settings.TOWNHALL_TRUSTED_PROXY_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        forwarded = request.META.get(meta_key, "")
        if forwarded:
            return _valid(forwarded.split(",")[-1])
    return _valid(request.META.get("REMOTE_ADDR") or "")


def client_ip_for_axes(request: HttpRequest) -> str:
    """django-axes wants a string; an unknown address counts as one shared unknown client.

    The stand-in must itself be an address: axes keeps it in an IP field, which PostgreSQL stores
    as inet and refuses "unknown" for (Django's test client's force_login has no REMOTE_ADDR).
    """
    return client_ip(request) or "0.0.0.0"
