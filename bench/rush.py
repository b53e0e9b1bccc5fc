"""The rush at the start (issue 18): a session page of 200 questions under load, and sockets
arriving together, on the serving arrangement the README recommends for production.

Production mode on this machine: a PostgreSQL database of the bench's own (`townhall_bench`,
created afresh by each run and dropped after it), Redis under key prefixes of its own,
DJANGO_DEBUG=0 with the static files collected into a temporary folder, and `--workers` Daphne
processes on consecutive ports, as `make serve-prod` runs them. One live session holds 200
published questions of 100-400 characters, with replies, panel answers and votes. Then:

  anonymous   wrk with --connections open at once for --duration seconds, spread over the
              workers, loading /sessions/<id>/ as visitors who are not signed in;
  signed-in   the same as --citizens citizens signed in through the login form, each request
              carrying the next one's `sessionid` and `csrftoken` cookies;
  sockets     --sockets WebSockets opening evenly over --burst seconds, spread over the workers:
              the time from opening the TCP connection to the socket's first frame (the
              session's viewers-now count, sent when the socket has caught up), with
              --with-page-load while the anonymous wrk load runs, then again while the
              paced signed-in load runs;
  paced       the signed-in page again, --paced-rate (150) loads due a second from up to
              --connections connections: an open loop, as visitors arrive, each load's latency
              counted from when it was due (wrk's closed loop above puts --connections loads
              in flight all the time, so its latency is mostly the queue it makes itself), on
              the workers of the signed-in load, warm and idle again;
  idle        after each load, every worker's CPU % per second for --idle seconds.

For the pages: loads per second (2xx answers), p50 and p99 latency, and errors (non-2xx,
socket errors, timeouts). A sample page of each kind is checked first to be the session page
showing every one of the questions, so an error page is never what gets measured. Figures only:
nothing here passes or fails (the exit status is 1 only when a measurement could not be made).

    .venv/bin/python bench/rush.py
    .venv/bin/python bench/rush.py --quick
    .venv/bin/python bench/rush.py --workers 4 --with-page-load
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from viewers import Viewer, percentile  # noqa: E402

from tests.servers import DaphneServer  # noqa: E402

# The serving arrangement: the README's production set-up (`make serve-prod`), one Daphne process
# per worker on consecutive ports, as `make serve-prod` runs them (here on a listening socket the
# bench binds to each worker's port first). To measure another arrangement, change this command
# line ({python} is this interpreter, {fd} the worker's listening socket) and, if need be,
# --workers.
WORKER_COMMAND = [
    "{python}",
    "-m",
    "townhall.serve",
    "--verbosity",
    "0",
    "--fd",
    "{fd}",
    "townhall.asgi:application",
]

HOST = "127.0.0.1"
BENCH_DATABASE = "townhall_bench"
# Set on the database when it is created: a run drops only a database that carries it.
DATABASE_MARK = "bench/rush.py's own: dropped and created again by every run"
# Redis keys of the workers: rate-limit counts and presence, and the channel layer's.
CACHE_PREFIX = "townhall-bench-rush"
CHANNEL_PREFIX = "townhall-bench-rush-asgi"
PASSWORD = "rush-bench-password-2026"
# A worker under this CPU % is idle; after each load the next waits up to SETTLE_LIMIT seconds
# for every worker to be idle for two seconds running.
IDLE_PERCENT = 5
SETTLE_LIMIT = 180
FIRST_FRAME_TIMEOUT = 15.0


# Production mode ---------------------------------------------------------------------------------


def production_environment(args: argparse.Namespace, static_root: str) -> dict[str, str]:
    """What every worker gets, as a production installation on this machine would set it."""
    return {
        "DATABASE_URL": f"{args.postgres.rstrip('/')}/{BENCH_DATABASE}",
        "REDIS_URL": args.redis_url,
        "TOWNHALL_CACHE_PREFIX": CACHE_PREFIX,
        "TOWNHALL_CHANNEL_PREFIX": CHANNEL_PREFIX,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": static_root,
        # Production's own limits ("" is the defaults); loading a page counts against none.
        "TOWNHALL_RATE_LIMITS": "",
        # Production's default, which tests.servers turns off for test servers (tests write from
        # a process of their own): a worker learns a session's newest seq from the cache.
        "TOWNHALL_PUBLISHED_SEQ_SECONDS": "2",
    }


def ours(admin, name: str) -> bool | None:
    """None when there is no such database, else whether it carries this benchmark's mark."""
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
    ).fetchone()
    return None if row is None else row[0] == DATABASE_MARK


