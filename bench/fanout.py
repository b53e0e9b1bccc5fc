"""Fan-out: one event to N sockets of one session, from the API call to receipt on every socket.

In one run, for each N (default 100, 1,000, 3,000, 5,000, 10,000):
  floor   a bare broadcast server written with the `websockets` library (websockets.broadcast),
          triggered by a message on a control socket: the floor for this machine;
  memory  the project under one Daphne process with the in-memory channel layer, through ASGI
          send (TOWNHALL_DIRECT_SEND=0);
  direct  the same with TOWNHALL_DIRECT_SEND=1, the default (ready frames straight to the TCP
          transport);
  redis   the project under two Daphne processes sharing Redis (default settings, so the direct
          path), viewers split between them, the questions posted through the first.
Questions are posted through the API one at a time at a steady rate; for every (event, viewer)
pair the time from the API call (or the floor's trigger) to the arrival of the frame's last byte
is recorded. Printed: p50, p99, max, delivered/expected, the servers' memory (RSS), and each p99
as a ratio to the floor's. Then 1,000 connect/disconnect cycles against a Redis worker, with the
Redis group membership and the worker's RSS before and after.

The viewers are bare asyncio protocols that parse WebSocket frames and take the time as bytes
arrive (a full WebSocket client library is itself the bottleneck past about 1,000 viewers).
Figures only: nothing here passes or fails.

    .venv/bin/python bench/fanout.py --viewers 100,1000 --events 20 --rate 4
    .venv/bin/python bench/fanout.py --configs memory --viewers 3000 --cycles 0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from viewers import Viewer, open_viewers, percentile, rss_mb  # noqa: E402

from tests.servers import CACHE_PREFIX, DaphneServer, free_port  # noqa: E402

# Well above the default bench rates; the relay and presence at their production settings.
SERVER_ENV = {"TOWNHALL_RATE_LIMITS": "off", "TOWNHALL_RELAY_IDLE_SECONDS": "2"}
WARMUP_EVENTS = 2


# Servers ----------------------------------------------------------------------------------------

FLOOR_SERVER = """
import asyncio, sys
from websockets.asyncio.server import broadcast, serve

viewers = set()

async def handler(socket):
    if socket.request.path == "/trigger":
        async for text in socket:
            broadcast(viewers, text)
        return
    viewers.add(socket)
    try:
        await socket.wait_closed()
    finally:
        viewers.discard(socket)

async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None,
                     ping_interval=None, max_queue=None):
        await asyncio.get_running_loop().create_future()

asyncio.run(main())
"""


class FloorServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> FloorServer:
        self.process = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(self.port)])
        deadline = time.monotonic() + 20
        import socket

        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the floor server did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


# The project's data -----------------------------------------------------------------------------


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def new_session() -> tuple[int, str]:
    """A live session and a staff user's token (staff post without rate limits)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from knox.models import AuthToken

    from sessions.models import Municipality, Session

    municipality, _ = Municipality.objects.get_or_create(
        slug="bench", defaults={"name": "Bench Kommune"}
    )
    now = timezone.now()
    session = Session.objects.create(
        # An id no earlier run used: Redis keeps a dead process's group membership for a day.
        pk=int.from_bytes(os.urandom(4), "big") % 2_000_000_000 + 1,
        municipality=municipality,
        title="Fan-out benchmark",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
    )
    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "first_name": "Bench"}
    )
    token = AuthToken.objects.create(user=user)[1]
    return session.pk, token


# One measurement --------------------------------------------------------------------------------


