"""The rate limits' defaults and the format of TOWNHALL_RATE_LIMITS; read by settings.py.

Kept free of Django imports: settings.py imports it before Django is set up.
"""

from __future__ import annotations

import re

from django.core.exceptions import ImproperlyConfigured

# Per signed-in user, and per client IP address ("<action>:ip"). The IP limits are far higher:
# a whole room at a town-hall meeting may share one address behind the municipality's NAT.
DEFAULT_RATE_LIMITS: dict[str, str] = {
    "question": "5/m",
    "question:ip": "60/m",
    "reply": "10/m",
    "reply:ip": "120/m",
    "vote": "30/m",
    "vote:ip": "600/m",
    "report": "10/m",
    "report:ip": "120/m",
}

# django-ratelimit's rate syntax: a count, a slash, an optional multiplier and a unit.
RATE = re.compile(r"^[1-9]\d*/\d*[smhd]$")
KEY = re.compile(r"^[a-z_]+(:ip)?$")


def parse_rate_limits(raw: str, defaults: dict[str, str]) -> dict[str, str]:
    """The limits in force: `defaults`, changed by `raw` ("question=5/m,vote:ip=300/m,vote=off").

    "off" alone turns every limit off (load tests, benchmarks); "<key>=off" one of them.
    """
    raw = raw.strip()
    if raw.lower() == "off":
        return {}
    limits = dict(defaults)
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, sep, rate = (text.strip() for text in item.partition("="))
        if not sep or not KEY.match(key) or not (rate == "off" or RATE.match(rate)):
            raise ImproperlyConfigured(
                f"TOWNHALL_RATE_LIMITS: {item!r} is not <action>[:ip]=<count>/<unit> or "
                "<action>=off; units are s, m, h, d (e.g. question=5/m,vote:ip=300/m)."
            )
        if rate == "off":
            limits.pop(key, None)
        else:
            limits[key] = rate
    return limits
