"""The per-process relay: each live event reaches this process once and goes to all of its sockets.

Viewer sockets join no channel-layer group. A socket registers with its process's relay on
connect and leaves on disconnect; the relay is the process's only channel-layer member (one
group per session it has sockets for), so an event costs one channel-layer message per process,
not one per socket, and the frame is encoded once for every socket. The relay also keeps seq
order for the whole process: an event that arrives ahead of an earlier one (two writers on two
workers) makes it read the gap from the log once, for all its sockets.

Vote counts are coalesced here (see `Relay._offer`), presence is counted here (presence.py), and
a slow socket's frames wait here, bounded (`SocketWriter`). Frames go out through ASGI `send`, or,
with TOWNHALL_DIRECT_SEND, straight to the socket's TCP connection (`SocketWriter.write_direct`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import logging
import socket
import time
import weakref
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.utils import timezone

from .. import events
from ..login_sessions import LOGINS_GROUP
from .presence import PresenceCounter, presence_counter

logger = logging.getLogger(__name__)

# "Try again later", for a socket too slow to keep up: the client reconnects with ?since= and
# catches up from the log. RFC 6455's own code is 1013, but autobahn (under Daphne) lets a server
# close only with 1000 or 3000-4999, so it is 4013, as 4400 and 4404 mirror HTTP's codes.
CLOSE_TRY_AGAIN_LATER = 4013
# Twisted's own threshold for a full transport buffer (FileDescriptor.bufferSize).
TRANSPORT_HIGH_WATER = 64 * 1024
DRAIN_POLL_SECONDS = 0.05
# Yield to the event loop after this many sockets, so one big session does not starve the rest.
SOCKETS_PER_SLICE = 500
# The ready frame, in the ASGI message under a key servers ignore (the direct path's).
FRAME_KEY = "townhall.frame"
# gc.freeze() after every this many new viewers in the process.
FREEZE_STEP = 1000

Send = Callable[[dict[str, Any]], Awaitable[None]]
# Counts coalesced within TOWNHALL_VOTE_INTERVAL: event type -> the field naming what is counted.
COALESCED = {events.VOTE_CHANGED: "post", events.POLL_RESULTS: "poll"}


def setting(name: str, default: float) -> float:
    return getattr(settings, name, default)


class NoSuchSession(LookupError):
    pass


class SocketWriter:
    """Frames to one socket through ASGI `send`, holding them while the socket's transport is full.

    ASGI has no back-pressure for WebSocket sends: Daphne writes every frame into the Twisted
    transport's buffer at once. So under Daphne the writer looks at that buffer (the bytes Twisted
    has not handed to the kernel yet); past TRANSPORT_HIGH_WATER, live frames wait here instead,
    up to `limit` bytes, and past that the socket is closed with 4013 and the client resyncs from
    the log. A slow viewer never holds up the others, and never holds more than the limit.
    Frames the socket's own task sends (replay) wait for the buffer instead. Under another server
    (or Channels' test communicator) nothing is ever held.
    """

    def __init__(
        self, send: Send, limit: int, kernel_buffer: int = 0, direct: bool = False
    ) -> None:
        self.send = send
        self.limit = limit
        self.pending: deque[tuple[dict[str, Any], int]] = deque()
        self.pending_bytes = 0
        self.closed = False
        self.draining: asyncio.Task | None = None
        self.protocol, self.transport, plain = _daphne_socket(send)
        # The direct path (TOWNHALL_DIRECT_SEND): only straight on TCP, never under TLS.
        self.direct = direct and plain and direct_send_supported()
        if self.transport is not None and kernel_buffer:
            # Linux lets a socket's send buffer grow to tcp_wmem's maximum (4 MB) for a client
            # that does not read; a fixed size bounds that too (and turns off the autotuning).
            with contextlib.suppress(Exception):
                self.transport.getHandle().setsockopt(
                    socket.SOL_SOCKET, socket.SO_SNDBUF, kernel_buffer
                )

    def buffered(self) -> int:
        """Bytes waiting in Twisted's buffer for this socket (0 when that cannot be seen)."""
        transport = self.transport
        if transport is None:
            return 0
        try:
            return len(transport.dataBuffer) - transport.offset + transport._tempDataLen
        except AttributeError:
            self.transport = None
            return 0

    def full(self) -> bool:
        return self.transport is not None and self.buffered() > TRANSPORT_HIGH_WATER

    async def _drain(self) -> None:
        while self.pending and not self.closed:
            while self.full():
                await asyncio.sleep(DRAIN_POLL_SECONDS)
                if self.closed:
                    return
            message, size = self.pending.popleft()
            self.pending_bytes -= size
            await self.send(message)

    def release(self) -> None:
        """The socket is gone: drop what it still had waiting."""
        self.closed = True
        self.pending.clear()
        self.pending_bytes = 0
        self.transport = None

    def write_direct(self, message: dict[str, Any]) -> bool:
        """The direct path: the event's ready frame straight to the socket, when nothing is
        buffered before it and autobahn has the connection open without compression.

        Leans on Twisted's and autobahn's internals (pinned: DIRECT_SEND_VERSIONS); True when
        the frame went out this way, False to take the ASGI path.
        """
        protocol, transport = self.protocol, self.transport
        frame = message.get(FRAME_KEY)
        if (
            frame is None
            or transport is None
            or protocol.state != protocol.STATE_OPEN
            or protocol._perMessageCompress is not None
            or transport.disconnecting
            or self.buffered()
        ):
            return False
        try:
            sent = transport.socket.send(frame)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            return False  # let the ASGI path (and Twisted) find out and clean up
        if sent < len(frame):
            transport.write(frame[sent:])
        return True

    async def send_live(self, message: dict[str, Any], size: int) -> None:
        """Send now, or hold while the transport is full; close with 4013 past the limit."""
        if self.closed:
            return
        if self.direct and not self.pending and self.write_direct(message):
            return
        if self.pending or self.full():
            self.pending.append((message, size))
            self.pending_bytes += size
            if self.pending_bytes > self.limit:
                await self.close_slow()
            elif self.draining is None or self.draining.done():
                self.draining = asyncio.ensure_future(self._drain())
            return
        await self.send(message)

    async def send_waiting(self, message: dict[str, Any]) -> None:
        """Send after whatever is held, waiting while the transport is full."""
        while not self.closed and (self.pending or self.full()):
            await asyncio.sleep(DRAIN_POLL_SECONDS)
        if not self.closed:
            await self.send(message)

    async def close_slow(self) -> None:
        self.release()
        await self.send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})