async def measure(
    *,
    ports: list[int],
    path: str,
    viewers: int,
    events: int,
    rate: float,
    trigger,
    first_seq: int = 1,
) -> dict:
    """Open the viewers (split over the ports), fire `events` triggers at `rate`, collect."""
    shares = [
        viewers // len(ports) + (1 if n < viewers % len(ports) else 0) for n in range(len(ports))
    ]
    started = time.perf_counter()
    opened: list[Viewer] = []
    for port, share in zip(ports, shares, strict=True):
        opened += await open_viewers(port, path, share)
    ramp = time.perf_counter() - started
    await asyncio.sleep(1 + viewers / 5000)  # let the servers settle after the ramp
    sent: dict[int, float] = {}
    begin = time.perf_counter()
    for n in range(events):
        await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
        seq = first_seq + n
        sent[seq] = time.perf_counter()
        await trigger(seq)
    deadline = time.perf_counter() + 30 + viewers / 500
    expected = viewers * events
    while time.perf_counter() < deadline:
        if sum(len(v.receipts) for v in opened) >= expected:
            break
        await asyncio.sleep(0.2)
    latencies = sorted(at - sent[seq] for v in opened for seq, at in v.receipts if seq in sent)
    size = max((v.frame_size for v in opened), default=0)
    for viewer in opened:
        viewer.close()
    await asyncio.sleep(0.5 + viewers / 10000)
    if not latencies:
        return {"delivered": 0, "expected": expected, "ramp": ramp, "size": size}
    return {
        "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": latencies[-1] * 1000,
        "delivered": len(latencies),
        "expected": expected,
        "ramp": ramp,
        "size": size,
    }


def floor_run(viewers: int, events: int, rate: float, size: int) -> dict:
    server = FloorServer().start()
    peak: list[float] = []

    async def run() -> dict:
        from websockets.asyncio.client import connect

        control = await connect(f"ws://127.0.0.1:{server.port}/trigger", compression=None)
        padding = "x" * max(0, size - 60)

        async def trigger(seq: int) -> None:
            if seq == 1:
                peak.append(rss_mb(server.process.pid))
            frame = json.dumps(
                {"type": "question.created", "seq": seq, "data": {"body": padding}},
                separators=(",", ":"),
            )
            await control.send(frame)

        try:
            return await measure(
                ports=[server.port],
                path="/",
                viewers=viewers,
                events=events,
                rate=rate,
                trigger=trigger,
            )
        finally:
            await control.close()

    try:
        result = asyncio.run(run())
        result["rss"] = peak[0] if peak else 0.0
        return result
    finally:
        server.stop()


def project_run(servers: list[DaphneServer], viewers: int, events: int, rate: float, body: str):
    session_id, token = new_session()
    peak: dict[int, float] = {}
    # Warm the API up (first request, URL resolution, imports): seqs 1 and 2, not measured.
    for _ in range(WARMUP_EVENTS):
        servers[0].ask(session_id, token, body)

    async def run() -> dict:
        async def trigger(seq: int) -> None:
            if seq == WARMUP_EVENTS + 1:
                for server in servers:
                    peak[server.process.pid] = rss_mb(server.process.pid)
            await asyncio.to_thread(servers[0].ask, session_id, token, body)

        return await measure(
            ports=[server.port for server in servers],
            path=f"/ws/sessions/{session_id}/",
            viewers=viewers,
            events=events,
            rate=rate,
            trigger=trigger,
            first_seq=WARMUP_EVENTS + 1,
        )

    result = asyncio.run(run())
    result["rss"] = sum(peak.values())
    return result