def fresh_database(server_url: str, name: str = BENCH_DATABASE) -> None:
    """The database `name` created afresh (bench/poll_storm.py gives a name of its own)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True) as admin:
        mine = ours(admin, name)
        if mine is False:
            raise SystemExit(
                f"A database {name} exists that this benchmark did not create: not touching it."
            )
        if mine:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(DATABASE_MARK)
            )
        )


def drop_database(server_url: str, name: str = BENCH_DATABASE) -> None:
    import psycopg

    with psycopg.connect(f"{server_url.rstrip('/')}/postgres", autocommit=True) as admin:
        if ours(admin, name):
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def forget_redis_keys(
    redis_url: str, prefixes: tuple[str, ...] = (CACHE_PREFIX, CHANNEL_PREFIX)
) -> int:
    """Delete the keys under this benchmark's prefixes (and only those); how many there were."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deleted = 0
    for pattern in (f"{prefix}:*" for prefix in prefixes):
        for key in client.scan_iter(match=pattern, count=1000):
            deleted += client.delete(key)
    client.close()
    return deleted


def setup_django(environment: dict[str, str]) -> None:
    """This process as one more production worker: migrate, collect the static files."""
    os.environ.update(environment)
    # Only for filling the session: many posts from one citizen within a minute.
    os.environ["TOWNHALL_RATE_LIMITS"] = "off"
    os.environ["DJANGO_SETTINGS_MODULE"] = "townhall.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def analyze_database() -> None:
    """Planner statistics for what the seed just wrote, as autovacuum keeps them for a database
    in use. Without them PostgreSQL takes the fresh tables for nearly empty and scans auth_user
    whole for every API token and login session it looks up."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# The session -------------------------------------------------------------------------------------

WORDS = [
    "cykelstien",
    "skolen",
    "kommunen",
    "budgettet",
    "borgmesteren",
    "byrådet",
    "parkeringen",
    "havnen",
    "biblioteket",
    "ældreplejen",
    "daginstitutionerne",
    "vejene",
    "trafikken",
    "bussen",
    "toget",
    "klimaplanen",
    "affaldet",
    "genbrug",
    "idrætshallen",
    "svømmehallen",
    "borgerne",
    "landsbyerne",
    "lokalplanen",
    "naturen",
    "skoven",
    "stranden",
    "hjemmeplejen",
    "plejehjemmet",
    "sundhedshuset",
    "lægerne",
    "børnene",
    "forældrene",
    "lærerne",
    "pædagogerne",
    "bredbånd",
    "mobildækning",
    "solceller",
    "vindmøller",
    "fjernvarme",
    "kloakering",
    "oversvømmelser",
    "grundskyld",
    "hvornår",
    "hvorfor",
    "hvordan",
    "hvad",
    "hvem",
    "kan",
    "vil",
    "skal",
    "bliver",
    "kommer",
    "koster",
    "betaler",
    "prioriterer",
    "og",
    "men",
    "eller",
    "at",
    "det",
    "den",
    "de",
    "en",
    "et",
    "i",
    "på",
    "til",
    "fra",
    "med",
    "for",
    "om",
    "efter",
    "under",
    "over",
    "ved",
    "næste",
    "år",
]


def sentence_text(rng: random.Random, low: int, high: int, end: str) -> str:
    """Plain words up to a length drawn between low and high characters."""
    target = rng.randint(low, high)
    words: list[str] = []
    while sum(len(word) + 1 for word in words) < target - 1:
        words.append(rng.choice(WORDS))
    text = " ".join(words)[: target - 1].rstrip()
    return text[0].upper() + text[1:] + end


def seed_session(*, questions: int, citizens: int) -> tuple[int, list[int], list[str]]:
    """A live session of `questions` published questions (100-400 characters), a reply or two
    under a third of them, panel answers under a tenth, written through the services as citizens
    would, and 0-12 votes each. The session's id, its questions' ids, the citizens' usernames."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from sessions import services
    from sessions.models import Municipality, Politician, Post, Session, Vote

    rng = random.Random(18)
    user_model = get_user_model()
    # One hash for every account: hashing 300 passwords would take longer than the benchmark.
    password = make_password(PASSWORD)
    people = user_model.objects.bulk_create(
        user_model(
            username=f"rush-citizen-{n:03}",
            first_name=f"Borger {n}",
            last_name=rng.choice(["Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen"]),
            password=password,
        )
        for n in range(max(300, citizens))
    )
    municipality = Municipality.objects.create(name="Rush Kommune", slug="rush")
    panel = [
        Politician.objects.create(
            municipality=municipality,
            name=f"Politiker {n}",
            party=party,
            role=role,
            user=user_model.objects.create(username=f"rush-politician-{n}", password=password),
        )
        for n, (party, role) in enumerate(
            [("Socialdemokratiet", "Borgmester"), ("Venstre", "Byrådsmedlem"), ("SF", "Udvalg")]
        )
    ]
    now = timezone.now()
    session = Session.objects.create(
        municipality=municipality,
        title="Digital spørgetime: budget 2027",
        description="Spørg borgmesteren og udvalgsformændene om næste års budget.",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=3),
    )
    session.politicians.set(panel)
    question_ids: list[int] = []
    votes: list[Vote] = []
    counts: dict[int, int] = {}
    for _ in range(questions):
        question = services.post_question(
            session=session, author=rng.choice(people), body=sentence_text(rng, 100, 400, "?")
        )
        question_ids.append(question.pk)
        if rng.random() < 1 / 3:
            for _ in range(rng.randint(1, 2)):
                services.post_reply(
                    post=question, author=rng.choice(people), body=sentence_text(rng, 40, 300, ".")
                )
        if rng.random() < 1 / 10:
            services.answer_question(
                question=question,
                author=rng.choice(panel).user,
                body=sentence_text(rng, 100, 400, "."),
            )
        voters = rng.sample(people, rng.randint(0, 12))
        votes += [Vote(post=question, user=voter, created_at=now) for voter in voters]
        counts[question.pk] = len(voters)
    # Votes in bulk, the rows and counts services.vote leaves (its 1,200 vote.changed events
    # would add a minute to the set-up and nothing to the page).
    Vote.objects.bulk_create(votes)
    for pk, count in counts.items():
        Post.objects.filter(pk=pk).update(vote_count=count)
    return session.pk, question_ids, [person.username for person in people[:citizens]]