def _daphne_socket(send: Send) -> tuple[Any, Any, bool]:
    """Daphne's WebSocket protocol and the Twisted TCP transport under it, or Nones; and whether
    the protocol writes straight to that transport (no TLS between).

    Daphne hands each application `partial(server.handle_reply, protocol)` as its send;
    Channels' session middleware wraps that in a method of an object keeping it as `real_send`.
    Below the WebSocket protocol sit TLS (if Daphne terminates it), then the TCP connection that
    buffers what the kernel has not taken yet.
    """
    for _ in range(5):
        inner = getattr(getattr(send, "__self__", None), "real_send", None)
        if inner is None:
            break
        send = inner
    if not (isinstance(send, functools.partial) and send.args):
        return None, None, False
    try:
        from twisted.internet.abstract import FileDescriptor
    except ImportError:
        return None, None, False
    protocol = send.args[0]
    layer = getattr(protocol, "transport", None)
    for depth in range(5):
        if layer is None:
            break
        if isinstance(layer, FileDescriptor):
            return protocol, layer, depth == 0
        layer = getattr(layer, "transport", None)
    return None, None, False


# The versions the direct path was written against; tests/test_relay.py fails when they change.
DIRECT_SEND_VERSIONS = {"daphne": "4.2.3", "twisted": "26.10.0", "autobahn": "26.10.2"}


