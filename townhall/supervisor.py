"""`make serve-prod`: `--workers` Daphne workers (townhall/serve.py) on `--port`, `--port`+1, ...,
and the task worker that sends e-mails (`manage.py db_worker`); `make reload` restarts them one
at a time.

    python -m townhall.supervisor --host 127.0.0.1 --port 8000 --workers 2

- SIGHUP (what `make reload` sends, to the pid in `--pid-file`): a rolling restart. Each worker
  in turn gets SIGTERM, drains, closes its sockets with 1001 and exits (its viewers reconnect to
  the others through the proxy, with `?since=`); its replacement starts on the same port, and
  the next worker is stopped only once the replacement answers HTTP. If a replacement does not
  answer, the restart stops there and the other workers keep serving the old code. The task
  worker is restarted last.
- SIGTERM or SIGINT (Ctrl-C): every worker stops gracefully at once; then the supervisor exits.
- A worker that exits by itself is started again (after a pause, so a worker that cannot start
  does not spin).

systemd, supervisord or Kubernetes do the same for a deployment that has them: give each worker
`python -m townhall.serve` and send SIGTERM, one worker at a time.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

PROJECT = Path(__file__).resolve().parents[1]
# How long a new worker may take to answer its first request (Django's start, a loaded machine).
START_SECONDS = 120.0
# Beyond its drain and shutdown ceilings, how long a stopping worker may take to exit.
EXIT_MARGIN_SECONDS = 15.0
RESPAWN_PAUSE_SECONDS = 5.0
POLL_SECONDS = 0.2


def say(text: str) -> None:
    print(f"[supervisor] {text}", flush=True)


def answers(host: str, port: int, deadline: float) -> bool:
    """Whether something answers an HTTP request on host:port before the deadline."""
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
    try:
        with socket.create_connection((probe_host, port), timeout=5) as probe:
            probe.sendall(f"HEAD / HTTP/1.0\r\nHost: {probe_host}\r\n\r\n".encode())
            probe.settimeout(max(0.1, deadline - time.monotonic()))
            return bool(probe.recv(1))
    except OSError:
        return False


class Child:
    """One process the supervisor keeps running: a Daphne worker on `port`, or the task worker."""

    def __init__(self, name: str, command: list[str], port: int | None = None) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.process: subprocess.Popen | None = None
        self.exited_at: float | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> None:
        # A process group of its own: Ctrl-C in the terminal reaches the supervisor alone, which
        # signals each child once (a second signal makes the task worker abandon its task).
        self.process = subprocess.Popen(self.command, cwd=PROJECT, process_group=0)
        self.exited_at = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        if self.running():
            self.process.send_signal(signal.SIGTERM)

    def wait(self, seconds: float) -> None:
        """Wait for the process to exit; SIGKILL after `seconds`."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            say(f"{self.name} (pid {self.pid}) did not stop in {seconds:.0f} s: killing it")
            self.process.kill()
            self.process.wait()


class Supervisor:
    def __init__(self, host: str, port: int, workers: int, daphne: list[str]) -> None:
        self.host = host
        self.workers = [
            Child(
                f"the worker on port {port + n}",
                [
                    sys.executable,
                    "-m",
                    "townhall.serve",
                    *daphne,
                    "--bind",
                    host,
                    "--port",
                    str(port + n),
                    "townhall.asgi:application",
                ],
                port + n,
            )
            for n in range(workers)
        ]
        self.tasks = Child("the task worker", [sys.executable, "manage.py", "db_worker"])
        self.reload_wanted = False
        self.stop_wanted = False

    @property
    def children(self) -> list[Child]:
        return [*self.workers, self.tasks]

    def stop_seconds(self) -> float:
        from django.conf import settings

        return (
            settings.TOWNHALL_DRAIN_SECONDS
            + settings.TOWNHALL_SHUTDOWN_SECONDS
            + EXIT_MARGIN_SECONDS
        )

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            self.reload_wanted = True
        else:
            self.stop_wanted = True

    def start_worker(self, worker: Child) -> bool:
        """Start a worker; True once it answers, False if it exits or stays silent."""
        worker.start()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and worker.running():
            if answers(self.host, worker.port, deadline):
                return True
            time.sleep(POLL_SECONDS)
        return False

    def run(self) -> int:
        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.on_signal)
        try:
            for worker in self.workers:
                worker.start()
            self.tasks.start()
            first, last = self.workers[0].port, self.workers[-1].port
            say(
                f"{len(self.workers)} Daphne workers on {self.host}:{first}-{last}, and a task "
                f"worker (db_worker) for notification e-mails; `make reload` restarts them one "
                f"at a time, Ctrl-C stops them"
            )
            while not self.stop_wanted:
                if self.reload_wanted:
                    self.reload_wanted = False
                    self.rolling_restart()
                self.respawn()
                time.sleep(POLL_SECONDS)
        finally:
            self.stop_all()
        return 0

    def rolling_restart(self) -> None:
        say("Rolling restart: one worker at a time")
        for worker in self.workers:
            if self.stop_wanted:
                return
            old = worker.pid
            say(f"Stopping {worker.name} (pid {old}): it drains and closes its sockets with 1001")
            worker.terminate()
            worker.wait(self.stop_seconds())
            if not self.start_worker(worker):
                say(
                    f"{worker.name} did not answer after the restart: the rolling restart stops "
                    f"here, the other workers keep serving"
                )
                return
            say(f"{worker.name} answers again (pid {old} -> {worker.pid})")
        self.tasks.terminate()
        self.tasks.wait(self.stop_seconds())
        self.tasks.start()
        say("Rolling restart done")

    def respawn(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.process is None or child.running():
                continue
            if child.exited_at is None:
                child.exited_at = now
                say(
                    f"{child.name} (pid {child.pid}) exited with {child.process.returncode}; "
                    f"starting it again in {RESPAWN_PAUSE_SECONDS:.0f} s"
                )
            elif now - child.exited_at > RESPAWN_PAUSE_SECONDS:
                child.start()

    def stop_all(self) -> None:
        for child in self.children:
            child.terminate()
        for child in self.children:
            child.wait(self.stop_seconds())
        say("Stopped")


def main(arguments: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pid-file",
        type=Path,
        default=PROJECT / ".serve-prod.pid",
        help="where `make reload` finds this process (removed on exit)",
    )
    parser.add_argument(
        "daphne",
        nargs="*",
        default=["--verbosity", "0"],
        help="Daphne's options for every worker (after --)",
    )
    options = parser.parse_args(arguments)
    if options.workers < 1:
        parser.error("--workers must be at least 1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    pid_file: Path = options.pid_file
    if pid_file.exists() and _alive(pid_file.read_text().strip()):
        parser.error(f"another supervisor runs here ({pid_file}); stop it first")
    pid_file.write_text(f"{os.getpid()}\n")
    try:
        supervisor = Supervisor(options.host, options.port, options.workers, options.daphne)
        return supervisor.run()
    finally:
        pid_file.unlink(missing_ok=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    sys.exit(main())
