"""The CPU one session page costs Django, measured in this process: a figure to compare changes
with, steadier than loads per second on a shared machine (bench/rush.py measures those).

Production mode in the given PostgreSQL database and Redis database (both emptied first: give
ones of your own, never the tests' `test` or Redis db 0): DJANGO_DEBUG=0, the static files
collected into a temporary folder, the session bench/rush.py loads (200 questions, replies,
answers, votes). Then `--loads` page loads through Django's test client, in turn as `--citizens`
citizens signed in (or anonymous with --anonymous), after `--warm` loads that fill the caches.
It prints the thread CPU time per load (time.thread_time: this thread's, so Redis and PostgreSQL
are not counted), p50 and mean, the queries of one load and the page's size; --profile prints
cProfile's top functions by cumulative time over the measured loads.

    .venv/bin/python bench/page_cpu.py --database postgres://postgres@127.0.0.1:5432/h1 \
        --redis-url redis://127.0.0.1:6379/6
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import logging
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rush


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL, emptied first")
    parser.add_argument("--redis-url", required=True, help="a Redis URL, its db emptied first")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument("--loads", type=int, default=500)
    parser.add_argument("--warm", type=int, default=100)
    parser.add_argument("--anonymous", action="store_true")
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() before the loads")
    parser.add_argument(
        "--wsgi",
        action="store_true",
        help="through Django's WSGI handler as townhall/http.py runs it (database connections "
        "back to the pool after each load), not the test client",
    )
    parser.add_argument("--profile", type=int, default=0, help="print this many functions")
    parser.add_argument("--callees", help="with --profile: what functions matching this call")
    parser.add_argument("--keep", action="store_true", help="reuse the session already there")
    parser.add_argument("--save", help="write one page to this file")
    parser.add_argument(
        "--served",
        type=int,
        default=0,
        help="then this many loads, one at a time, from one Daphne worker: its CPU per load",
    )
    return parser.parse_args()


def main() -> int:
    args = options()
    static_root = tempfile.mkdtemp(prefix="townhall-page-cpu-")
    os.environ.update(
        {
            "DATABASE_URL": args.database,
            "REDIS_URL": args.redis_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_STATIC_ROOT": static_root,
            "TOWNHALL_PUBLISHED_SEQ_SECONDS": "2",
            "TOWNHALL_RATE_LIMITS": "off",
            "DJANGO_SETTINGS_MODULE": "townhall.settings",
        }
    )
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)
    import redis
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client

    from sessions.models import Session
    from townhall.http import environ_for

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    redis.Redis.from_url(args.redis_url).flushdb()
    if args.keep and Session.objects.exists():
        session_id = Session.objects.get().pk
        usernames = list(
            get_user_model()
            .objects.filter(username__startswith="rush-citizen-")
            .order_by("username")
            .values_list("username", flat=True)[: args.citizens]
        )
    else:
        call_command("flush", interactive=False, verbosity=0)
        session_id, _, usernames = rush.seed_session(
            questions=args.questions, citizens=args.citizens
        )
    path = f"/sessions/{session_id}/"
    clients = []
    for username in usernames if not args.anonymous else [None]:
        client = Client()
        if username:
            client.post(
                "/accounts/login/",
                {"username": username, "password": rush.PASSWORD},
            )
            assert "sessionid" in client.cookies, f"{username} did not sign in"
        clients.append(client)

    handler = WSGIHandler()
    if args.freeze:
        gc.freeze()

    def load(n: int):
        client = clients[n % len(clients)]
        if not args.wsgi:
            response = client.get(path)
            assert response.status_code == 200, response.status_code
            return response
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "headers": [(b"host", b"127.0.0.1"), (b"cookie", cookie.encode())],
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
        }
        statuses = []
        chunks = handler(environ_for(scope, io.BytesIO()), lambda s, h: statuses.append(s))
        content = b"".join(chunks)
        chunks.close()
        assert statuses[0].startswith("200"), statuses
        return HttpResponse(content)

    for n in range(args.warm):
        load(n)
    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = load(0)
    profile = cProfile.Profile(time.thread_time) if args.profile else None
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    collecting: dict[str, float] = {}

    def note_collection(phase: str, info: dict) -> None:
        if phase == "start":
            collecting["since"] = time.perf_counter()
        else:
            pauses[info["generation"]].append(time.perf_counter() - collecting.pop("since"))

    gc.callbacks.append(note_collection)
    times = []
    for n in range(args.loads):
        if profile:
            profile.enable()
        started = time.thread_time()
        load(n)
        times.append(time.thread_time() - started)
        if profile:
            profile.disable()
    body = b"".join(page) if page.streaming else page.content
    gc.callbacks.remove(note_collection)
    print(
        "garbage collections while measuring: "
        + ", ".join(
            f"generation {n}: {len(found)}, longest {max(found, default=0) * 1000:.1f} ms"
            for n, found in pauses.items()
        )
        + f"; {len(gc.get_objects()):,} objects tracked"
    )
    if args.save:
        Path(args.save).write_bytes(body)
    kind = "anonymous" if args.anonymous else f"signed in ({len(clients)} citizens)"
    print(
        f"{kind}: {args.loads} loads, thread CPU p50 {statistics.median(times) * 1000:.2f} ms, "
        f"mean {statistics.fmean(times) * 1000:.2f} ms; {len(queries)} queries; "
        f"{len(body):,} bytes"
    )
    for query in queries:
        print("  ", " ".join(query.split())[:160])
    if profile:
        profile.dump_stats(Path(tempfile.gettempdir()) / "page_cpu.prof")
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(args.profile)
        if args.callees:
            stats.print_callees(args.callees)
    if args.served:
        served(args, path, usernames)
    return 0


def served(args: argparse.Namespace, path: str, usernames: list[str]) -> None:
    """The same page from a Daphne worker as bench/rush.py runs them, loaded one at a time
    over keep-alive connections: the worker's CPU (user and system) per load."""
    import http.client

    environment = {
        name: os.environ[name]
        for name in (
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_DEBUG",
            "DJANGO_SECRET_KEY",
            "DJANGO_SECURE_SSL_REDIRECT",
            "DJANGO_ALLOWED_HOSTS",
            "DJANGO_STATIC_ROOT",
            "TOWNHALL_PUBLISHED_SEQ_SECONDS",
        )
    }
    worker = rush.Worker(0, tempfile.gettempdir(), **environment, TOWNHALL_RATE_LIMITS="")
    worker.start()
    try:
        cookies = (
            [None] if args.anonymous else [rush.log_in(worker.url, name) for name in usernames]
        )
        connection = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=60)

        def load(n: int) -> int:
            cookie = cookies[n % len(cookies)]
            headers = {"Accept-Encoding": "gzip"} | ({"Cookie": cookie} if cookie else {})
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, response.status
            return len(body)

        for n in range(args.warm):
            load(n)
        started = rush.cpu_seconds(worker.process.pid)
        size = 0
        waits = []
        for n in range(args.served):
            sent = time.perf_counter()
            size = load(n)
            waits.append(time.perf_counter() - sent)
        used = rush.cpu_seconds(worker.process.pid) - started
        print(
            f"served by one worker: {args.served} loads, its CPU {used / args.served * 1000:.2f} "
            f"ms a load; {size:,} bytes sent; each load p50 {statistics.median(waits) * 1000:.1f} "
            f"ms, longest {max(waits) * 1000:.1f} ms, then "
            + ", ".join(f"{wait * 1000:.1f}" for wait in sorted(waits)[-6:-1][::-1])
        )
    finally:
        worker.stop()


if __name__ == "__main__":
    sys.exit(main())