# The workers -------------------------------------------------------------------------------------


class Worker(DaphneServer):
    """One worker of the arrangement, serving WORKER_COMMAND, its log in the bench's folder."""

    def __init__(self, port: int, folder: str, **environment: str) -> None:
        super().__init__(port, **environment)
        self.log_path = Path(folder) / f"worker-{port}.log"

    def command(self, fd: int) -> list[str]:
        return [part.format(python=sys.executable, fd=fd) for part in WORKER_COMMAND]


def restart(workers: list[Worker]) -> None:
    for worker in workers:
        worker.stop()
        worker.start()
    print(f"fresh workers on ports {workers[0].port}-{workers[-1].port}", flush=True)


def consecutive_free_ports(count: int) -> int:
    import socket

    rng = random.Random()
    for _ in range(100):
        first = rng.randint(20000, 60000 - count)
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind((HOST, port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_profile(workers: list[Worker], seconds: int, label: str) -> None:
    """Each worker's CPU % in every second of the next `seconds`; then, while any is busier
    than IDLE_PERCENT, on up to SETTLE_LIMIT seconds, so the next load starts on idle workers
    (and the time that took is a figure too)."""
    pids = [worker.process.pid for worker in workers]
    previous = [cpu_seconds(pid) for pid in pids]
    start = last = time.perf_counter()
    rows: list[list[float]] = [[] for _ in pids]
    second = 0
    while second < seconds or (
        second < SETTLE_LIMIT and any(max(row[-2:]) >= IDLE_PERCENT for row in rows)
    ):
        second += 1
        time.sleep(max(0.0, start + second - time.perf_counter()))
        now = time.perf_counter()
        current = [cpu_seconds(pid) for pid in pids]
        for row, before, after in zip(rows, previous, current, strict=True):
            row.append(100 * (after - before) / (now - last))
        previous, last = current, now
    print(f"idle after {label}: CPU % per second, second 1 to {seconds} after the load stopped")
    for worker, row in zip(workers, rows, strict=True):
        quiet = next(
            (n for n in range(len(row)) if all(value < IDLE_PERCENT for value in row[n:])),
            len(row),
        )
        settled = (
            f"under {IDLE_PERCENT} % from second {quiet + 1}"
            if quiet < len(row)
            else f"still busy after {len(row)} s"
        )
        print(
            f"  worker :{worker.port}  "
            + " ".join(f"{value:3.0f}" for value in row[:seconds])
            + f"  ({settled})",
            flush=True,
        )


def last_error(worker: Worker) -> str:
    """The last exception line in a worker's log, or ""."""
    lines = worker.log_path.read_text(errors="replace").splitlines()
    errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception)", line)]
    return errors[-1] if errors else ""


def health(workers: list[Worker], path: str) -> None:
    """One anonymous page from each worker after a load: does it still serve, and how fast."""
    import requests

    for worker in workers:
        started = time.perf_counter()
        try:
            answer = requests.get(f"{worker.url}{path}", allow_redirects=False, timeout=60)
            outcome = str(answer.status_code)
        except requests.RequestException as error:
            outcome = type(error).__name__
        elapsed = (time.perf_counter() - started) * 1000
        error = last_error(worker) if outcome != "200" else ""
        print(
            f"  worker :{worker.port} then serves the page: {outcome} in {elapsed:.0f} ms"
            + (f"  (its log: {error})" if error else ""),
            flush=True,
        )


# Pages -------------------------------------------------------------------------------------------


def log_in(base_url: str, username: str) -> str:
    """A citizen signed in through the login form, as a browser does: their Cookie header,
    or "failed: <why>"."""
    try:
        return cookie_after_login(base_url, username)
    except Exception as error:
        return f"failed: {error}"


def cookie_after_login(base_url: str, username: str) -> str:
    import requests

    with requests.Session() as browser:
        form = browser.get(f"{base_url}/accounts/login/", timeout=60)
        form.raise_for_status()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        csrftoken = form.cookies.get("csrftoken")
        if not token or not csrftoken:
            raise RuntimeError("the login form came without a CSRF token")
        # Production cookies are Secure, which requests keeps from plain HTTP: sent by hand.
        answer = browser.post(
            f"{base_url}/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            },
            cookies={"csrftoken": csrftoken},
            allow_redirects=False,
            timeout=60,
        )
        session_cookie = answer.cookies.get("sessionid")
        if answer.status_code != 302 or not session_cookie:
            raise RuntimeError(f"logging in {username} gave {answer.status_code}, no session")
        return f"sessionid={session_cookie}; csrftoken={csrftoken}"


def check_page(url: str, question_ids: list[int], cookie: str | None) -> str | None:
    """None when `url` answers 200 with the session page showing every question (and, with a
    cookie, a signed-in header); else what is wrong. Prints what it saw."""
    import requests

    started = time.perf_counter()
    answer = requests.get(
        url, headers={"Cookie": cookie} if cookie else {}, allow_redirects=False, timeout=60
    )
    elapsed = time.perf_counter() - started
    html = answer.text
    shown = sum(f'id="post-{pk}"' in html for pk in question_ids)
    articles = html.count('<article class="question')
    signed_in = 'action="/accounts/logout/"' in html
    print(
        f"  sample {'signed-in' if cookie else 'anonymous'}: {answer.status_code} in "
        f"{elapsed * 1000:.0f} ms, "
        f"{len(answer.content) / 1024:.0f} KB, {shown}/{len(question_ids)} questions, "
        f'{articles} <article class="question", signed in: {"yes" if signed_in else "no"}',
        flush=True,
    )
    if answer.status_code != 200:
        return f"status {answer.status_code}, not 200"
    if shown != len(question_ids):
        return f"{shown} of the {len(question_ids)} questions on the page"
    if bool(cookie) != signed_in:
        return "signed in" if signed_in else "not signed in"
    return None


# One wrk thread per worker port (wrk.lookup, thread.addr), so one histogram covers them all;
# responses outside 2xx counted per thread, summed in done(), printed on one parseable line.
WRK_SCRIPT = """
local ports = {%(ports)s}
local cookies = {%(cookies)s}
local path = "%(path)s"
local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  local port = ports[(started - 1) %% #ports + 1]
  thread.addr = wrk.lookup("127.0.0.1", tostring(port))[1]
  thread:set("offset", started)
  table.insert(threads, thread)
end

function init(args)
  turn = offset
  non2xx = 0
end

function request()
  -- As a browser asks: gzip accepted.
  local headers = {["Accept-Encoding"] = "gzip, deflate, br"}
  if #cookies > 0 then
    turn = turn %% #cookies + 1
    headers["Cookie"] = cookies[turn]
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx = 0
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    "RUSH requests=%%d duration_us=%%d bytes=%%d p50_us=%%d p99_us=%%d max_us=%%d " ..
    "non2xx=%%d connect=%%d read=%%d write=%%d timeout=%%d\\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), latency.max, non2xx, e.connect, e.read, e.write, e.timeout))
end
"""


def wrk_command(
    *,
    folder: str,
    ports: list[int],
    path: str,
    cookies: list[str],
    connections: int,
    seconds: int,
    timeout: int,
) -> list[str]:
    script = Path(folder) / ("wrk-signed-in.lua" if cookies else "wrk-anonymous.lua")
    script.write_text(
        WRK_SCRIPT
        % {
            "ports": ", ".join(str(port) for port in ports),
            "cookies": ", ".join(f'"{cookie}"' for cookie in cookies),
            "path": path,
        }
    )
    return [
        "wrk",
        "--threads",
        str(len(ports)),
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        f"{timeout}s",
        "--latency",
        "--script",
        str(script),
        f"http://{HOST}:{ports[0]}{path}",
    ]


def paced_load(
    *,
    ports: list[int],
    path: str,
    cookies: list[str],
    rate: float,
    seconds: int,
    connections: int,
    timeout: int,
) -> dict[str, int]:
    """Page loads due at `rate` a second for `seconds`, whatever the answers' pace (an open loop,
    as visitors arrive: a slow answer does not hold the next visitor back), sent from at most
    `connections` keep-alive connections (threads), round the ports, the cookies in turn. Each
    load's latency counts from when it was due, so a wait for a free connection is in it. The
    figures as wrk_figures gives them."""
    count = int(rate * seconds)
    begin = time.perf_counter() + 0.2
    due = [begin + n / rate for n in range(count)]
    indexes = iter(range(count))
    lock = threading.Lock()
    latencies: list[float] = []
    figures = dict.fromkeys(("bytes", "non2xx", "connect", "read", "write", "timeout"), 0)
    last_answer = [begin]

    def sender(number: int) -> None:
        port = ports[number % len(ports)]
        connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
        while True:
            with lock:
                index = next(indexes, None)
            if index is None:
                break
            time.sleep(max(0.0, due[index] - time.perf_counter()))
            headers = {"Accept-Encoding": "gzip, deflate, br", "Host": f"{HOST}:{port}"}
            if cookies:
                headers["Cookie"] = cookies[index % len(cookies)]
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            except TimeoutError:
                failure = "timeout"
            except (OSError, http.client.HTTPException):
                failure = "read"
            else:
                failure = None
            answered = time.perf_counter()
            with lock:
                if failure:
                    figures[failure] += 1
                    connection.close()
                    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
                    continue
                latencies.append(answered - due[index])
                figures["bytes"] += len(body)
                figures["non2xx"] += not 200 <= response.status < 300
                last_answer[0] = max(last_answer[0], answered)
        connection.close()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        **figures,
        "requests": len(latencies),
        "duration_us": int((last_answer[0] - begin) * 1e6),
        "p50_us": int(percentile(latencies, 0.50) * 1e6) if latencies else 0,
        "p99_us": int(percentile(latencies, 0.99) * 1e6) if latencies else 0,
        "max_us": int(latencies[-1] * 1e6) if latencies else 0,
    }


