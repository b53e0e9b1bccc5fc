"""The poll storm (issue 14): --viewers sockets on one session, and --ballots ballots cast through
the API within --seconds, every ballot from its own citizen, on a live poll.

Each arrangement runs in a process of its own (this script again, with --only):
  workers   --workers Daphne processes (`make serve-prod`'s arrangement, bench/rush.py's workers
            and production environment) on a PostgreSQL database of the bench's own
            (`townhall_bench_polls`, created afresh and dropped after) and Redis under key
            prefixes of its own; viewers and ballots spread over the workers;
  embedded  one Daphne process on a fresh SQLite file, without Redis (the in-memory channel
            layer), as `make run` serves it.

The viewers are bench/viewers.py's bare sockets, anonymous (the poll's results are `live`, so
every viewer gets the counts); they keep each `poll.results` frame with its arrival time. The
ballots go out evenly over --seconds from --connections keep-alive HTTP connections (threads),
each with its citizen's API token. Checked, and printed as OK or FAILED:
  counted once   the stored voter count, the ballots and the tallies equal the ballots the API
                 accepted (200);
  last frame     every viewer's last poll.results frame equals the stored results;
  frames         no viewer got more poll.results frames than the coalescing allows
                 (1 + its span of frames / TOWNHALL_VOTE_INTERVAL, plus one for a flush that
                 another event forced).
Printed figures: ballots per second accepted (from the first ballot sent to the last answer),
the answers' p50/p99, p50/p99/max from sending a ballot to a viewer's frame counting at least
the voters that ballot's answer reported (a sample of --sample viewers for every accepted
ballot), and poll.results frames per viewer. Figures only: nothing here is asserted in the tests;
the exit status is 1 when a check failed or a measurement could not be made.

    .venv/bin/python bench/poll_storm.py
    .venv/bin/python bench/poll_storm.py --viewers 1000 --ballots 400 --only embedded
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

import rush  # noqa: E402
from viewers import Viewer, open_viewers, percentile  # noqa: E402

HOST = rush.HOST
BENCH_DATABASE = "townhall_bench_polls"
CACHE_PREFIX = "townhall-bench-polls"
CHANNEL_PREFIX = "townhall-bench-polls-asgi"
MARKER = b'"type":"poll.results"'
OPTIONS = ["Svømmehallen", "Cykelstien", "Biblioteket"]
# After the last ballot, how long the viewers may take to show the final count.
SETTLE_SECONDS = 60.0


# Set-up -----------------------------------------------------------------------------------------


def environment_for(args: argparse.Namespace, folder: str) -> dict[str, str]:
    """rush.py's production environment, on this benchmark's database and Redis prefixes."""
    environment = rush.production_environment(args, f"{folder}/static")
    environment.update(
        {
            "TOWNHALL_CACHE_PREFIX": CACHE_PREFIX,
            "TOWNHALL_CHANNEL_PREFIX": CHANNEL_PREFIX,
            # A storm from one address: the ballots count as votes for the per-IP limits.
            "TOWNHALL_RATE_LIMITS": "off",
        }
    )
    if args.only == "workers":
        environment["DATABASE_URL"] = f"{args.postgres.rstrip('/')}/{BENCH_DATABASE}"
    else:
        environment["DATABASE_URL"] = f"sqlite:///{folder}/storm.sqlite3"
        environment.pop("REDIS_URL")
        os.environ.pop("REDIS_URL", None)
    return environment


def seed(voters: int) -> tuple[int, int, list[int], list[str]]:
    """A live session with an open single-choice poll (results live), and `voters` citizens
    with an API token each: (session id, poll id, option ids, tokens)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone
    from knox.models import AuthToken

    from sessions import services
    from sessions.models import Municipality, Session

    User = get_user_model()
    municipality, _ = Municipality.objects.get_or_create(
        slug="storm", defaults={"name": "Storm Kommune"}
    )
    now = timezone.now()
    session = Session.objects.create(
        municipality=municipality,
        title="Poll storm",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
    )
    staff = User.objects.create(username="storm-staff", is_staff=True)
    poll = services.create_poll(
        session=session,
        user=staff,
        question="Hvad skal vi bygge først?",
        kind="single",
        options=OPTIONS,
    )
    services.open_poll(poll=poll, user=staff)
    citizens = User.objects.bulk_create(
        User(username=f"storm-{n}", first_name=f"Borger {n}") for n in range(voters)
    )
    if not citizens[0].pk:  # a backend that does not return ids
        citizens = list(User.objects.filter(username__startswith="storm-").order_by("pk"))
    with transaction.atomic():
        tokens = [AuthToken.objects.create(user=citizen)[1] for citizen in citizens]
    return session.pk, poll.pk, [option.pk for option in poll.options.all()], tokens


