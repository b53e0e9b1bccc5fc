"""The WebSocket of a session: replay what a client missed, then relay live events.

No rules here: posting goes through the API and services. Live events come from this process's
relay (relay.py), never from a channel-layer group of the socket's own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from .. import events, selectors
from ..login_sessions import (
    BANNED,
    EXPIRED,
    SIGNED_OUT,
    login_session_deadline,
    login_session_expired,
)
from ..models import Session
from . import presence, relay

logger = logging.getLogger(__name__)

# Close codes in the application range (4000-4999), mirroring HTTP where they can.
CLOSE_BAD_REQUEST = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# The login this socket was opened with has ended (signed out, timed out): reconnect anonymous.
CLOSE_SIGNED_OUT = 4401

SIGNED_OUT_MESSAGES = {
    SIGNED_OUT: "You have signed out. Sign in again to take part.",
    EXPIRED: "Your session has expired. Sign in again.",
    BANNED: "You have been banned from taking part in this municipality's sessions.",
}


class WatchesLogin:
    """A socket opened by a signed-in person ends with that login: signed out anywhere, timed out
    (idle or absolute, read again from the session store when its deadline passes), the account
    deleted, or, for a ban, the municipality's sessions. It sends a `signed_out` frame with the
    reason, then closes with 4401 (4403 for a ban); the page keeps its drafts and asks to sign in
    again, and reconnects without the login. The process's relay does the watching."""

    user_id: int
    login_key: str
    login_deadline: float | None
    watching_login: bool = False

    async def watch_login(self) -> bool:
        """Register with the relay; False when the socket has no login, or an expired one."""
        user = self.scope.get("user")
        login = self.scope.get("session")
        if user is None or not user.is_authenticated or login is None:
            return False
        deadline = await database_sync_to_async(_live_login_deadline)(login, user)
        if deadline is False:
            return False
        self.user_id, self.login_key, self.login_deadline = user.pk, login.session_key, deadline
        await relay.get_relay().watch_login(self)
        self.watching_login = True
        return True

    def unwatch_login(self) -> None:
        if self.watching_login:
            self.watching_login = False
            relay.get_relay().unwatch_login(self)

    async def recheck_login(self, passed_deadline: float) -> None:
        """The relay saw `passed_deadline` go by: read the login anew, as it may have been used."""
        login = self.scope["session"].__class__(session_key=self.login_key)
        try:
            deadline = await database_sync_to_async(_live_login_deadline)(login, self.scope["user"])
        except Exception:
            # The store did not answer: ask again at the relay's next check.
            logger.exception("Reading the login of a socket failed")
            self.login_deadline = passed_deadline
            return
        if deadline is False:
            reason = EXPIRED if login.get("_auth_user_id") == str(self.user_id) else SIGNED_OUT
            self.unwatch_login()
            await self.login_ended(reason, None)
        else:
            self.login_deadline = deadline

    async def login_ended(self, reason: str, municipality_id: int | None) -> None:
        if municipality_id is not None and not await self.in_municipality(municipality_id):
            return
        self.watching_login = False
        await self.end_for_login(
            {
                "type": "signed_out",
                "data": {"reason": reason, "message": SIGNED_OUT_MESSAGES[reason]},
            },
            CLOSE_FORBIDDEN if reason == BANNED else CLOSE_SIGNED_OUT,
        )

    async def end_for_login(self, frame: dict[str, Any], code: int) -> None:
        raise NotImplementedError

    async def in_municipality(self, municipality_id: int) -> bool:
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        return await database_sync_to_async(
            Session.objects.filter(pk=session_id, municipality_id=municipality_id).exists
        )()


def _live_login_deadline(login: SessionBase, user: Any) -> float | bool | None:
    """The login's deadline (None: its clocks have not started), or False when it has ended:
    gone from the store, another person's, or past its limits."""
    if login.get("_auth_user_id") != str(user.pk):
        return False
    now = timezone.now().timestamp()
    if login_session_expired(login, user, now):
        return False
    return login_session_deadline(login, user)


class SessionConsumer(WatchesLogin, AsyncWebsocketConsumer):
    """`/ws/sessions/<id>/?since=N&viewer=ID`: events after N in order, then live ones, each seq
    once; `resync` instead when N is more than TOWNHALL_REPLAY_LIMIT events behind."""

    # No channel of its own: a consumer with one waits on the channel layer for every socket,
    # which is what the relay replaces (an alias that names no layer gives none).
    channel_layer_alias = "townhall-sockets-have-no-channel"

    session_id: int
    last_seq: int
    viewer_key: str

    async def connect(self) -> None:
        self.relay: relay.Relay | None = None
        self.counted_signed_in = False
        self.last_seq = 0
        # Until the socket has caught up, live events wait here (the relay does not wait).
        self.syncing = True
        self.held: list[tuple[int, dict[str, Any], int]] = []
        self.held_bytes = 0
        self.writer = relay.SocketWriter(
            self.base_send,
            limit=int(getattr(settings, "TOWNHALL_SOCKET_BUFFER_LIMIT", 256 * 1024)),
            kernel_buffer=int(getattr(settings, "TOWNHALL_SOCKET_KERNEL_BUFFER", 0)),
            direct=settings.TOWNHALL_DIRECT_SEND,
        )
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        since, error = _parse_since(query.get("since"))
        if error:
            await self.accept()
            await self.send_error(error)
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        self.viewer_key = presence.viewer_key((query.get("viewer") or [None])[-1])
        # Register with the relay before reading the log, so nothing committed in between is
        # missed; accept only then, so a client whose socket is open is already subscribed.
        try:
            self.relay = relay.get_relay()
            newest = await self.relay.join(self.session_id, self)
        except relay.NoSuchSession:
            self.relay = None
            await self.accept()
            await self.send_error("There is no such session.")
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if await self.watch_login():
            # Counted among the signed-in viewers (a poll's turnout) while its login lasts.
            self.relay.signed_in(self.session_id, self.user_id)
            self.counted_signed_in = True
        await self.accept()
        if since is None or since >= newest:
            # A client that claims more than the log holds resumes from the log's end.
            self.last_seq = newest if since is None else min(since, newest)
        elif newest - since > int(getattr(settings, "TOWNHALL_REPLAY_LIMIT", 1000)):
            # Too far behind to replay: the client fetches the state anew; live events follow.
            self.last_seq = newest
            await self.send_frame({"type": "resync", "data": {"seq": newest}})
        else:
            self.last_seq = since
            await self.replay()
        await self.catch_up()

    async def disconnect(self, code: int) -> None:
        self.unwatch_login()
        self.writer.release()
        if self.relay is not None:
            if self.counted_signed_in:
                self.counted_signed_in = False
                await self.relay.signed_out(self.session_id, self.user_id)
            await self.relay.leave(self.session_id, self)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send_frame({"type": "pong"})
            return
        await self.send_error(
            'This socket only carries events. Send {"type": "ping"}, or post through the API.'
        )

    # From the relay ----------------------------------------------------------------------------

    async def live(self, seq: int, message: dict[str, Any], size: int) -> None:
        """A live event, in seq order; seqs may skip (coalesced vote counts), never go back."""
        if self.syncing:
            self.held.append((seq, message, size))
            self.held_bytes += size
            if self.held_bytes > self.writer.limit:
                self.held = []
                await self.writer.close_slow()
            return
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        await self.writer.send_live(message, size)

    def live_direct(self, seq: int, message: dict[str, Any]) -> bool:
        """The direct path's fast lane, without a coroutine per socket: True when the event is
        done with for this socket (written straight to it, or already sent); False to take
        `live`, which handles syncing, held frames and the ASGI path."""
        writer = self.writer
        if self.syncing or not writer.direct or writer.closed or writer.pending:
            return False
        if seq <= self.last_seq:
            return True
        if writer.write_direct(message):
            self.last_seq = seq
            return True
        return False

    async def notice(self, message: dict[str, Any], size: int) -> None:
        """A frame outside the log (presence): only for a socket that has caught up."""
        if not self.syncing:
            await self.writer.send_live(message, size)

    # Own frames ----------------------------------------------------------------------------------

    async def replay(self) -> None:
        missed = await database_sync_to_async(events.events_after)(self.session_id, self.last_seq)
        for event in missed:
            await self.writer.send_waiting({"type": "websocket.send", "text": event.text})
            self.last_seq = event.seq

    async def catch_up(self) -> None:
        """Send what the relay passed on during the replay, then take live events directly."""
        while self.held:
            held, self.held, self.held_bytes = self.held, [], 0
            for seq, message, _size in held:
                if seq > self.last_seq:
                    self.last_seq = seq
                    await self.writer.send_waiting(message)
        self.syncing = False
        current = self.relay.presence_message(self.session_id) if self.relay else None
        if current is not None:
            await self.writer.send_live(*current)

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.writer.send_waiting({"type": "websocket.send", "text": json.dumps(frame)})

    async def end_for_login(self, frame: dict[str, Any], code: int) -> None:
        await self.send_frame(frame)
        self.writer.release()  # nothing after the close
        await self.close(code=code)

    async def send_error(self, message: str) -> None:
        await self.send_frame({"type": "error", "data": {"message": message}})