@functools.cache
def direct_send_supported() -> bool:
    """The direct path runs only on the versions it was written for (else: the ASGI path)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = {name: version(name) for name in DIRECT_SEND_VERSIONS}
    except PackageNotFoundError:
        return False
    if installed != DIRECT_SEND_VERSIONS:
        logger.warning(
            "TOWNHALL_DIRECT_SEND is on, but %s are not %s", installed, DIRECT_SEND_VERSIONS
        )
        return False
    return True


class Viewer(Protocol):
    """A socket as the relay sees it (the consumer)."""

    viewer_key: str

    async def live(self, seq: int, message: dict[str, Any], size: int) -> None: ...

    async def notice(self, message: dict[str, Any], size: int) -> None: ...


class LoginWatcher(Protocol):
    """A socket of a signed-in person, closed when that login ends (login_sessions.py)."""

    user_id: int
    login_key: str
    # When the login outlives its limits unless used again (seconds since the epoch).
    login_deadline: float | None

    async def login_ended(self, reason: str, municipality_id: int | None) -> None: ...

    async def recheck_login(self, passed_deadline: float) -> None: ...


def wire_message(text: str) -> tuple[dict[str, Any], int]:
    """One ASGI message for every socket (Daphne reads it and does not change it), carrying the
    ready WebSocket frame for the direct path: the event is encoded once, whatever the path."""
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 65536:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    return {"type": "websocket.send", "text": text, FRAME_KEY: header + payload}, length


class Fanout:
    """The sockets of one session in this process, and the seq the relay has passed on."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.viewers: dict[Viewer, None] = {}  # an ordered set
        self.viewer_keys: Counter[str] = Counter()
        self.seq = 0
        self.subscribed: asyncio.Future | None = None
        self.lock = asyncio.Lock()
        # vote.changed and poll.results frames held back: (type, post or poll id) -> (seq,
        # message, size)
        self.held_votes: dict[tuple[str, int], tuple[int, dict[str, Any], int]] = {}
        self.vote_flush: asyncio.TimerHandle | None = None
        self.vote_task: asyncio.Task | None = None
        self.last_vote_flush = 0.0
        self.presence: int | None = None
        self.presence_message: tuple[dict[str, Any], int] | None = None
        self.idle_since: float | None = None

    async def send_to_all(self, seq: int | None, message: dict[str, Any], size: int) -> None:
        """One frame to every socket of the session here: a snapshot, errors kept per socket."""
        for n, viewer in enumerate(list(self.viewers)):
            try:
                if seq is None:
                    await viewer.notice(message, size)
                elif not viewer.live_direct(seq, message):
                    await viewer.live(seq, message, size)
            except Exception:
                logger.exception("Relay to one socket of session %s failed", self.session_id)
            if n % SOCKETS_PER_SLICE == SOCKETS_PER_SLICE - 1:
                await asyncio.sleep(0)