@contextmanager
def running(command: list[str]) -> Iterator[subprocess.Popen]:
    """A subprocess that is ended when the block is left, however it is left."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wrk_figures(process: subprocess.Popen, seconds: int) -> dict[str, int] | str:
    """wrk's RUSH line as numbers, or its output when there is none."""
    output, _ = process.communicate(timeout=seconds + 60)
    line = next((line for line in output.splitlines() if line.startswith("RUSH ")), None)
    if line is None:
        return output.strip() or f"wrk ended with {process.returncode} and said nothing"
    return {key: int(value) for key, value in (item.split("=") for item in line.split()[1:])}


def print_pages(
    kind: str, figures: dict[str, int] | str, args: argparse.Namespace, cpu: float | None = None
) -> None:
    """wrk's figures, and with `cpu` (the workers' CPU seconds during the load) the CPU each
    page cost: a figure that a busy machine changes less than the loads per second."""
    if isinstance(figures, str):
        print(f"pages {kind}: wrk failed:\n{figures}", flush=True)
        return
    seconds = figures["duration_us"] / 1e6
    loads = figures["requests"] - figures["non2xx"]
    sockets = figures["connect"] + figures["read"] + figures["write"]
    # wrk's histogram holds only the answers that came within the run and within --timeout.
    latency = (
        f"p50 {figures['p50_us'] / 1000:7.0f} ms  p99 {figures['p99_us'] / 1000:7.0f} ms  "
        f"max {figures['max_us'] / 1000:7.0f} ms"
        if figures["requests"]
        else "no page answered within the run"
    )
    print(
        f"pages {kind:9} {loads / seconds:7.1f} loads/s  {latency}  "
        f"errors: non-2xx {figures['non2xx']}, socket {sockets} (connect {figures['connect']}, "
        f"read {figures['read']}, write {figures['write']}), timeouts (over {args.timeout} s) "
        f"{figures['timeout']}  ({figures['requests']} answers in {seconds:.1f} s, "
        f"{args.connections} connections, "
        f"{figures['bytes'] / max(1, figures['requests']) / 1024:.0f} KB each"
        + (f", workers' CPU {cpu * 1000 / max(1, loads):.1f} ms per page)" if cpu else ")"),
        flush=True,
    )


