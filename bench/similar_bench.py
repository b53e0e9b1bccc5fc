"""How well and how fast are similar questions found, on the database it runs on? Precision and
recall on the labelled Danish pairs (tests/similarity_pairs.py), the threshold the pairs would
choose, and the time of GET /api/sessions/{id}/similar/'s work and of the moderators' suggested
pairs at 1,000 questions. Figures only: nothing here passes or fails.

    .venv/bin/python bench/similar_bench.py [--questions 1000] [--repeat 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/townhall .venv/bin/python bench/similar_bench.py

Without DATABASE_URL it measures the SQLite fallback (Snowball stems) in a temporary file; with a
PostgreSQL DATABASE_URL, the `danish` configuration and pg_trgm, in a throwaway test database
(test_<name>, created with the migrations and dropped at the end; the named one is not touched).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

FOLDS = 5


def quality(session, author) -> None:
    from django.db import connection

    from sessions import selectors
    from tests.similarity_pairs import (
        PAIRS,
        best_thresholds,
        f1,
        labelled_scores,
        precision_recall,
    )

    scores = labelled_scores(session, author)
    threshold = selectors.similar_threshold()
    duplicates = sum(1 for _a, _b, same in PAIRS if same)
    print(f"database: {connection.vendor}")
    print(f"pairs: {len(PAIRS)} ({duplicates} duplicates, {len(PAIRS) - duplicates} near-misses)")
    precision, recall = precision_recall(scores, threshold)
    print(
        f"threshold in use {threshold}: precision {precision:.2f}, recall {recall:.2f}, "
        f"F1 {f1(precision, recall):.2f}"
    )
    best, lowest, highest = best_thresholds(scores)
    print(f"best F1 on the set: {best:.2f}, with a threshold from {lowest:.2f} to {highest:.2f}")
    # The best threshold chosen on four fifths of the pairs, measured on the fifth left out: what
    # choosing it from the data is worth on pairs it has not seen.
    taken = found = 0
    for fold in range(FOLDS):
        kept = [n for n in range(len(PAIRS)) if n % FOLDS != fold]
        chosen = best_thresholds([scores[n] for n in kept], [PAIRS[n] for n in kept])[1]
        for n in range(fold, len(PAIRS), FOLDS):
            if scores[n] >= chosen:
                taken += 1
                found += PAIRS[n][2]
    print(
        f"{FOLDS}-fold (threshold chosen on the other folds): precision "
        f"{found / max(1, taken):.2f}, recall {found / duplicates:.2f}"
    )
    print("missed duplicates:")
    for (a, b, same), score in zip(PAIRS, scores, strict=True):
        if same and score < threshold:
            print(f"  {score:.2f}  {a} | {b}")
    print("near-misses taken for duplicates:")
    for (a, b, same), score in zip(PAIRS, scores, strict=True):
        if not same and score >= threshold:
            print(f"  {score:.2f}  {a} | {b}")


def speed(session, author, questions: int, repeat: int) -> None:
    from datetime import timedelta

    from sessions import selectors
    from sessions.models import Post
    from tests.similarity_pairs import PAIRS

    # Each labelled question many times over, numbered: every typed text finds a dozen or more,
    # and the suggested pairs are far more than a real session's (a worst case for them).
    bodies = [asked for _typed, asked, _same in PAIRS]
    Post.objects.bulk_create(
        Post(
            session=session,
            author=author,
            body=f"{bodies[n % len(bodies)]} ({n})",
            created_at=session.starts_at + timedelta(seconds=n),
        )
        for n in range(questions)
    )
    typed = [typed for typed, _asked, _same in PAIRS]
    selectors.question_terms_cache.clear()
    selectors.post_terms_cache.clear()
    started = time.perf_counter()
    selectors.similar_questions(session, typed[0])
    first = time.perf_counter() - started
    times = []
    for n in range(repeat):
        started = time.perf_counter()
        selectors.similar_questions(session, typed[n % len(typed)])
        times.append(time.perf_counter() - started)
    # After an event (a new seq): SQLite reads the questions again, their stems kept by id;
    # PostgreSQL keeps nothing in the process, so it is any other request.
    after_event = []
    for n in range(20):
        session.last_seq += 1
        started = time.perf_counter()
        selectors.similar_questions(session, typed[n % len(typed)])
        after_event.append(time.perf_counter() - started)
    times.sort()
    print(
        f"similar, {questions} questions: first call {first * 1000:.1f} ms; "
        f"then median {statistics.median(times) * 1000:.2f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.2f} ms over {repeat} calls; "
        f"after an event median {statistics.median(after_event) * 1000:.1f} ms"
    )
    pairs_times = []
    for _ in range(5):
        started = time.perf_counter()
        pairs = selectors.suggested_duplicates(selectors.mergeable_questions(session))
        pairs_times.append(time.perf_counter() - started)
    print(
        f"suggested pairs, {questions} questions (the moderation page's list, "
        f"{len(pairs)} shown): median {statistics.median(pairs_times) * 1000:.0f} ms over 5"
    )


def run(questions: int, repeat: int) -> None:
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth import get_user_model

    from sessions.models import Municipality, Session

    author = get_user_model().objects.create(username="bench")
    municipality = Municipality.objects.create(name="Bench", slug="bench")
    starts = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)

    def new_session(title: str) -> Session:
        return Session.objects.create(
            municipality=municipality,
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )

    quality(new_session("Labelled pairs"), author)
    speed(new_session("Speed"), author, questions, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if not on_postgres:
        folder = tempfile.mkdtemp(prefix="townhall-similar-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not on_postgres:
        call_command("migrate", verbosity=0)
        run(args.questions, args.repeat)
        return
    # A database of its own next to the named one, as the tests make theirs.
    named = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.questions, args.repeat)
    finally:
        connection.creation.destroy_test_db(named, verbosity=0)


if __name__ == "__main__":
    main()
