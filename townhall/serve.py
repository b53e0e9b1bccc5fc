"""One Daphne worker that stops without losing anyone: `python -m townhall.serve`, with Daphne's
own arguments (`--bind 127.0.0.1 --port 8000 townhall.asgi:application`, or `--fd N ...`).

Daphne's own SIGTERM and SIGINT handling stops the reactor at once: every socket is cut (the page
sees 1006 and backs off) and requests in flight are dropped. Here the first SIGTERM or SIGINT
instead:

1. stops listening, so the proxy sends new connections to the other workers;
2. keeps serving for TOWNHALL_DRAIN_SECONDS, so what was underway when the signal came (a post
   and the event it rings) still reaches this worker's viewers;
3. closes every WebSocket with 1001 ("going away"): the page reconnects at once, through the
   proxy to another worker, with `?since=` its last `seq`, and is replayed what it missed;
4. waits for HTTP requests in flight to be answered and for the sockets' close handshakes,
   at most TOWNHALL_SHUTDOWN_SECONDS;
5. records the polls' results that its ballots left due (services/polls.py, ResultsPublisher),
   takes this process's relay out of its channel-layer groups, and exits with 0.

Further signals meanwhile are ignored (`make serve-prod`'s Ctrl-C reaches a worker both from the
terminal and from its supervisor); SIGKILL stops it at once. autobahn lets a server's code close
a socket only with 1000 or 3000-4999 (`sendClose`), so 1001 is sent as autobahn sends it itself
when it fails a connection: `sendCloseFrame`.
"""

from __future__ import annotations

# Daphne's server module installs Twisted's asyncio reactor; it must come before the reactor.
import daphne.server  # isort:skip

import asyncio
import logging
import signal
import sys
from typing import Any

from daphne.cli import CommandLineInterface
from daphne.http_protocol import WebRequest
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import reactor

logger = logging.getLogger("townhall.serve")

GOING_AWAY = 1001
GOING_AWAY_REASON = b"going away"
CHECK_SECONDS = 0.05
# How long leaving the channel-layer groups may take (Redis may be away).
RELAY_CLOSE_SECONDS = 5.0


class GracefulServer(daphne.server.Server):
    """Daphne's server with the shutdown described in the module's docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Twisted's handlers would stop the reactor at once: ours are installed in run().
        kwargs["signal_handlers"] = False
        super().__init__(*args, **kwargs)
        self.ports: list[Any] = []
        self.stopping = False
        self.shutdown: asyncio.Task | None = None

    def run(self) -> None:
        reactor.callWhenRunning(self.install_signal_handlers)
        super().run()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_event_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.begin_shutdown, signum)

    def listen_success(self, port: Any) -> None:
        super().listen_success(port)
        self.ports.append(port)

    def begin_shutdown(self, signum: int = signal.SIGTERM) -> None:
        if self.stopping:
            logger.info("Already stopping; %s ignored", signal.Signals(signum).name)
            return
        self.stopping = True
        logger.info("%s: stopping gracefully", signal.Signals(signum).name)
        for port in self.ports:
            port.stopListening()
        self.shutdown = asyncio.ensure_future(self.drain_and_stop())

    async def drain_and_stop(self) -> None:
        from django.conf import settings

        try:
            await asyncio.sleep(settings.TOWNHALL_DRAIN_SECONDS)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + settings.TOWNHALL_SHUTDOWN_SECONDS
            told = 0
            while True:
                told += self.close_open_sockets()
                if not self.connections_alive():
                    break
                if loop.time() > deadline:
                    logger.warning(
                        "Stopping with %d connections still open after %s s",
                        self.connections_alive(),
                        settings.TOWNHALL_SHUTDOWN_SECONDS,
                    )
                    break
                await asyncio.sleep(CHECK_SECONDS)
            logger.info("Closed %d sockets with %d; leaving the channel layer", told, GOING_AWAY)
            await self.send_due_poll_results()
            await self.close_relay()
        except Exception:
            logger.exception("Stopping gracefully failed; stopping now")
        finally:
            self.stop()

    def close_open_sockets(self) -> int:
        """Send 1001 to every open WebSocket (once: a closing one ignores it); how many. A
        socket still in its handshake is closed on a later round, once its consumer accepted
        it (or Daphne's connect timeout refused it)."""
        closed = 0
        for protocol in list(self.connections):
            if isinstance(protocol, WebSocketProtocol) and protocol.state == protocol.STATE_OPEN:
                protocol.sendCloseFrame(code=GOING_AWAY, reasonUtf8=GOING_AWAY_REASON)
                closed += 1
        return closed

    def connections_alive(self) -> int:
        """HTTP requests not yet answered, sockets not yet closed, and their applications still
        running (a consumer's disconnect, a request's Django thread)."""
        alive = 0
        for protocol, details in list(self.connections.items()):
            if not isinstance(protocol, WebRequest | WebSocketProtocol):
                continue
            instance = details.get("application_instance")
            if "disconnected" not in details or (instance is not None and not instance.done()):
                alive += 1
        return alive

    async def send_due_poll_results(self) -> None:
        from channels.db import database_sync_to_async

        from sessions.services.polls import publisher

        try:
            await database_sync_to_async(publisher.flush)()
        except Exception:
            logger.warning("Could not send the polls' due results", exc_info=True)

    async def close_relay(self) -> None:
        from sessions.live.relay import close_relay

        try:
            await asyncio.wait_for(close_relay(), RELAY_CLOSE_SECONDS)
        except Exception:
            logger.warning("The relay could not leave its groups", exc_info=True)


class GracefulCommandLine(CommandLineInterface):
    description = "Daphne, stopping gracefully on SIGTERM (townhall/serve.py)"
    server_class = GracefulServer


if __name__ == "__main__":
    GracefulCommandLine().run(sys.argv[1:])