# Sockets -----------------------------------------------------------------------------------------


async def socket_burst(ports: list[int], path: str, count: int, seconds: float) -> dict:
    """`count` sockets opening evenly over `seconds`, round the ports; when each opened and got
    its first frame. The sockets stay open until `close()` is called on the result's viewers."""
    loop = asyncio.get_running_loop()
    begin = time.perf_counter()
    late: list[float] = []
    viewers: list[tuple[float, Viewer]] = []
    failures: dict[str, int] = {"connect": 0}

    async def one(n: int) -> None:
        port = ports[n % len(ports)]
        started = time.perf_counter()
        late.append(started - (begin + n * seconds / count))
        try:
            _, viewer = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Viewer(f"{HOST}:{port}", path, f"http://{HOST}:{port}"), HOST, port
                ),
                FIRST_FRAME_TIMEOUT,
            )
        except (OSError, TimeoutError):
            failures["connect"] += 1
            return
        viewers.append((started, viewer))
        try:
            await asyncio.wait_for(asyncio.shield(viewer.opened), FIRST_FRAME_TIMEOUT)
        except ConnectionError as error:
            reason = str(error).split("\\r\\n")[0].removeprefix("b'")
            failures[f"handshake ({reason})"] = failures.get(f"handshake ({reason})", 0) + 1
        except TimeoutError:
            failures["handshake (no answer in 15 s)"] = (
                failures.get("handshake (no answer in 15 s)", 0) + 1
            )

    tasks = []
    for n in range(count):
        await asyncio.sleep(max(0.0, begin + n * seconds / count - time.perf_counter()))
        tasks.append(asyncio.ensure_future(one(n)))
    await asyncio.gather(*tasks)
    deadline = time.perf_counter() + FIRST_FRAME_TIMEOUT
    while time.perf_counter() < deadline and any(
        v.upgraded and v.first_frame_at is None and not v.closed.done() for _, v in viewers
    ):
        await asyncio.sleep(0.1)
    first = sorted(v.first_frame_at - at for at, v in viewers if v.first_frame_at is not None)
    opened = sorted(v.opened_at - at for at, v in viewers if v.opened_at is not None)
    failures["no first frame"] = sum(
        1 for _, v in viewers if v.upgraded and v.first_frame_at is None
    )
    return {
        "first": first,
        "opened": opened,
        "failures": failures,
        "late": max(late, default=0.0),
        "viewers": [viewer for _, viewer in viewers],
    }