def cycles_run(server: DaphneServer, redis_url: str, cycles: int) -> dict:
    """Connect and disconnect `cycles` viewers, 50 at a time, on one session; before and after."""
    import redis

    session_id, _ = new_session()
    client = redis.Redis.from_url(redis_url)
    group = f"asgi:group:session-{session_id}"
    pid = server.process.pid

    async def churn() -> None:
        path = f"/ws/sessions/{session_id}/"
        for _ in range(cycles // 50):
            batch = await open_viewers(server.port, path, 50)
            for viewer in batch:
                viewer.close()
            await asyncio.gather(*(v.closed for v in batch))

    # Warm up once (first imports, the relay's task), then measure from there.
    asyncio.run(open_and_close(server.port, f"/ws/sessions/{session_id}/"))
    time.sleep(4)
    before = {"rss": rss_mb(pid), "members": client.zcard(group)}
    asyncio.run(churn())
    during = {"members": client.zcard(group)}
    time.sleep(5)  # the relay leaves an idle session's group after TOWNHALL_RELAY_IDLE_SECONDS
    after = {"rss": rss_mb(pid), "members": client.zcard(group)}
    presence = client.zcard(f"{CACHE_PREFIX}:presence:{session_id}")
    return {"before": before, "during": during, "after": after, "presence": presence}


async def open_and_close(port: int, path: str) -> None:
    for viewer in await open_viewers(port, path, 10):
        viewer.close()


# The run ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="100,1000,3000,5000,10000")
    parser.add_argument("--events", type=int, default=20, help="questions per measurement")
    parser.add_argument("--rate", type=float, default=4.0, help="questions per second")
    parser.add_argument("--configs", default="floor,memory,redis")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--redis-layer", choices=["core", "pubsub"], default="core")
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--gc-freeze", choices=["0", "1"], default="0", help="TOWNHALL_GC_FREEZE")
    args = parser.parse_args()
    SERVER_ENV["TOWNHALL_GC_FREEZE"] = args.gc_freeze
    counts = [int(n) for n in args.viewers.split(",")]
    configs = args.configs.split(",")

    # Room for 10,000 viewers and their server-side sockets (children inherit the limit).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.environ.pop("REDIS_URL", None)

    folder = tempfile.mkdtemp(prefix="townhall-fanout-")
    database_url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
    setup_django(database_url)
    # A question whose question.created frame is about 300 bytes.
    body = "Hvornår bliver cykelstien langs Ringstedvej færdig, og hvad koster den?"

    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(
        f"# fanout {started} events={args.events} rate={args.rate}/s cores={os.cpu_count()} "
        f"nofile={hard} layer={args.redis_layer} gc_freeze={args.gc_freeze} "
        f"load={os.getloadavg()[0]:.1f}",
        flush=True,
    )
    rows: list[tuple[str, int, dict]] = []
    floors: dict[int, float] = {}

    def report(config: str, viewers: int, result: dict) -> None:
        rows.append((config, viewers, result))
        if "p99" not in result:
            print(f"{config:7} N={viewers:6} delivered 0/{result['expected']}", flush=True)
            return
        ratio = f"{result['p99'] / floors[viewers]:.1f}x" if viewers in floors else "-"
        print(
            f"{config:7} N={viewers:6} p50={result['p50']:7.1f} ms p99={result['p99']:7.1f} ms "
            f"max={result['max']:7.1f} ms delivered={result['delivered']}/{result['expected']} "
            f"rss={result['rss']:6.0f} MB frame={result['size']} B ramp={result['ramp']:.1f} s "
            f"p99/floor={ratio}",
            flush=True,
        )

    project_servers: dict[str, list[DaphneServer]] = {}
    try:
        if "memory" in configs:
            project_servers["memory"] = [
                DaphneServer(
                    DATABASE_URL=database_url, TOWNHALL_DIRECT_SEND="0", **SERVER_ENV
                ).start()
            ]
        if "direct" in configs:
            project_servers["direct"] = [
                DaphneServer(
                    DATABASE_URL=database_url, TOWNHALL_DIRECT_SEND="1", **SERVER_ENV
                ).start()
            ]
        if "redis" in configs:
            redis_env = {
                "DATABASE_URL": database_url,
                "REDIS_URL": args.redis_url,
                "REDIS_CHANNEL_LAYER": args.redis_layer,
                **SERVER_ENV,
            }
            project_servers["redis"] = [
                DaphneServer(**redis_env).start(),
                DaphneServer(**redis_env).start(),
            ]
        size = 300
        for viewers in counts:
            for config in configs:
                if config == "floor":
                    result = floor_run(viewers, args.events, args.rate, size)
                    if "p99" in result:
                        floors[viewers] = result["p99"]
                else:
                    result = project_run(
                        project_servers[config], viewers, args.events, args.rate, body
                    )
                    size = result.get("size") or size
                report(config, viewers, result)
        if args.cycles and "redis" in project_servers:
            server = project_servers["redis"][0]
            cycles = cycles_run(server, args.redis_url, args.cycles)
            print(
                f"cycles  {args.cycles} connect/disconnect on one Redis worker: "
                f"group members {cycles['before']['members']} before, "
                f"{cycles['during']['members']} right after, {cycles['after']['members']} 5 s "
                f"later; RSS {cycles['before']['rss']:.0f} MB before, "
                f"{cycles['after']['rss']:.0f} MB after; presence entries left "
                f"{cycles['presence']}",
                flush=True,
            )
    finally:
        for servers in project_servers.values():
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
