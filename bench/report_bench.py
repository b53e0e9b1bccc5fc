"""How long does a big session's report take? 100,000 posts from 5,000 citizens and 31 politicians.

Migrates a fresh SQLite database in a temporary folder (embedded mode), fills one 3-hour session
(a question from every citizen, the rest replies; 2% of posts hidden, 10,000 votes) and ten
earlier sessions of 1,000 posts (so that returning citizens have a history), then times
the JSON report (the API's work: reports.session_report and the JSON text), the CSV and the XLSX
export, and counts the queries. Prints wall-clock and CPU time. Figures only: nothing here passes
or fails.

    .venv/bin/python bench/report_bench.py [--posts 100000] [--citizens 5000] [--politicians 31]
        [--repeat 3] [--database-url postgres://...]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(posts: int, citizens: int, politicians: int, earlier: int) -> int:
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from sessions.models import Municipality, Politician, Post, Session, Vote

    rng = random.Random(4)
    User = get_user_model()
    starts_at = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    seconds = 3 * 60 * 60
    with transaction.atomic():
        municipality = Municipality.objects.create(name="Bench Kommune", slug="bench")
        session = Session.objects.create(
            municipality=municipality,
            title="Benchmark",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(seconds=seconds),
        )
        people = User.objects.bulk_create(
            User(username=f"citizen{i}", first_name=f"Citizen {i}") for i in range(citizens)
        )
        panel_users = User.objects.bulk_create(
            User(username=f"politician{i}", first_name=f"Politician {i}")
            for i in range(politicians)
        )
        panel = Politician.objects.bulk_create(
            Politician(municipality=municipality, name=f"Politician {i}", user=user)
            for i, user in enumerate(panel_users)
        )
        session.politicians.set(panel)
        # Every citizen asks once in the first hour; the rest are replies, a fifth by politicians.
        questions = Post.objects.bulk_create(
            (
                Post(
                    session=session,
                    author=citizen,
                    body="Question?",
                    created_at=starts_at + timedelta(seconds=rng.randrange(3600)),
                    is_answered=rng.random() < 0.5,
                )
                for citizen in people
            ),
            batch_size=2000,
        )
        replies = []
        for _ in range(posts - len(questions)):
            question = rng.choice(questions)
            at = question.created_at + timedelta(seconds=rng.randrange(1, 7200))
            by_politician = rng.random() < 0.2
            politician = rng.choice(panel) if by_politician else None
            replies.append(
                Post(
                    session=session,
                    parent=question,
                    author=politician.user if politician else rng.choice(people),
                    politician=politician,
                    body="Reply.",
                    created_at=at,
                    status=Post.Status.HIDDEN if rng.random() < 0.02 else Post.Status.PUBLISHED,
                )
            )
        Post.objects.bulk_create(replies, batch_size=2000)
        # Earlier sessions of the municipality, so that "returning citizens" has a history.
        for week in range(1, earlier + 1):
            before = Session.objects.create(
                municipality=municipality,
                title=f"Earlier {week}",
                starts_at=starts_at - timedelta(weeks=week),
                ends_at=starts_at - timedelta(weeks=week) + timedelta(hours=1),
            )
            Post.objects.bulk_create(
                (
                    Post(
                        session=before, author=citizen, body="Earlier?", created_at=before.starts_at
                    )
                    for citizen in rng.sample(people, min(len(people), 1000))
                ),
                batch_size=2000,
            )
        voters = rng.sample(people, min(len(people), 2000))
        Vote.objects.bulk_create(
            (
                Vote(post=question, user=voter, created_at=starts_at)
                for question in rng.sample(questions, min(len(questions), 5))
                for voter in voters
            ),
            batch_size=2000,
        )
    return session.pk


def timed(label: str, repeat: int, work: Callable[[], object]) -> object:
    """Wall-clock and CPU time (this process, SQLite included) over REPEAT runs after a warm-up.
    On a shared machine the CPU time is the steadier figure."""
    result = work()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"{label:<26} wall median {statistics.median(walls) * 1000:6.0f} ms, "
        f"best {min(walls) * 1000:6.0f} ms; CPU median {statistics.median(cpus) * 1000:6.0f} ms"
        f"   ({repeat} runs)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--citizens", type=int, default=5_000)
    parser.add_argument("--politicians", type=int, default=31)
    parser.add_argument("--earlier-sessions", type=int, default=10, help="1,000 posts each")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        setup_django(args.database_url or f"sqlite:///{folder}/bench.sqlite3")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from sessions import exports, reports

        started = time.perf_counter()
        session_id = fill(args.posts, args.citizens, args.politicians, args.earlier_sessions)
        print(
            f"filled {args.posts:,} posts from {args.citizens:,} citizens and "
            f"{args.politicians} politicians (and {args.earlier_sessions} earlier sessions) in "
            f"{time.perf_counter() - started:.1f} s "
            f"({connection.vendor})"
        )

        def json_report() -> str:
            report = reports.session_report(reports.load_session(session_id))
            return exports.to_json(report)

        def file_export(fmt: str) -> Callable[[], bytes]:
            def work() -> bytes:
                report = reports.session_report(reports.load_session(session_id))
                return exports.render(report, fmt, exports.report_tables(report))

            return work

        with CaptureQueriesContext(connection) as queries:
            report = reports.session_report(reports.load_session(session_id))
        totals = report["totals"]
        print(
            f"report: {totals['citizen_comments']:,} citizen comments from "
            f"{totals['citizens']:,} citizens, {totals['politician_comments']:,} from "
            f"{totals['politicians']} politicians, {totals['removed_comments']:,} removed, "
            f"{totals['returning_citizens']:,} returning citizens, "
            f"{len(report['timeline'])} minutes; {len(queries.captured_queries)} queries"
        )
        timed(
            "report (queries + Python)",
            args.repeat,
            lambda: reports.session_report(reports.load_session(session_id)),
        )
        text = timed("JSON report", args.repeat, json_report)
        csv_bytes = timed("CSV export", args.repeat, file_export("csv"))
        xlsx_bytes = timed("XLSX export", args.repeat, file_export("xlsx"))
        tables = exports.report_tables(report)
        timed("XLSX writing alone", args.repeat, lambda: exports.to_xlsx(tables))
        print(
            f"sizes: JSON {len(text) / 1024:.0f} KiB, CSV {len(csv_bytes) / 1024:.0f} KiB, "
            f"XLSX {len(xlsx_bytes) / 1024:.0f} KiB"
        )
        connection.close()


if __name__ == "__main__":
    main()