def print_sockets(result: dict, count: int, seconds: float, with_load: str | None) -> None:
    first, opened, failures = result["first"], result["opened"], result["failures"]

    def spread(values: list[float]) -> str:
        if not values:
            return "none"
        return (
            f"p50 {statistics.median(values) * 1000:6.0f} ms  "
            f"p99 {percentile(values, 0.99) * 1000:6.0f} ms  max {values[-1] * 1000:6.0f} ms"
        )

    alongside = f" with the {with_load} page load" if with_load else ""
    print(
        f"sockets {count} in {seconds:.0f} s{alongside}"
        f": first frame {spread(first)}  ({len(first)}/{count} got one)",
        flush=True,
    )
    print(
        f"  opened (101) {spread(opened)}  failures: "
        + ", ".join(f"{kind} {number}" for kind, number in failures.items())
        + f"  (pacing: the latest socket started {result['late'] * 1000:.0f} ms behind schedule)",
        flush=True,
    )


async def rush(
    args: argparse.Namespace,
    workers: list[Worker],
    path: str,
    *,
    wrk_load: tuple[list[str], int] | None,
    paced: Callable[[], dict[str, int]] | None = None,
) -> bool:
    """The socket burst (with wrk's anonymous load, or `paced`, the paced signed-in load,
    alongside when given), then the workers' CPU while the sockets stay open, as viewers
    watching do. Whether any socket got its first frame."""
    ports = [worker.port for worker in workers]
    with running(wrk_load[0]) if wrk_load else nullcontext() as process:
        paced_figures = asyncio.create_task(asyncio.to_thread(paced)) if paced else None
        burst = await socket_burst(ports, path, args.sockets, args.burst)
        kind = "anonymous" if wrk_load else f"signed-in, {args.paced_rate:g} due a second"
        print_sockets(burst, args.sockets, args.burst, kind if wrk_load or paced else None)
        if wrk_load:
            figures = await asyncio.to_thread(wrk_figures, process, wrk_load[1])
            print_pages(kind, figures, args)
        if paced_figures:
            print_pages(kind, await paced_figures, args)
    await asyncio.to_thread(
        idle_profile, workers, args.idle, f"the burst ({len(burst['viewers'])} sockets open)"
    )
    await asyncio.to_thread(health, workers, path.replace("/ws", "", 1))
    for viewer in burst["viewers"]:
        viewer.close()
    await asyncio.sleep(0.5)
    return bool(burst["first"])


