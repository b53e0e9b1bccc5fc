"""HTTP under Daphne (townhall/http.py): Django served whole in a worker thread; a request whose
client has gone is not served, one that waited too long is shed with 503 and Retry-After."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from townhall.http import ThreadedWSGI, environ_for

pytestmark = pytest.mark.asyncio


def scope(path: str = "/sessions/1/", method: str = "GET", **extra: Any) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"ordering=-created",
        "http_version": "1.1",
        "headers": [(b"host", b"127.0.0.1"), (b"accept-encoding", b"gzip")],
        "client": ("203.0.113.9", 50000),
        "server": ("127.0.0.1", 8000),
        **extra,
    }


class Client:
    """One ASGI connection: feeds the request, records what the app sends."""

    def __init__(self, body: bytes = b"") -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.inbox.put_nowait({"type": "http.request", "body": body, "more_body": False})
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def leave(self) -> None:
        self.inbox.put_nowait({"type": "http.disconnect"})

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])


class Gate:
    """A WSGI app that records each request and holds it until let through."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.entered = threading.Event()
        self.open = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response) -> Iterable[bytes]:
        self.calls.append(environ)
        self.entered.set()
        assert self.open.wait(30)
        start_response("200 OK", [("Content-Type", "text/html"), ("X-Path", environ["PATH_INFO"])])
        return [b"<p>", environ["wsgi.input"].read(), b"</p>"]


async def wait_until(condition, ceiling: float = 30) -> None:
    async with asyncio.timeout(ceiling):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_request_is_answered_by_the_wsgi_app():
    gate = Gate()
    gate.open.set()
    client = Client(body=b"hello")
    await ThreadedWSGI(gate, threads=2, max_wait=10)(
        scope(method="POST"), client.receive, client.send
    )
    assert client.status == 200
    assert client.headers[b"x-path"] == b"/sessions/1/"
    assert client.body == b"<p>hello</p>"
    assert client.sent[-1] == {"type": "http.response.body", "body": b""}


async def test_a_request_whose_client_left_in_the_queue_is_never_served():
    gate = Gate()
    app = ThreadedWSGI(gate, threads=1, max_wait=60)
    first, second = Client(), Client()
    serving = asyncio.create_task(app(scope("/first/"), first.receive, first.send))
    await asyncio.to_thread(gate.entered.wait, 30)  # the one thread is busy with the first
    waiting = asyncio.create_task(app(scope("/second/"), second.receive, second.send))
    second.leave()
    await wait_until(second.inbox.empty)  # the second has heard that its client left
    gate.open.set()
    await asyncio.wait_for(asyncio.gather(serving, waiting), 30)
    assert [call["PATH_INFO"] for call in gate.calls] == ["/first/"]
    assert first.status == 200
    assert second.sent == []


async def test_a_request_that_waited_too_long_is_shed_with_503():
    gate = Gate()
    app = ThreadedWSGI(gate, threads=1, max_wait=0.05)
    first, second = Client(), Client()
    serving = asyncio.create_task(app(scope("/first/"), first.receive, first.send))
    await asyncio.to_thread(gate.entered.wait, 30)
    waiting = asyncio.create_task(app(scope("/second/"), second.receive, second.send))
    # Hold the only thread until the second has surely waited longer than 0.05 s.
    await asyncio.sleep(0.2)
    gate.open.set()
    await asyncio.wait_for(asyncio.gather(serving, waiting), 30)
    assert [call["PATH_INFO"] for call in gate.calls] == ["/first/"]
    assert second.status == 503
    assert second.headers[b"retry-after"] == b"1"
    assert b"busy" in second.body


async def test_a_stream_goes_out_in_pieces():
    def stream(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/csv")])
        return (b"x" * 100_000 for _ in range(6))

    client = Client()
    await ThreadedWSGI(stream, threads=1, max_wait=10)(scope(), client.receive, client.send)
    assert client.body == b"x" * 600_000
    # More than one body message before the last: the stream was not held whole.
    assert len([m for m in client.sent if m.get("more_body")]) == 6
    assert sum(1 for m in client.sent if m["type"] == "http.response.body") >= 7


async def test_a_large_page_goes_back_to_the_loop_once_served():
    client = Client()
    sent_before_close: list[int] = []

    class Page(list):
        def close(self) -> None:
            sent_before_close.append(len(client.sent))

    def page(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return Page([b"x" * 1_000_000])

    await ThreadedWSGI(page, threads=1, max_wait=10)(scope(), client.receive, client.send)
    assert client.body == b"x" * 1_000_000
    # Nothing was handed to the loop while the thread served it: one hand-over at the end.
    assert sent_before_close == [0]


async def test_the_environ_carries_what_django_reads():
    environ = environ_for(
        scope(headers=[(b"content-type", b"application/json"), (b"x-a", b"1"), (b"x-a", b"2")]),
        body=None,
    )
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["QUERY_STRING"] == "ordering=-created"
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["HTTP_X_A"] == "1,2"
    assert environ["SERVER_PORT"] == "8000"


async def test_async_work_of_a_view_runs_on_the_servers_loop():
    """A broadcast after commit (async_to_sync of the channel layer's group_send) runs on the
    process's loop, with its Redis connections, not on a new loop made for the one call."""
    loops: list[asyncio.AbstractEventLoop] = []

    async def ring() -> None:
        loops.append(asyncio.get_running_loop())

    def app(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        async_to_sync(ring)()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"rung"]

    served = ThreadedWSGI(app, threads=2, max_wait=10)
    client = Client()

    await served(scope(), client.receive, client.send)

    assert (client.status, client.body) == (200, b"rung")
    assert loops == [asyncio.get_running_loop()]
