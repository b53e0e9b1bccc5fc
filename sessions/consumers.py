"""The WebSocket of a session: replay what a client missed, then relay live events.

No rules here: posting goes through the API and services.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import events, selectors
from .models import Session

# Close codes in the application range (4000-4999), mirroring HTTP where they can.
CLOSE_BAD_REQUEST = 4400
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


class SessionConsumer(AsyncWebsocketConsumer):
    """`/ws/sessions/<id>/?since=N`: events after N in order, then live ones, each seq once."""

    session_id: int
    group: str
    last_seq: int

    async def connect(self) -> None:
        self.group = ""
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        since, error = _parse_since(self.scope.get("query_string", b""))
        if error:
            await self.accept()
            await self.send_error(error)
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        # Join before reading the log, so nothing committed in between is missed; accept only
        # then, so a client whose socket is open is already subscribed from a known seq.
        # (Live events that arrive meanwhile wait: a consumer handles one message at a time.)
        self.group = events.group_name(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        newest = await database_sync_to_async(events.current_seq)(self.session_id)
        await self.accept()
        if newest is None:
            await self.send_error("There is no such session.")
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # A client that claims more than the log holds resumes from the log's end.
        self.last_seq = newest if since is None else min(since, newest)
        await self.replay()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
            return
        await self.send_error(
            'This socket only carries events. Send {"type": "ping"}, or post through the API.'
        )

    async def session_event(self, message: dict) -> None:
        """A live event from the channel layer: send it unless this socket has had it."""
        seq = message["seq"]
        if seq <= self.last_seq:
            return
        if seq > self.last_seq + 1:
            # An earlier event's doorbell has not rung here (yet): read the gap from the log.
            await self.replay()
            if seq <= self.last_seq:
                return
        await self.send(text_data=message["text"])
        self.last_seq = seq

    async def replay(self) -> None:
        missed = await database_sync_to_async(events.events_after)(self.session_id, self.last_seq)
        for seq, text in missed:
            await self.send(text_data=text)
            self.last_seq = seq

    async def send_error(self, message: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "data": {"message": message}}))


class ModerationConsumer(AsyncWebsocketConsumer):
    """`/ws/sessions/<id>/moderation/`: doorbells for the session's moderation view.

    Only moderators of the session's municipality and staff may connect. Every public event
    and every moderation change rings `{"type": "changed"}`; the page then reads its state
    fresh over HTTP. Nothing to replay: a reconnecting page simply reads again.
    """

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        allowed = await database_sync_to_async(_may_moderate)(self.scope.get("user"), session_id)
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
        await self.send(text_data=json.dumps({"type": "ready"}))

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=json.dumps({"type": "pong"}))

    async def session_event(self, message: dict) -> None:
        await self.send(text_data=json.dumps({"type": "changed", "seq": message["seq"]}))

    async def moderation_changed(self, message: dict) -> None:
        await self.send(text_data=json.dumps({"type": "changed"}))

    async def send_error(self, message: str) -> None:
        await self.send(text_data=json.dumps({"type": "error", "data": {"message": message}}))


def _may_moderate(user: object, session_id: int) -> bool | None:
    """True or False, or None when there is no such session."""
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        return None
    return user is not None and selectors.is_moderator(user, session)


def _parse_since(query_string: bytes) -> tuple[int | None, str | None]:
    values = parse_qs(query_string.decode("latin-1")).get("since")
    if not values:
        return None, None
    try:
        since = int(values[-1])
    except ValueError:
        return None, "since must be a whole number: the last seq this client saw."
    if since < 0:
        return None, "since must not be negative."
    return since, None
