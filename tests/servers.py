"""Daphne in a subprocess, serving the project on the test database, as `make run` serves it.

Used by the browser and integration tests, and by the benchmarks in bench/.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from django.db import connection

from tests.waiting import WAIT_SECONDS

PROJECT = Path(__file__).resolve().parents[1]

# Production settings (DJANGO_DEBUG=0) on plain HTTP, for a Daphne or a manage.py command.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-test-secret-key-long-and-random-enough-0123456789-abcdefghijkl",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
}


def collect_static() -> Path:
    """Run collectstatic under production settings, as `make install` does; STATIC_ROOT."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT,
        env={**os.environ, **PRODUCTION},
        check=True,
    )
    return PROJECT / "staticfiles"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_database_url() -> str:
    """The test database (created by pytest-django) as a DATABASE_URL for a subprocess."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        if str(db["NAME"]).startswith(("file:memorydb", ":memory:")):
            raise RuntimeError("A subprocess needs a file database, not SQLite in memory")
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


# Beyond the drain, how long a worker told to stop may take (its TOWNHALL_SHUTDOWN_SECONDS).
SHUTDOWN_CEILING_SECONDS = 30

# One cache key prefix per test run, shared by every Daphne it starts.
CACHE_PREFIX = f"townhall-test-{uuid.uuid4().hex[:12]}"


class DaphneServer:
    """One Daphne process on 127.0.0.1:port; `start()` waits until it answers."""

    def __init__(self, port: int | None = None, **environment: str) -> None:
        # The port is bound here and handed to Daphne (--fd), and kept over a kill() and start():
        # a port only picked here could be taken by another process (another test run's client
        # or server) before Daphne bound it, and the tests would talk to someone else's server.
        self.listener: socket.socket | None = None
        self.port = port or 0
        self.environment = environment
        self.process: subprocess.Popen | None = None
        self.listen()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def command(self, fd: int) -> list[str]:
        """The server's command line, serving the listening socket `fd` (bench/rush.py serves
        its own arrangement)."""
        return [
            sys.executable,
            "-m",
            "townhall.serve",
            "--fd",
            str(fd),
            "townhall.asgi:application",
        ]

    def listen(self) -> socket.socket:
        """The listening socket Daphne serves on, bound again if stop() closed it."""
        if self.listener is None:
            self.listener = socket.socket()
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.listener.bind(("127.0.0.1", self.port))
            self.listener.listen(socket.SOMAXCONN)
            self.port = self.listener.getsockname()[1]
            self.log_path = PROJECT / f".daphne-test-{self.port}.log"
        return self.listener

    def start(self) -> DaphneServer:
        """Start Daphne and return once it answers an HTTP request (up to two minutes)."""
        listener = self.listen()
        # Rate limits off unless a test asks: browser tests and benchmarks post fast on purpose.
        env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "TOWNHALL_RATE_LIMITS": "off",
            # Rate-limit counts of earlier runs stay in Redis for up to a day; user ids repeat.
            "TOWNHALL_CACHE_PREFIX": CACHE_PREFIX,
            # Tests also write through the services in their own process, whose cache this
            # server does not share: it reads each session's seq from the database instead.
            "TOWNHALL_PUBLISHED_SEQ_SECONDS": "0",
            # stop() at once after closing the sockets with 1001 (tests of the drain set theirs).
            "TOWNHALL_DRAIN_SECONDS": "0",
            "TOWNHALL_SHUTDOWN_SECONDS": "5",
            **self.environment,
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        # The test database, never the one DATABASE_URL names for the test run itself.
        env["DATABASE_URL"] = self.environment.get("DATABASE_URL") or test_database_url()
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                self.command(listener.fileno()),
                cwd=PROJECT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[listener.fileno()],
            )
        deadline = time.monotonic() + 120
        while not self.answers(deadline):
            if self.process.poll() is not None or time.monotonic() > deadline:
                output = self.log_path.read_text()
                self.stop()
                raise RuntimeError(f"Daphne did not start:\n{output}")
            time.sleep(0.1)
        return self

    def answers(self, deadline: float) -> bool:
        """Whether Daphne answers a request before the deadline. The listening socket accepts
        connections before Daphne runs (they wait in its backlog), so only an answer tells."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as probe:
                probe.sendall(b"HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                probe.settimeout(0.2)
                while time.monotonic() < deadline and self.process.poll() is None:
                    try:
                        return bool(probe.recv(1))
                    except TimeoutError:
                        continue
        except OSError:
            pass
        return False

    def ask(self, session_id: int, token: str, body: str, timeout: float = WAIT_SECONDS) -> dict:
        """Post a question through this server's API as the token's user; the created question."""
        request = urllib.request.Request(
            f"{self.url}/api/sessions/{session_id}/questions/",
            data=json.dumps({"body": body}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status != 201:
                raise RuntimeError(f"Asking gave {response.status}, not 201")
            return json.loads(response.read())

    def terminate(self) -> int:
        """SIGTERM, as a rolling restart sends it (townhall/serve.py): the worker stops
        listening, drains, closes its sockets with 1001 and exits. Its exit status; the
        listening socket stays bound here, so start() serves the same port again."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=WAIT_SECONDS + SHUTDOWN_CEILING_SECONDS)

    def kill(self) -> None:
        """Die at once, as a crashed worker would: no clean close for its sockets."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        self.log_path.unlink(missing_ok=True)