# The run -----------------------------------------------------------------------------------------


# Full run and --quick, where the option is not given.
SIZES = {
    "connections": (100, 20),
    "duration": (20, 5),
    "citizens": (50, 10),
    "sockets": (2000, 200),
    "burst": (30.0, 5.0),
    "idle": (10, 3),
}


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Daphne processes (serve-prod)")
    parser.add_argument("--port", type=int, help="the first worker's port (default: any free)")
    parser.add_argument("--connections", type=int, help="wrk's, over all workers (100)")
    parser.add_argument("--duration", type=int, help="seconds per page load (20)")
    parser.add_argument(
        "--timeout", type=int, default=10, help="seconds after which wrk counts a page as lost"
    )
    parser.add_argument("--citizens", type=int, help="signed in, cookies rotated (50)")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--sockets", type=int, help="opening in the burst (2,000)")
    parser.add_argument("--burst", type=float, help="seconds the sockets open over (30)")
    parser.add_argument(
        "--with-page-load", action="store_true", help="the anonymous wrk load during the burst"
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=150,
        help="signed-in loads due a second in the paced load after wrk's (150; 0: none)",
    )
    parser.add_argument("--idle", type=int, help="seconds of CPU after each load (10)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 5 s loads, 200 sockets in 5 s"
    )
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--keep-database", action="store_true", help=f"leave {BENCH_DATABASE} after the run"
    )
    args = parser.parse_args()
    for name, (full, quick) in SIZES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    # wrk gives each thread (one per worker) the same number of connections.
    args.connections = max(args.workers, args.connections - args.connections % args.workers)
    for url in (args.postgres, args.redis_url):
        if not re.match(r"^[a-z]+://([^@/]*@)?(127\.0\.0\.1|localhost)[:/]", url):
            parser.error(f"{url}: this benchmark only runs against 127.0.0.1")
    return args


