"""Which OpenID Connect issuers Townhall accepts; read by settings.py and at sign-in.

Kept free of Django's setup: settings.py imports it before Django is set up.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: addresses that never leave the machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """Why an issuer's (or its endpoint's) URL is refused, or None when it is acceptable:
    https, or plain http only on a loopback address (tests, a provider on the same machine)."""
    parts = urlsplit(url)
    if not parts.hostname:
        return f"{url!r} is not an absolute URL"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return None
    return f"{url!r} must use https:// (plain http:// only on a loopback address)"


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL: what a Content Security Policy source names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
