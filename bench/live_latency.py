"""How long from a question posted through the API to its arrival on watching sockets?

Starts the project with Daphne on a fresh SQLite database (embedded mode, as `make run`),
opens VIEWERS WebSocket viewers on one live session, posts QUESTIONS questions through the API
one after another, and prints p50, p99 and max of the time from the API call to receipt over
every (question, viewer) pair, and how many arrived. Figures only: nothing here passes or fails.

    .venv/bin/python bench/live_latency.py [--viewers 50] [--questions 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from tests.servers import DaphneServer  # noqa: E402


def prepare_database(database_url: str) -> tuple[int, str]:
    """Migrate a fresh database and create a live session and a citizen with a token."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from knox.models import AuthToken

    from sessions.models import Municipality, Session

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.create(name="Bench Kommune", slug="bench")
    now = timezone.now()
    session = Session.objects.create(
        municipality=municipality,
        title="Benchmark",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    )
    citizen = get_user_model().objects.create_user("bench-citizen")
    return session.pk, AuthToken.objects.create(user=citizen)[1]


async def run(
    server: DaphneServer, session_id: int, token: str, viewers: int, questions: int
) -> None:
    url = f"{server.ws_url}/ws/sessions/{session_id}/"
    origin = server.url
    viewers_sockets = [await websockets.connect(url, origin=origin) for _ in range(viewers)]
    sent_at: dict[str, float] = {}
    latencies: list[float] = []

    async def listen(viewer) -> None:
        for _ in range(questions):
            event = json.loads(await viewer.recv())
            latencies.append(time.perf_counter() - sent_at[event["data"]["body"]])

    listeners = [asyncio.create_task(listen(viewer)) for viewer in viewers_sockets]
    for n in range(questions):
        body = f"Benchmark question {n}"
        sent_at[body] = time.perf_counter()
        await asyncio.to_thread(server.ask, session_id, token, body)
        await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*listeners), timeout=60)
    for viewer in viewers_sockets:
        await viewer.close()

    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"viewers={viewers} questions={questions} delivered={len(latencies)}/{viewers * questions}"
    )
    print(
        f"API call to receipt: p50={statistics.median(latencies) * 1000:.1f} ms "
        f"p99={p99 * 1000:.1f} ms max={latencies[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--questions", type=int, default=30)
    args = parser.parse_args()
    # Embedded mode: one process, the in-memory layer.
    os.environ.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{folder}/bench.sqlite3"
        session_id, token = prepare_database(database_url)
        server = DaphneServer(DATABASE_URL=database_url).start()
        try:
            asyncio.run(run(server, session_id, token, args.viewers, args.questions))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
