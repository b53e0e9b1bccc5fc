"""HTTP under Daphne: Django's WSGI handler, run whole in a worker thread of a small pool.

Why not Django's ASGI handler: Townhall's views and middleware are synchronous, and under the
ASGI handler a request hops between the event loop and a thread for each middleware, all of a
process's synchronous work on one thread. Measured on the session page served from the page
cache, that cost 7.3 ms of CPU a request; run whole in one thread, 3.9 ms (README, "The rush at
the start"). The WebSocket side stays on the event loop, untouched.

Two rules keep a worker useful in a rush:
- A request whose client has gone (Daphne says http.disconnect) before a thread picks it up is
  dropped unanswered: nobody is waiting for it.
- A request that waited in the queue longer than TOWNHALL_HTTP_MAX_WAIT_SECONDS is answered with
  503 and Retry-After without running Django: its visitor has probably given up, and the time
  goes to those who have not. So after a burst the workers are idle again within seconds.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from tempfile import SpooledTemporaryFile
from typing import Any

from sessions.event_loop import tell_asgiref_the_loop

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

BODY_IN_MEMORY = 64 * 1024
STREAM_FLUSH_BYTES = 256 * 1024
SHED_BODY = b"The town hall is very busy right now. Please try again in a moment.\n"


class ClientGone(Exception):
    """The client closed its connection before the request was served."""


class ThreadedWSGI:
    """An ASGI application serving HTTP with a WSGI application on `threads` threads."""

    def __init__(self, wsgi_app: WSGIApp, *, threads: int, max_wait: float) -> None:
        self.wsgi_app = wsgi_app
        self.max_wait = max_wait
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"ThreadedWSGI serves HTTP, not {scope['type']}")
        arrived = time.monotonic()
        loop = asyncio.get_running_loop()
        with SpooledTemporaryFile(max_size=BODY_IN_MEMORY) as body:
            if not await read_body(receive, body):
                return
            body.seek(0)
            gone = asyncio.Event()
            listener = loop.create_task(wait_for_disconnect(receive, gone))
            try:
                # The thread hands back what is left to send, so a page costs one wake-up of
                # the loop; only a long stream is sent from the thread as it comes.
                rest = await loop.run_in_executor(
                    self.executor, self.serve, scope, body, arrived, gone, send, loop
                )
                if not gone.is_set():
                    await send_all(send, rest)
            except ClientGone:
                pass
            finally:
                listener.cancel()

    def serve(
        self,
        scope: Scope,
        body: Any,
        arrived: float,
        gone: asyncio.Event,
        send: Send,
        loop: asyncio.AbstractEventLoop,
    ) -> list[Message]:
        """In a worker thread: answer the request, unless its client has gone meanwhile. Returns
        the messages still to send."""
        if gone.is_set():
            return []
        tell_asgiref_the_loop(loop)

        def send_now(*messages: Message) -> None:
            """Hand messages to the event loop, all in one wake-up, and wait until sent."""
            if gone.is_set():
                raise ClientGone
            asyncio.run_coroutine_threadsafe(send_all(send, messages), loop).result()

        waited = time.monotonic() - arrived
        if waited > self.max_wait:
            logger.warning("Shed a request that waited %.1f s: %s", waited, scope.get("path"))
            retry_after = str(max(1, round(self.max_wait))).encode()
            headers = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"retry-after", retry_after),
            ]
            return [
                {"type": "http.response.start", "status": 503, "headers": headers},
                {"type": "http.response.body", "body": SHED_BODY},
            ]

        started: list[Message] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started[:] = [
                {
                    "type": "http.response.start",
                    "status": int(status.split(" ", 1)[0]),
                    "headers": [
                        (name.lower().encode("latin1"), value.encode("latin1"))
                        for name, value in headers
                    ],
                }
            ]

        chunks = self.wsgi_app(environ_for(scope, body), start_response)
        try:
            # A page is one chunk, however large: start, body and end go back to the loop
            # together, in one wake-up. A stream (a file, an export) goes out as it comes, a
            # few hundred kilobytes at a time: what is pending is sent when a further chunk
            # comes, so a page's one chunk never costs a hand-over of its own.
            pending: list[Message] = [started[0]]
            pending_bytes = 0
            for chunk in chunks:
                if not chunk:
                    continue
                if pending_bytes >= STREAM_FLUSH_BYTES:
                    send_now(*pending)
                    pending, pending_bytes = [], 0
                pending.append({"type": "http.response.body", "body": chunk, "more_body": True})
                pending_bytes += len(chunk)
            return [*pending, {"type": "http.response.body", "body": b""}]
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # Django's request_finished: database connections go back


async def send_all(send: Send, messages: Iterable[Message]) -> None:
    for message in messages:
        await send(message)


async def read_body(receive: Receive, body: Any) -> bool:
    """Read the request body into `body`; False when the client left before sending it."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        body.write(message.get("body", b""))
        if not message.get("more_body"):
            return True


async def wait_for_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            gone.set()
            return


def environ_for(scope: Scope, body: Any) -> dict[str, Any]:
    """The WSGI environ of an ASGI HTTP scope (PEP 3333; header names as CGI variables)."""
    root_path = scope.get("root_path", "")
    path = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.encode("utf8").decode("latin1"),
        "PATH_INFO": path.encode("utf8").decode("latin1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"] = scope["client"][0]
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = f"HTTP_{name}"
        value = raw_value.decode("latin1")
        # Repeated headers are joined, as a proxy would (RFC 9110, 5.3).
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ
