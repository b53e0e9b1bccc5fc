"""What a login session holds about its own age, and whether it has outlived its limits
(selectors.login_session_limits). The HTTP middleware (pages/timeouts.py) and the sockets
(live/consumers.py) both ask here.

A login that ends (signed out, timed out, the account deleted, its holder banned) also ends its
open sockets: `end_login_sockets` rings every process's relay, which closes the sockets of that
login (live/relay.py, `Relay.end_logins`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from . import selectors

logger = logging.getLogger(__name__)

SIGNED_IN_AT = "townhall_signed_in_at"
SEEN_AT = "townhall_seen_at"
# (idle, absolute) in seconds, fixed when the login starts: no query per request for them.
LIMITS = "townhall_limits"
# The last-seen time is written at most this often (seconds), not on every request.
SEEN_RESOLUTION = 60
# The channel-layer group every relay joins, for the ends of logins.
LOGINS_GROUP = "townhall-logins"
# Why a login's sockets end (the `reason` of the socket's `signed_out` frame).
SIGNED_OUT = "signed_out"
EXPIRED = "expired"
BANNED = "banned"
# A request whose login the timeout middleware ends says so here, for the logout receiver.
EXPIRED_FLAG = "townhall_login_expired"


def login_session_expired(session: Mapping[str, Any], user: Any, now: float) -> bool:
    """Whether this login session has outlived its idle or absolute limit at `now` (seconds)."""
    deadline = login_session_deadline(session, user)
    return deadline is not None and now > deadline


def login_session_deadline(session: Mapping[str, Any], user: Any) -> float | None:
    """When (seconds since the epoch) this login session outlives its idle or absolute limit,
    unless it is used again before; None for a login whose clocks have not started."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        return None
    idle, absolute = session.get(LIMITS) or limits_for(user)
    seen_at = session.get(SEEN_AT, signed_in_at)
    return min(seen_at + idle, signed_in_at + absolute)


def limits_for(user: Any) -> list[float]:
    return [limit.total_seconds() for limit in selectors.login_session_limits(user)]


def end_login_sockets(
    *,
    user_id: int,
    reason: str,
    session_key: str | None = None,
    municipality_id: int | None = None,
) -> None:
    """After commit, close the open sockets of one login (`session_key`) or of every login of
    the user, in every process. A ban (`municipality_id`) closes only the sockets of that
    municipality's sessions. Best effort, like every doorbell: a socket that misses it still
    finds its login gone at its next check (TOWNHALL_LOGIN_CHECK_SECONDS)."""
    message = {
        "type": "login.ended",
        "user": user_id,
        "session_key": session_key,
        "reason": reason,
        "municipality": municipality_id,
    }
    transaction.on_commit(lambda: _ring_relays(message))


def _ring_relays(message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(LOGINS_GROUP, message)
    except Exception:
        logger.exception("The end of a login could not reach the sockets")


def close_sockets_on_logout(sender: type, request: Any, user: Any, **kwargs: object) -> None:
    """user_logged_out: the login's open sockets end with it.

    Logins end in Django's own logout view as well as in ours (time-outs, the two-factor page,
    account deletion), so the one signal all of them send is where this is said once.
    """
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is None or session_key is None:
        return
    reason = EXPIRED if getattr(request, EXPIRED_FLAG, False) else SIGNED_OUT
    end_login_sockets(user_id=user.pk, session_key=session_key, reason=reason)