class ModerationConsumer(WatchesLogin, AsyncWebsocketConsumer):
    """`/ws/sessions/<id>/moderation/`: doorbells for the session's moderation view.

    Only moderators of the session's municipality and staff may connect. Every public event
    and every moderation change rings `{"type": "changed"}`; the page then reads its state
    fresh over HTTP. Nothing to replay: a reconnecting page simply reads again.
    """

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        self.held_frames: dict[tuple[str, Any], dict[str, Any]] = {}
        self.frame_flush: asyncio.TimerHandle | None = None
        self.last_frame_flush = 0.0
        session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        allowed = await database_sync_to_async(_may_moderate)(
            self.scope.get("user"), self.scope.get("session"), session_id
        )
        await self.accept()
        if allowed is None:
            await self.send_error("There is no such session.")
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not allowed:
            await self.send_error("Only moderators of this municipality can watch this.")
            await self.close(code=CLOSE_FORBIDDEN)
            return
        for group in (events.group_name(session_id), events.moderation_group_name(session_id)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.watch_login()
        await self.send(text_data=json.dumps({"type": "ready"}))

    async def disconnect(self, code: int) -> None:
        self.unwatch_login()
        if self.frame_flush is not None:
            self.frame_flush.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=json.dumps({"type": "pong"}))

    async def session_event(self, message: dict) -> None:
        await self.send(text_data=json.dumps({"type": "changed", "seq": message["seq"]}))

    async def moderation_changed(self, message: dict) -> None:
        await self.send(text_data=json.dumps({"type": "changed"}))

    async def moderation_frame(self, message: dict) -> None:
        """A frame only moderators may see (a poll's results not yet public), coalesced per
        poll like vote counts: the newest within TOWNHALL_VOTE_INTERVAL goes out, the last
        always."""
        frame = {"type": message["event"], "data": message["data"]}
        self.held_frames[(message["event"], message["data"].get("poll"))] = frame
        if self.frame_flush is None:
            interval = float(getattr(settings, "TOWNHALL_VOTE_INTERVAL", 0.25))
            wait = max(0.0, self.last_frame_flush + interval - time.monotonic())
            loop = asyncio.get_running_loop()
            self.frame_flush = loop.call_later(
                wait, lambda: asyncio.ensure_future(self._flush_frames())
            )

    async def _flush_frames(self) -> None:
        self.frame_flush = None
        held, self.held_frames = self.held_frames, {}
        self.last_frame_flush = time.monotonic()
        for frame in held.values():
            await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    async def send_error(self, message: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "data": {"message": message}}))

    async def end_for_login(self, frame: dict[str, Any], code: int) -> None:
        await self.send(text_data=json.dumps(frame))
        await self.close(code=code)


def _may_moderate(user: Any, login: Any, session_id: int) -> bool | None:
    """True or False, or None when there is no such session. A login that still owes its second
    factor, or has timed out, may not watch, as it may not open the moderation page."""
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return None
    if user is None or not selectors.is_moderator(user, session):
        return False
    if login is not None and login_session_expired(login, user, timezone.now().timestamp()):
        return False
    return not selectors.second_factor_required(user) or _passed_second_factor(user, login)


def _passed_second_factor(user: Any, login: Any) -> bool:
    """What django-otp's middleware does for HTTP: the login's device, confirmed and the user's."""
    persistent_id = login.get(DEVICE_ID_SESSION_KEY) if login is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


def _parse_since(values: list[str] | None) -> tuple[int | None, str | None]:
    if not values:
        return None, None
    try:
        since = int(values[-1])
    except ValueError:
        return None, "since must be a whole number: the last seq this client saw."
    if since < 0:
        return None, "since must not be negative."
    return since, None