class Relay:
    """This process's relay (one per event loop): see the module's docstring."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel_name = ""
        self.sessions: dict[int, Fanout] = {}
        self.discarding: dict[int, asyncio.Future] = {}
        self.presence: PresenceCounter = presence_counter()
        self.tasks: list[asyncio.Task] = []
        self.started = False
        self.frozen_at = 0
        # user id -> the sockets of that user's logins in this process (an ordered set)
        self.logins: dict[int, dict[LoginWatcher, None]] = {}
        self.logins_joined: asyncio.Future | None = None
        self.rechecking: set[asyncio.Task] = set()
        # Set when the channel layer failed: the groups must be joined again (a restarted Redis
        # forgot them) before doorbells ring here again.
        self.rejoin_needed = False

    # Sockets ---------------------------------------------------------------------------------

    async def join(self, session_id: int, viewer: Viewer) -> int:
        """Register a socket; returns the newest seq the relay has passed on for the session.

        Every event after that seq reaches the socket through `viewer.live`, in seq order
        (vote counts coalesced); the socket replays what it missed up to it from the log.
        """
        await self._start()
        fanout = self.sessions.get(session_id)
        if fanout is None:
            fanout = self.sessions[session_id] = Fanout(session_id)
            fanout.subscribed = asyncio.ensure_future(self._subscribe(fanout))
        fanout.viewers[viewer] = None
        fanout.viewer_keys[viewer.viewer_key] += 1
        fanout.idle_since = None
        try:
            await asyncio.shield(fanout.subscribed)
        except BaseException:
            self._forget(fanout, viewer)
            if self.sessions.get(session_id) is fanout:
                del self.sessions[session_id]
            raise
        self.presence.joined(session_id, viewer.viewer_key)
        # Read after registering: an event relayed from now on reaches this socket.
        return fanout.seq

    async def leave(self, session_id: int, viewer: Viewer) -> None:
        fanout = self.sessions.get(session_id)
        if fanout is None or viewer not in fanout.viewers:
            return
        self._forget(fanout, viewer)
        if not fanout.viewer_keys[viewer.viewer_key]:
            del fanout.viewer_keys[viewer.viewer_key]
            await self.presence.left(session_id, viewer.viewer_key)
        if not fanout.viewers:
            fanout.idle_since = time.monotonic()

    def _forget(self, fanout: Fanout, viewer: Viewer) -> None:
        fanout.viewers.pop(viewer, None)
        fanout.viewer_keys[viewer.viewer_key] -= 1

    # Logins ------------------------------------------------------------------------------------

    async def watch_login(self, watcher: LoginWatcher) -> None:
        """Close `watcher` when its login ends: signed out, timed out (checked every
        TOWNHALL_LOGIN_CHECK_SECONDS against its deadline), the account deleted, or banned."""
        await self._start()
        if self.logins_joined is None:
            self.logins_joined = asyncio.ensure_future(
                self.layer.group_add(LOGINS_GROUP, self.channel_name)
            )
        await asyncio.shield(self.logins_joined)
        self.logins.setdefault(watcher.user_id, {})[watcher] = None

    def unwatch_login(self, watcher: LoginWatcher) -> None:
        watchers = self.logins.get(watcher.user_id)
        if watchers is not None:
            watchers.pop(watcher, None)
            if not watchers:
                del self.logins[watcher.user_id]

    def end_logins(self, message: dict[str, Any]) -> None:
        """A login ended somewhere (login_sessions.end_login_sockets): end its sockets here."""
        session_key = message.get("session_key")
        for watcher in list(self.logins.get(message.get("user"), ())):
            if session_key is None or watcher.login_key == session_key:
                self.unwatch_login(watcher)
                self._keep(watcher.login_ended(message["reason"], message.get("municipality")))

    def check_login_deadlines(self) -> None:
        """Sockets whose login may have timed out read it again (it may have been used since)."""
        now = timezone.now().timestamp()
        for watchers in list(self.logins.values()):
            for watcher in list(watchers):
                deadline = watcher.login_deadline
                if deadline is not None and deadline < now:
                    # Not again until the check has read the login anew.
                    watcher.login_deadline = None
                    self._keep(watcher.recheck_login(deadline))

    def _keep(self, work: Awaitable[None]) -> None:
        # The loop holds only a weak reference to a task: keep it until it is done.
        task = asyncio.ensure_future(work)
        self.rechecking.add(task)
        task.add_done_callback(self.rechecking.discard)

    async def _check_logins_forever(self) -> None:
        while True:
            await asyncio.sleep(setting("TOWNHALL_LOGIN_CHECK_SECONDS", 5.0))
            try:
                self.check_login_deadlines()
            except Exception:
                logger.exception("Checking logins' deadlines failed")

    async def close(self) -> None:
        """The process is stopping (townhall/serve.py): stop the relay's loops and leave its
        channel-layer groups, so doorbells stop ringing for a channel nobody will read (its
        messages would wait in Redis until they expire)."""
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        groups = [events.group_name(session_id) for session_id in self.sessions]
        if self.logins_joined is not None:
            groups.append(LOGINS_GROUP)
        for group in groups:
            await self.layer.group_discard(group, self.channel_name)

    def viewer_count(self) -> int:
        return sum(len(fanout.viewers) for fanout in self.sessions.values())

    # Channel-layer membership ----------------------------------------------------------------

    async def _start(self) -> None:
        if self.started:
            return
        self.started = True
        # The layer's default prefix, not a name of our own: channels_redis reads all of a
        # process's channels through one lock and one Redis list named by that prefix, so a
        # channel with another prefix would hold the lock while blocking on its own list and
        # starve every other consumer of the process (the moderators' sockets).
        self.channel_name = await self.layer.new_channel()
        self.tasks = [
            asyncio.ensure_future(self._receive_forever()),
            asyncio.ensure_future(self._tend_forever()),
            asyncio.ensure_future(self._check_logins_forever()),
            asyncio.ensure_future(self._catch_up_forever()),
        ]

    async def _subscribe(self, fanout: Fanout) -> None:
        # A discard still on its way must land before this add, or it would undo it.
        previous = self.discarding.get(fanout.session_id)
        if previous is not None:
            await asyncio.shield(previous)
        try:
            await self.layer.group_add(events.group_name(fanout.session_id), self.channel_name)
        except Exception:
            # Redis away: the socket is served all the same, from the log on the catch-up timer,
            # and the group is joined once Redis answers (_recover).
            logger.warning("Relay could not join a group; joining it later", exc_info=True)
            self.rejoin_needed = True
        newest = await database_sync_to_async(events.current_seq)(fanout.session_id)
        if newest is None:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(
                    events.group_name(fanout.session_id), self.channel_name
                )
            raise NoSuchSession(fanout.session_id)
        fanout.seq = newest

    async def _discard(self, fanout: Fanout) -> None:
        try:
            await self.layer.group_discard(events.group_name(fanout.session_id), self.channel_name)
        finally:
            self.discarding.pop(fanout.session_id, None)

    async def _tend_forever(self) -> None:
        """Presence, idle groups, and the group membership's expiry, every presence interval."""
        refreshed = time.monotonic()
        while True:
            await asyncio.sleep(setting("TOWNHALL_PRESENCE_INTERVAL", 2.0))
            try:
                await self._tend(refresh=time.monotonic() - refreshed > 3600)
            except Exception:
                logger.exception("Relay upkeep failed")
            else:
                if time.monotonic() - refreshed > 3600:
                    refreshed = time.monotonic()

    def _freeze_after_ramps(self) -> None:
        """Move long-lived sockets out of the garbage collector's sight after connection ramps.

        Full collections over thousands of sockets' objects can pause the loop (the production
        issue saw 0.4-1 s spikes); frozen objects are not scanned. Off by default: the
        benchmark here did not show a difference (README, "Benchmarks"). When the viewers fall to
        half, unfreeze, so what the departed sockets left in cycles can be collected.
        """
        if not setting("TOWNHALL_GC_FREEZE", False):
            return
        viewers = self.viewer_count()
        if viewers >= self.frozen_at + FREEZE_STEP:
            gc.collect()
            gc.freeze()
            self.frozen_at = viewers
        elif self.frozen_at and viewers < self.frozen_at // 2:
            gc.unfreeze()
            self.frozen_at = viewers

    async def _tend(self, refresh: bool) -> None:
        self._freeze_after_ramps()
        if refresh and self.logins_joined is not None:
            await self.layer.group_add(LOGINS_GROUP, self.channel_name)
        now = time.monotonic()
        idle_after = setting("TOWNHALL_RELAY_IDLE_SECONDS", 10.0)
        for fanout in list(self.sessions.values()):
            if not fanout.subscribed or not fanout.subscribed.done():
                continue
            if not fanout.viewers and fanout.idle_since and now - fanout.idle_since > idle_after:
                # Nobody here watches any more: leave the group (after the idle grace, so a
                # reloading page does not make the relay leave and rejoin).
                del self.sessions[fanout.session_id]
                self.discarding[fanout.session_id] = asyncio.ensure_future(self._discard(fanout))
                continue
            if refresh:
                # channels_redis forgets group members after a day (group_expiry).
                group = events.group_name(fanout.session_id)
                await self.layer.group_add(group, self.channel_name)
            await self._update_presence(fanout)

    # Events ----------------------------------------------------------------------------------

    async def _receive_forever(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis gone: wait, then rejoin every group (a restarted Redis forgot them) and
                # read from the log what was published meanwhile (its doorbells rang nowhere).
                logger.exception("Relay could not receive from the channel layer")
                self.rejoin_needed = True
                await asyncio.sleep(1)
                await self._recover()
                continue
            if message.get("type") == "login.ended":
                self.end_logins(message)
                continue
            fanout = self.sessions.get(message.get("session"))
            if fanout is None or not fanout.subscribed or not fanout.subscribed.done():
                continue
            try:
                await self._accept(
                    fanout, message["seq"], message.get("event", ""), message["text"]
                )
            except Exception:
                logger.exception("Relay of session %s failed", fanout.session_id)

    async def _accept(self, fanout: Fanout, seq: int, event_type: str, text: str) -> None:
        async with fanout.lock:
            if seq <= fanout.seq:
                return
            if seq == fanout.seq + 1:
                found = [events.WireEvent(seq, event_type, text)]
            else:
                # An earlier event's doorbell has not rung here (yet, or it was dropped): read the
                # gap from the log, once for every socket of this process.
                found = await database_sync_to_async(events.events_after)(
                    fanout.session_id, fanout.seq
                )
            await self._pass_on(fanout, found)

    async def _pass_on(self, fanout: Fanout, found: list[events.WireEvent]) -> None:
        for event in found:
            if event.seq > fanout.seq:
                # Advance before sending: a socket joining meanwhile replays up to here.
                fanout.seq = event.seq
                await self._offer(fanout, event)

    # Catching up after a lost doorbell ----------------------------------------------------------

    async def _catch_up_forever(self) -> None:
        """Every TOWNHALL_RELAY_CATCH_UP_SECONDS: rejoin the groups if the layer failed, and
        relay what the log holds beyond what this process passed on. So an event whose doorbell
        rang nowhere (published while Redis was away) reaches the sockets within that interval
        of Redis answering again, even if nothing else is published after it."""
        while True:
            await asyncio.sleep(setting("TOWNHALL_RELAY_CATCH_UP_SECONDS", 2.0))
            try:
                await self._recover()
            except Exception:
                logger.exception("Relay could not catch up from the log")

    async def _recover(self) -> None:
        if self.rejoin_needed:
            try:
                for session_id in list(self.sessions):
                    await self.layer.group_add(events.group_name(session_id), self.channel_name)
                if self.logins_joined is not None:
                    await self.layer.group_add(LOGINS_GROUP, self.channel_name)
            except Exception:
                logger.warning("Relay could not rejoin its groups yet", exc_info=True)
            else:
                self.rejoin_needed = False
        await self._catch_up()

    async def _catch_up(self) -> None:
        """One query for the newest seq of every session here; the gap read for those behind."""
        fanouts = {
            session_id: fanout
            for session_id, fanout in self.sessions.items()
            if fanout.subscribed
            and fanout.subscribed.done()
            and not fanout.subscribed.cancelled()
            and fanout.subscribed.exception() is None
        }
        if not fanouts:
            return
        newest = await database_sync_to_async(events.current_seqs)(list(fanouts))
        for session_id, seq in newest.items():
            fanout = fanouts[session_id]
            if seq <= fanout.seq:
                continue
            async with fanout.lock:
                found = await database_sync_to_async(events.events_after)(session_id, fanout.seq)
                await self._pass_on(fanout, found)

    async def _offer(self, fanout: Fanout, event: events.WireEvent) -> None:
        """Send an event to the session's sockets, coalescing vote counts (and poll counts).

        The rule: a `vote.changed` (or `poll.results`) frame is held for at most
        TOWNHALL_VOTE_INTERVAL seconds and replaced by a newer count of the same post (or poll)
        meanwhile; held counts go out (in seq order)
        before any other event and when the interval ends. So the sockets get seqs in rising
        order, the newest count of every post always arrives, and the seqs of replaced counts are
        simply never sent (the client waits for no seq). The log keeps every event for replay.
        """
        message, size = wire_message(event.text)
        counted = COALESCED.get(event.type)
        if counted is not None:
            # A poll's counts are coalesced as a question's votes are, each poll on its own.
            key = (event.type, json.loads(event.text)["data"][counted])
            fanout.held_votes.pop(key, None)
            fanout.held_votes[key] = (event.seq, message, size)
            if fanout.vote_flush is None:
                interval = setting("TOWNHALL_VOTE_INTERVAL", 0.25)
                wait = fanout.last_vote_flush + interval - time.monotonic()
                if wait <= 0:
                    await self._send_held_votes(fanout)
                else:
                    loop = asyncio.get_running_loop()
                    fanout.vote_flush = loop.call_later(wait, self._start_vote_flush, fanout)
            return
        await self._send_held_votes(fanout)
        await fanout.send_to_all(event.seq, message, size)

    def _start_vote_flush(self, fanout: Fanout) -> None:
        # Keep the task: the loop holds only a weak reference to it.
        fanout.vote_task = asyncio.ensure_future(self._flush_votes(fanout))

    async def _flush_votes(self, fanout: Fanout) -> None:
        async with fanout.lock:
            await self._send_held_votes(fanout)

    async def _send_held_votes(self, fanout: Fanout) -> None:
        if fanout.vote_flush is not None:
            fanout.vote_flush.cancel()
            fanout.vote_flush = None
        held = sorted(fanout.held_votes.values(), key=lambda vote: vote[0])
        fanout.held_votes.clear()
        if held:
            fanout.last_vote_flush = time.monotonic()
        for seq, message, size in held:
            await fanout.send_to_all(seq, message, size)

    # Presence --------------------------------------------------------------------------------

    async def _update_presence(self, fanout: Fanout) -> None:
        if not fanout.viewers:
            return
        viewers = await self.presence.count(fanout.session_id, set(fanout.viewer_keys))
        if viewers == fanout.presence:
            return
        fanout.presence = viewers
        text = json.dumps({"type": "presence", "data": {"viewers": viewers}})
        fanout.presence_message = wire_message(text)
        async with fanout.lock:
            await fanout.send_to_all(None, *fanout.presence_message)

    def presence_message(self, session_id: int) -> tuple[dict[str, Any], int] | None:
        """The session's latest presence frame, for a socket that has just caught up."""
        fanout = self.sessions.get(session_id)
        return fanout.presence_message if fanout else None


_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Relay] = weakref.WeakKeyDictionary()


def get_relay() -> Relay:
    """This process's relay (one per event loop, so each test's loop has its own)."""
    loop = asyncio.get_running_loop()
    relay = _relays.get(loop)
    if relay is None:
        layer = get_channel_layer()
        if layer is None:
            raise RuntimeError("The relay needs a channel layer (CHANNEL_LAYERS)")
        relay = _relays[loop] = Relay(layer)
    return relay


async def close_relay() -> None:
    """Close this event loop's relay, if it has one (townhall/serve.py, when stopping)."""
    relay = _relays.pop(asyncio.get_running_loop(), None)
    if relay is not None:
        await relay.close()
