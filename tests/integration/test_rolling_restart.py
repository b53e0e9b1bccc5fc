"""Rolling restarts (issue 17, part 4): a worker told to stop (SIGTERM, townhall/serve.py) drains,
closes its sockets with 1001, answers the requests in flight and exits; its viewers reconnect
to the other worker with `?since=`, as the page does, and lose nothing across a full rolling
restart of two workers under steady posting. `make reload` does it one worker at a time
(townhall/supervisor.py)."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State
from websockets.sync.client import ClientConnection, connect

from sessions.models import Event, Post
from tests import servers
from tests.factories import SessionFactory, UserFactory, api_token
from tests.servers import CACHE_PREFIX, PRODUCTION, PROJECT, DaphneServer, collect_static, free_port
from tests.waiting import WAIT_SECONDS, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

GOING_AWAY = 1001
DRAIN_SECONDS = "1"
# Questions posted before, between and after the two restarts.
QUESTIONS_PER_STAGE = 5
# For what waits on a worker's replacement to start (Django's start on a loaded machine).
RESTART_SECONDS = 4 * WAIT_SECONDS


@pytest.fixture
def draining_workers() -> Iterator[tuple[DaphneServer, DaphneServer]]:
    first = DaphneServer(TOWNHALL_DRAIN_SECONDS=DRAIN_SECONDS).start()
    second = DaphneServer(TOWNHALL_DRAIN_SECONDS=DRAIN_SECONDS).start()
    yield first, second
    first.stop()
    second.stop()


class Proxy:
    """What nginx does in front of the workers: each new connection goes to the next worker in
    turn that listens. A worker stops listening the moment it gets SIGTERM, so that is when it
    leaves the turn; its replacement joins once it answers."""

    def __init__(self, workers: tuple[DaphneServer, ...]) -> None:
        self.up = list(workers)
        self.turn = itertools.count()
        self.lock = threading.Lock()

    def pick(self) -> DaphneServer:
        with self.lock:
            return self.up[next(self.turn) % len(self.up)]

    def restart(self, worker: DaphneServer) -> int:
        """SIGTERM, wait for the exit, start the replacement on the same port; the exit status."""
        with self.lock:
            self.up.remove(worker)
        status = worker.terminate()
        worker.start()
        with self.lock:
            self.up.append(worker)
        return status


class Viewer(threading.Thread):
    """A session page's socket: opens with `?since=` its last seq, and after a close with 1001
    opens again through the proxy, as live-socket.js does. Records every event's (seq, body),
    every close code and the port of every worker it watched on."""

    def __init__(self, proxy: Proxy, session_id: int, name: str, first: DaphneServer) -> None:
        super().__init__(name=name, daemon=True)
        self.proxy, self.session_id, self.first = proxy, session_id, first
        self.events: list[tuple[int, str]] = []
        self.close_codes: list[int | None] = []
        self.ports: list[int] = []
        self.connected = threading.Event()
        self.final_seq: int | None = None
        self.failure: BaseException | None = None

    def done(self) -> bool:
        last = self.events[-1][0] if self.events else 0
        return self.final_seq is not None and last >= self.final_seq

    def run(self) -> None:
        worker = self.first
        try:
            while not self.done():
                since = self.events[-1][0] if self.events else 0
                with connect(
                    f"{worker.ws_url}/ws/sessions/{self.session_id}/"
                    f"?since={since}&viewer={self.name}",
                    origin=worker.url,
                    open_timeout=WAIT_SECONDS,
                ) as page_socket:
                    self.ports.append(worker.port)
                    self.connected.set()
                    code = self.follow(page_socket)
                if code is None:
                    return
                self.close_codes.append(code)
                if code != GOING_AWAY:
                    raise AssertionError(f"closed with {code}, not 1001")
                worker = self.proxy.pick()
        except BaseException as failure:
            self.failure = failure

    def follow(self, page_socket: ClientConnection) -> int | None:
        """Events until done (None) or until the server closes the socket (its close code)."""
        idle_since = time.monotonic()
        while not self.done():
            try:
                frame = json.loads(page_socket.recv(timeout=0.5))
            except TimeoutError:
                if time.monotonic() - idle_since > RESTART_SECONDS:
                    raise AssertionError("no event for two minutes") from None
                continue
            except ConnectionClosed as closed:
                # No close frame at all: what a browser reports as 1006.
                return closed.rcvd.code if closed.rcvd else 1006
            idle_since = time.monotonic()
            if frame["type"] == "presence":
                continue
            assert "seq" in frame, frame
            self.events.append((frame["seq"], frame["data"].get("body", "")))
        return None


class Poster(threading.Thread):
    """Asks a question through the proxy every 50 ms, one after the other, until stopped."""

    def __init__(self, proxy: Proxy, session_id: int, token: str) -> None:
        super().__init__(name="poster", daemon=True)
        self.proxy, self.session_id, self.token = proxy, session_id, token
        self.asked: list[tuple[int, str]] = []  # (id, body) answered 201
        self.stopping = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            for n in itertools.count(1):
                if self.stopping.is_set():
                    return
                body = f"Spørgsmål {n}"
                # A question sent to a worker just as it stopped listening waits in the listening
                # socket's backlog (the test holds it) for the replacement to start.
                worker = self.proxy.pick()
                asked = worker.ask(self.session_id, self.token, body, timeout=RESTART_SECONDS)
                self.asked.append((asked["id"], body))
                time.sleep(0.05)
        except BaseException as failure:
            self.failure = failure

    def wait_for(self, count: int) -> None:
        def asked_enough() -> bool:
            assert self.failure is None, self.failure
            return len(self.asked) >= count

        wait_until(asked_enough, f"fewer than {count} questions asked", ceiling=RESTART_SECONDS)


def test_a_rolling_restart_of_two_workers_loses_and_doubles_no_event(draining_workers):
    first, second = draining_workers
    session = SessionFactory()
    token = api_token(UserFactory(username="anna"))
    proxy = Proxy(draining_workers)
    viewers = [
        Viewer(proxy, session.pk, f"viewer-{n}-on-{worker.port}", worker)
        for n, worker in enumerate([first, first, second, second])
    ]
    for viewer in viewers:
        viewer.start()
    for viewer in viewers:
        assert viewer.connected.wait(WAIT_SECONDS), viewer.failure
    poster = Poster(proxy, session.pk, token)
    poster.start()

    poster.wait_for(QUESTIONS_PER_STAGE)
    first_status = proxy.restart(first)
    poster.wait_for(len(poster.asked) + QUESTIONS_PER_STAGE)
    second_status = proxy.restart(second)
    poster.wait_for(len(poster.asked) + QUESTIONS_PER_STAGE)
    poster.stopping.set()
    poster.join(WAIT_SECONDS)
    assert poster.failure is None, poster.failure
    asked = poster.asked
    for viewer in viewers:
        viewer.final_seq = len(asked)
    for viewer in viewers:
        viewer.join(RESTART_SECONDS)

    assert (first_status, second_status) == (0, 0)
    # Every question once, in the order asked, to every viewer; seq 1 to N, nothing else.
    expected = [(seq, body) for seq, (_id, body) in enumerate(asked, start=1)]
    for viewer in viewers:
        assert viewer.failure is None, f"{viewer.name}: {viewer.failure!r}"
        assert viewer.events == expected, viewer.name
    # Those on the first worker moved to the second, then (restarted too) to the first's
    # replacement; those on the second went to the first's replacement.
    assert [viewer.close_codes for viewer in viewers] == [[1001, 1001]] * 2 + [[1001]] * 2
    assert [viewer.ports for viewer in viewers] == [[first.port, second.port, first.port]] * 2 + [
        [second.port, first.port]
    ] * 2
    assert list(Event.objects.filter(session=session).values_list("seq", flat=True)) == list(
        range(1, len(asked) + 1)
    )
    assert list(Post.objects.filter(session=session).order_by("pk").values_list("pk", "body")) == (
        asked
    )


def test_a_request_in_flight_is_answered_after_the_sockets_were_told_to_go(draining_workers):
    worker = draining_workers[0]
    session = SessionFactory()
    token = api_token(UserFactory(username="anna"))
    body = json.dumps({"body": "Sendt langsomt"}).encode()
    head = (
        f"POST /api/sessions/{session.pk}/questions/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nAuthorization: Token {token}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    request = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=WAIT_SECONDS)
    with connect(
        f"{worker.ws_url}/ws/sessions/{session.pk}/", origin=worker.url, open_timeout=WAIT_SECONDS
    ) as viewer:
        # A first request, answered: the connection is this worker's (not waiting in the backlog
        # of the listening socket, which the test holds); the question goes on the same one.
        request.request("GET", f"/api/sessions/{session.pk}/")
        first = request.getresponse()
        first.read()
        assert first.status == 200
        request.sock.sendall(head + body[:5])
        worker.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                viewer.recv(timeout=WAIT_SECONDS)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == GOING_AWAY
        assert worker.process.poll() is None  # still there: the question waits for its body

        request.sock.sendall(body[5:])
        answer = http.client.HTTPResponse(request.sock)
        answer.begin()
        answer.read()
        request.close()

    assert answer.status == 201
    assert worker.process.wait(timeout=WAIT_SECONDS) == 0
    assert list(Post.objects.filter(session=session).values_list("body", flat=True)) == [
        "Sendt langsomt"
    ]


# `make reload` -------------------------------------------------------------------------------


def two_free_ports() -> int:
    """The first of two consecutive free ports (the supervisor binds PORT and PORT+1)."""
    for _ in range(100):
        port = free_port()
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no two consecutive free ports")


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECONDS) as probe:
            probe.sendall(b"HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return bool(probe.recv(1))
    except OSError:
        return False


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int, Path]]:
    collect_static()
    port = two_free_ports()
    pid_file = tmp_path / "serve-prod.pid"
    env = {
        **os.environ,
        **PRODUCTION,
        "DATABASE_URL": servers.test_database_url(),
        "TOWNHALL_CACHE_PREFIX": CACHE_PREFIX,
        "TOWNHALL_DRAIN_SECONDS": DRAIN_SECONDS,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "townhall.supervisor", "--port", str(port), "--workers", "2",
         "--pid-file", str(pid_file)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:

        def both_answer() -> bool:
            assert process.poll() is None, "the supervisor stopped"
            return answers(port) and answers(port + 1)

        wait_until(both_answer, "no workers", ceiling=RESTART_SECONDS, every=0.2)
        yield process, port, pid_file
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=RESTART_SECONDS)


def supervisor_lines_until(process: subprocess.Popen, last: str) -> list[str]:
    """The supervisor's own lines up to one containing `last` (workers' log lines skipped)."""
    lines = []
    while not lines or last not in lines[-1]:
        line = process.stdout.readline()
        assert line, f"the supervisor stopped: {lines}"
        if line.startswith("[supervisor]"):
            lines.append(line.strip())
    return lines


def test_make_reload_restarts_the_workers_one_at_a_time(supervisor):
    process, port, pid_file = supervisor
    session = SessionFactory()

    def watch(on: int) -> ClientConnection:
        return connect(
            f"ws://127.0.0.1:{on}/ws/sessions/{session.pk}/",
            origin=f"http://127.0.0.1:{on}",
            open_timeout=WAIT_SECONDS,
        )

    def going_away(viewer: ClientConnection) -> int:
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                viewer.recv(timeout=RESTART_SECONDS)
        return closed.value.rcvd.code if closed.value.rcvd else 1006

    with watch(port) as on_first, watch(port + 1) as on_second:
        os.kill(int(pid_file.read_text()), signal.SIGHUP)  # what `make reload` sends

        assert going_away(on_first) == GOING_AWAY
        assert on_second.protocol.state is State.OPEN
        assert going_away(on_second) == GOING_AWAY
        # The second worker was stopped only once the first one's replacement answered.
        assert answers(port)
    lines = supervisor_lines_until(process, "Rolling restart done")

    steps = [re.sub(r"\d+", "N", line) for line in lines[-6:]]
    assert steps == [
        "[supervisor] Rolling restart: one worker at a time",
        "[supervisor] Stopping the worker on port N (pid N): it drains and closes its sockets "
        "with N",
        "[supervisor] the worker on port N answers again (pid N -> N)",
        "[supervisor] Stopping the worker on port N (pid N): it drains and closes its sockets "
        "with N",
        "[supervisor] the worker on port N answers again (pid N -> N)",
        "[supervisor] Rolling restart done",
    ]
    assert [re.search(r"port (\d+)", line)[1] for line in lines[-5:-1]] == [str(port)] * 2 + [
        str(port + 1)
    ] * 2
    for restarted in (lines[-4], lines[-2]):
        old, new = re.search(r"pid (\d+) -> (\d+)", restarted).groups()
        assert old != new
    assert answers(port) and answers(port + 1)

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=RESTART_SECONDS) == 0
    assert not pid_file.exists()