def stored(poll_id: int) -> dict:
    from sessions import selectors
    from sessions.models import Ballot, Poll, PollTally

    poll = Poll.objects.get(pk=poll_id)
    return {
        "results": selectors.poll_results(poll),
        "ballots": Ballot.objects.filter(poll=poll).count(),
        "tallied": sum(PollTally.objects.filter(poll=poll).values_list("count", flat=True)),
    }


# The storm --------------------------------------------------------------------------------------


def cast_ballots(
    ports: list[int], poll_id: int, option_ids: list[int], tokens: list[str], args
) -> list[dict]:
    """Every token's ballot, sent evenly over args.seconds from args.connections threads, each
    with a keep-alive connection to one worker (round the ports). One record per ballot."""
    count = len(tokens)
    records: list[dict] = [{} for _ in range(count)]
    next_index = iter(range(count))
    lock = threading.Lock()
    begin = time.perf_counter() + 0.5

    def sender(number: int) -> None:
        port = ports[number % len(ports)]
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                break
            time.sleep(max(0.0, begin + index * args.seconds / count - time.perf_counter()))
            body = json.dumps({"choices": [option_ids[index % len(option_ids)]]})
            headers = {
                "Authorization": f"Token {tokens[index]}",
                "Content-Type": "application/json",
                "Host": f"{HOST}:{port}",
            }
            sent = time.perf_counter()
            try:
                connection.request("POST", f"/api/polls/{poll_id}/ballot/", body, headers)
                response = connection.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
                records[index] = {"sent": sent, "done": time.perf_counter(), "error": str(error)}
                continue
            record = {"sent": sent, "done": time.perf_counter(), "status": status}
            if status == 200:
                record["voters"] = json.loads(answer)["results"]["voters"]
            else:
                record["error"] = answer[:120].decode(errors="replace")
            records[index] = record
        connection.close()

    threads = [
        threading.Thread(target=sender, args=(n,), daemon=True) for n in range(args.connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return records


def frames_of(viewer: Viewer, poll_id: int) -> list[tuple[int, dict, float]]:
    """The viewer's poll.results frames of the poll: (voters, counts, arrival), in order."""
    frames = []
    for payload, at in viewer.kept or []:
        data = json.loads(payload)["data"]
        if data["poll"] == poll_id:
            frames.append((data["voters"], data["counts"], at))
    return frames


async def storm(ports: list[int], session_id: int, poll_id: int, option_ids, tokens, args):
    shares = [
        args.viewers // len(ports) + (1 if n < args.viewers % len(ports) else 0)
        for n in range(len(ports))
    ]
    path = f"/ws/sessions/{session_id}/"
    started = time.perf_counter()
    opened: list[Viewer] = []
    for port, share in zip(ports, shares, strict=True):
        opened += await open_viewers(port, path, share)
    ramp = time.perf_counter() - started
    for viewer in opened:
        viewer.kept = []
        viewer.keep_marker = MARKER
    await asyncio.sleep(2 + args.viewers / 5000)  # let the servers settle after the ramp
    storm_began = time.perf_counter()
    records = await asyncio.to_thread(cast_ballots, ports, poll_id, option_ids, tokens, args)
    storm_ended = time.perf_counter()
    accepted = sum(1 for record in records if record.get("status") == 200)
    # Until every viewer shows the final count (or the ceiling).
    deadline = time.perf_counter() + SETTLE_SECONDS
    final = await asyncio.to_thread(stored, poll_id)
    while time.perf_counter() < deadline:
        if all(
            viewer.kept and final["results"]["voters"] == last_voters(viewer.kept[-1][0])
            for viewer in opened
        ):
            break
        await asyncio.sleep(0.2)
    settled = time.perf_counter() - storm_ended
    await asyncio.sleep(max(0.5, 2 * args.interval))  # a late extra frame would show here
    for viewer in opened:
        viewer.close()
    return {
        "opened": opened,
        "records": records,
        "accepted": accepted,
        "final": await asyncio.to_thread(stored, poll_id),
        "ramp": ramp,
        "storm": storm_ended - storm_began,
        "settled": settled,
    }


def last_voters(payload: bytes) -> int | None:
    found = re.search(rb'"voters":(\d+)', payload)
    return int(found.group(1)) if found else None


def report(args, result: dict, poll_id: int, label: str) -> bool:
    records, opened, final = result["records"], result["opened"], result["final"]
    accepted = [record for record in records if record.get("status") == 200]
    refused: dict[str, int] = {}
    for record in records:
        if record.get("status") != 200:
            reason = f"{record.get('status', 'error')} {record.get('error', '')[:60]}"
            refused[reason] = refused.get(reason, 0) + 1
    ok = True

    def check(name: str, passed: bool, detail: str) -> None:
        nonlocal ok
        ok = ok and passed
        print(f"{label:8} {'OK' if passed else 'FAILED':6} {name}: {detail}", flush=True)

    stored_voters = final["results"]["voters"]
    check(
        "counted once",
        stored_voters == final["ballots"] == final["tallied"] == len(accepted),
        f"accepted {len(accepted)}, stored voters {stored_voters}, ballots {final['ballots']}, "
        f"tallied {final['tallied']}; refused {sum(refused.values())} {refused or ''}",
    )
    per_viewer = [frames_of(viewer, poll_id) for viewer in opened]
    wrong_last = sum(
        1
        for frames in per_viewer
        if not frames
        or (frames[-1][0], frames[-1][1]) != (stored_voters, final["results"]["counts"])
    )
    check(
        "last frame",
        wrong_last == 0,
        f"{len(opened) - wrong_last} of {len(opened)} viewers' last poll.results frame equals the "
        f"stored results ({stored_voters} voters)",
    )
    counts = [len(frames) for frames in per_viewer]
    over = 0
    for frames in per_viewer:
        if frames:
            span = frames[-1][2] - frames[0][2]
            over += len(frames) > 2 + span / args.interval
    check(
        "frames",
        over == 0,
        f"{over} viewers over 2 + span/{args.interval} s frames; per viewer "
        f"min {min(counts, default=0)}, mean {statistics.fmean(counts) if counts else 0:.1f}, "
        f"max {max(counts, default=0)} (ballots {len(records)})",
    )
    if not accepted:
        print(f"{label:8} no ballot accepted: no figures", flush=True)
        return False
    first_sent = min(record["sent"] for record in accepted)
    last_done = max(record["done"] for record in accepted)
    answers = sorted(record["done"] - record["sent"] for record in accepted)
    sample = random.Random(14).sample(per_viewer, min(args.sample, len(per_viewer)))
    latencies = []
    for frames in sample:
        voters = [frame[0] for frame in frames]
        for record in accepted:
            at = bisect.bisect_left(voters, record["voters"])
            if at < len(frames):
                latencies.append(frames[at][2] - record["sent"])
    latencies.sort()
    print(
        f"{label:8} ballots {len(accepted)}/{len(records)} accepted in "
        f"{last_done - first_sent:.1f} s = {len(accepted) / (last_done - first_sent):.0f}/s "
        f"(asked {len(records) / args.seconds:.0f}/s); answer p50 "
        f"{statistics.median(answers) * 1000:.0f} ms p99 {percentile(answers, 0.99) * 1000:.0f} ms",
        flush=True,
    )
    if latencies:
        print(
            f"{label:8} ballot -> viewer's count: p50 {statistics.median(latencies) * 1000:.0f} ms "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms max {latencies[-1] * 1000:.0f} ms "
            f"({len(latencies)} pairs, {len(sample)} viewers sampled); viewers opened in "
            f"{result['ramp']:.1f} s; all showed the final count "
            f"{result['settled']:.1f} s after the last answer",
            flush=True,
        )
    return ok


# The run ----------------------------------------------------------------------------------------


def one_arrangement(args: argparse.Namespace) -> int:
    folder = tempfile.mkdtemp(prefix="townhall-storm-")
    environment = environment_for(args, folder)
    workers: list[rush.Worker] = []
    count = args.workers if args.only == "workers" else 1
    try:
        if args.only == "workers":
            rush.fresh_database(args.postgres, BENCH_DATABASE)
            rush.forget_redis_keys(args.redis_url, (CACHE_PREFIX, CHANNEL_PREFIX))
        rush.setup_django(environment)
        session_id, poll_id, option_ids, tokens = seed(args.ballots)
        rush.analyze_database()
        first_port = rush.consecutive_free_ports(count)
        for port in range(first_port, first_port + count):
            workers.append(rush.Worker(port, folder, **environment).start())
        ports = [worker.port for worker in workers]
        import requests

        for port in ports:  # first requests: imports, the connection pool
            for _ in range(3):
                requests.get(f"http://{HOST}:{port}/api/polls/{poll_id}/results/", timeout=60)
        print(
            f"{args.only:8} {count} Daphne process(es) on ports {ports[0]}-{ports[-1]}, "
            f"{'PostgreSQL and Redis' if args.only == 'workers' else 'SQLite, no Redis'}; "
            f"{args.viewers} viewers, {args.ballots} ballots over {args.seconds:.0f} s from "
            f"{args.connections} connections",
            flush=True,
        )
        result = asyncio.run(storm(ports, session_id, poll_id, option_ids, tokens, args))
        return 0 if report(args, result, poll_id, args.only) else 1
    finally:
        for worker in workers:
            worker.stop()
        if args.only == "workers":
            rush.forget_redis_keys(args.redis_url, (CACHE_PREFIX, CHANNEL_PREFIX))
            from django.db import connections

            connections.close_all()
            rush.drop_database(args.postgres, BENCH_DATABASE)
        shutil.rmtree(folder, ignore_errors=True)


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=5000)
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0, help="the ballots go out over it")
    parser.add_argument("--workers", type=int, default=2, help="Daphne processes (serve-prod)")
    parser.add_argument("--connections", type=int, default=32, help="HTTP connections (threads)")
    parser.add_argument("--sample", type=int, default=200, help="viewers for the latency")
    parser.add_argument("--arrangements", default="workers,embedded")
    parser.add_argument("--only", choices=["workers", "embedded"], help=argparse.SUPPRESS)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    for url in (args.postgres, args.redis_url):
        if not re.match(r"^[a-z]+://([^@/]*@)?(127\.0\.0\.1|localhost)[:/]", url):
            parser.error(f"{url}: this benchmark only runs against 127.0.0.1")
    args.interval = float(os.environ.get("TOWNHALL_VOTE_INTERVAL", "0.25"))
    return args


def main() -> int:
    args = options()
    # Room for the sockets and the workers' ends of them (the workers inherit the limit).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.only:
        return one_arrangement(args)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(
        f"# poll_storm {started} viewers={args.viewers} ballots={args.ballots} "
        f"seconds={args.seconds:.0f} workers={args.workers} cores={os.cpu_count()} "
        f"load={os.getloadavg()[0]:.1f}",
        flush=True,
    )
    failed = False
    for arrangement in args.arrangements.split(","):
        command = [sys.executable, __file__, *sys.argv[1:], "--only", arrangement]
        failed = subprocess.run(command, check=False).returncode != 0 or failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
