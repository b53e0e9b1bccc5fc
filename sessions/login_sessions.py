"""What a login session holds about its own age, and whether it has outlived its limits
(selectors.login_session_limits). The HTTP middleware (pages/timeouts.py) and the moderation
socket (live/consumers.py) both ask here."""

from __future__ import annotations

from . import selectors

SIGNED_IN_AT = "townhall_signed_in_at"
SEEN_AT = "townhall_seen_at"
# (idle, absolute) in seconds, fixed when the login starts: no query per request for them.
LIMITS = "townhall_limits"
# The last-seen time is written at most this often (seconds), not on every request.
SEEN_RESOLUTION = 60


def login_session_expired(session, user, now: float) -> bool:
    """Whether this login session has outlived its idle or absolute limit at `now` (seconds)."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        return False
    idle, absolute = session.get(LIMITS) or limits_for(user)
    seen_at = session.get(SEEN_AT, signed_in_at)
    return now - seen_at > idle or now - signed_in_at > absolute


def limits_for(user) -> list[float]:
    return [limit.total_seconds() for limit in selectors.login_session_limits(user)]