def stop_on_signals(budget: float) -> None:
    """SIGTERM ends the run as Ctrl-C does; SIGALRM after `budget` seconds, whatever hangs."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(budget))


def main() -> int:
    args = options()
    loads = 2 + (1 if args.with_page_load else 0)
    stop_on_signals(600 + loads * (args.duration + SETTLE_LIMIT) + args.burst + SETTLE_LIMIT)
    # Room for the sockets and the workers' ends of them (the workers inherit the limit).
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    import requests

    folder = tempfile.mkdtemp(prefix="townhall-rush-")
    workers: list[Worker] = []
    failed = False
    try:
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(
            f"# rush {started} workers={args.workers} connections={args.connections} "
            f"duration={args.duration}s citizens={args.citizens} sockets={args.sockets} "
            f"burst={args.burst:.0f}s cores={os.cpu_count()} load={os.getloadavg()[0]:.1f}",
            flush=True,
        )
        phases = [time.perf_counter()]
        fresh_database(args.postgres)
        forget_redis_keys(args.redis_url)
        environment = production_environment(args, f"{folder}/static")
        setup_django(environment)
        phases.append(time.perf_counter())
        session_id, question_ids, usernames = seed_session(
            questions=args.questions, citizens=args.citizens
        )
        analyze_database()
        phases.append(time.perf_counter())
        first_port = args.port or consecutive_free_ports(args.workers)
        for port in range(first_port, first_port + args.workers):
            workers.append(Worker(port, folder, **environment).start())
        phases.append(time.perf_counter())
        ports = [worker.port for worker in workers]
        path = f"/sessions/{session_id}/"
        command = " ".join(workers[0].command(workers[0].listener.fileno()))
        print(
            f"set-up: database, migrations and static files {phases[1] - phases[0]:.0f} s, "
            f"session {session_id} with {len(question_ids)} questions "
            f"{phases[2] - phases[1]:.0f} s, workers {phases[3] - phases[2]:.0f} s: "
            f"{command} on ports {ports[0]}-{ports[-1]}",
            flush=True,
        )
        for port in ports:
            # First requests: imports, templates, the connection pool. Then the page checked.
            for _ in range(3):
                requests.get(f"http://{HOST}:{port}{path}", timeout=60)
            check = check_page(f"http://{HOST}:{port}{path}", question_ids, None)
            if check:
                print(f"FAILED: the anonymous page is not the session page ({check}): not measured")
                return 1

        def page_load(cookies: list[str], kind: str, seconds: int) -> None:
            command = wrk_command(
                folder=folder,
                ports=ports,
                path=path,
                cookies=cookies,
                connections=args.connections,
                seconds=seconds,
                timeout=args.timeout,
            )
            pids = [worker.process.pid for worker in workers]
            cpu_before = sum(cpu_seconds(pid) for pid in pids)
            with running(command) as process:
                figures = wrk_figures(process, seconds)
            cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
            print_pages(kind, figures, args, cpu)

        page_load([], "anonymous", args.duration)
        idle_profile(workers, args.idle, "the anonymous page load")
        health(workers, path)

        # Each load on fresh workers, so what one load leaves behind (see `health`) does not
        # decide the next one's figures.
        restart(workers)
        login_started = time.perf_counter()
        cookies = [log_in(f"http://{HOST}:{ports[0]}", usernames[0])]
        if not cookies[0].startswith("failed: "):  # else no point in 49 more waits
            pool = ThreadPoolExecutor(max_workers=2 * len(ports))
            try:
                cookies += pool.map(
                    lambda n: log_in(f"http://{HOST}:{ports[n % len(ports)]}", usernames[n]),
                    range(1, len(usernames)),
                )
            finally:
                pool.shutdown(wait=False, cancel_futures=True)
        refused = [cookie for cookie in cookies if cookie.startswith("failed: ")]
        cookies = [cookie for cookie in cookies if not cookie.startswith("failed: ")]
        print(
            f"signed in {len(cookies)}/{len(usernames)} citizens through the login form in "
            f"{time.perf_counter() - login_started:.1f} s"
            + (f"; {len(refused)} failed, e.g. {refused[0][8:]}" if refused else ""),
            flush=True,
        )
        check = (
            check_page(f"http://{HOST}:{ports[-1]}{path}", question_ids, cookies[0])
            if cookies
            else "nobody could sign in"
        )
        if check:
            print(f"FAILED: the signed-in page is not the session page ({check}): not measured")
            for worker in workers:
                if last_error(worker):
                    print(f"  worker :{worker.port}'s last error: {last_error(worker)}")
            failed = True
        else:
            page_load(cookies, "signed-in", args.duration)
            idle_profile(workers, args.idle, "the signed-in page load")
            health(workers, path)
            if args.paced_rate:
                # On the same workers, warm and idle again (see `health`), as a town hall's
                # are when its session opens.
                pids = [worker.process.pid for worker in workers]
                cpu_before = sum(cpu_seconds(pid) for pid in pids)
                figures = paced_load(
                    ports=ports,
                    path=path,
                    cookies=cookies,
                    rate=args.paced_rate,
                    seconds=args.duration,
                    connections=args.connections,
                    timeout=args.timeout,
                )
                cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
                print_pages(f"signed-in, {args.paced_rate:g} due a second", figures, args, cpu)

        restart(workers)
        wrk_load = None
        if args.with_page_load:
            seconds = int(args.burst + 0.999)
            wrk_load = (
                wrk_command(
                    folder=folder,
                    ports=ports,
                    path=path,
                    cookies=[],
                    connections=args.connections,
                    seconds=seconds,
                    timeout=args.timeout,
                ),
                seconds,
            )
        got_frames = asyncio.run(
            rush(args, workers, f"/ws/sessions/{session_id}/", wrk_load=wrk_load)
        )
        failed = failed or not got_frames
        if args.with_page_load and args.paced_rate and cookies:
            # The burst again, with the paced signed-in load alongside instead of wrk's, on
            # fresh workers that have served a few signed-in pages first (imports, templates,
            # the connection pools), as a town hall's have before its session opens.
            restart(workers)
            for n in range(4 * len(ports)):
                requests.get(
                    f"http://{HOST}:{ports[n % len(ports)]}{path}",
                    headers={"Cookie": cookies[n % len(cookies)]},
                    timeout=60,
                )
            got_frames = asyncio.run(
                rush(
                    args,
                    workers,
                    f"/ws/sessions/{session_id}/",
                    wrk_load=None,
                    paced=lambda: paced_load(
                        ports=ports,
                        path=path,
                        cookies=cookies,
                        rate=args.paced_rate,
                        seconds=int(args.burst + 0.999),
                        connections=args.connections,
                        timeout=args.timeout,
                    ),
                )
            )
            failed = failed or not got_frames
    except KeyboardInterrupt as reason:
        print(f"\nstopped ({reason or 'Ctrl-C'}): cleaning up", file=sys.stderr, flush=True)
        failed = True
    except Exception:
        for worker in workers:
            lines = worker.log_path.read_text(errors="replace").splitlines()
            print(f"--- the end of worker :{worker.port}'s log", file=sys.stderr)
            print("\n".join(lines[-40:]), file=sys.stderr, flush=True)
        raise
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop the clean-up
        for worker in workers:
            worker.stop()
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        if not args.keep_database:
            drop_database(args.postgres)
        forget_redis_keys(args.redis_url)
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
