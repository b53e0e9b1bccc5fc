"""How well and how fast are similar questions found? Precision and recall on the labelled
Danish pairs (tests/similarity_pairs.py), and the time of GET /api/sessions/{id}/similar/'s work
at 1,000 questions. Figures only: nothing here passes or fails.

    .venv/bin/python bench/similar_bench.py [--questions 1000] [--repeat 200]
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


def quality() -> None:
    from sessions import selectors, similarity
    from tests.similarity_pairs import PAIRS

    threshold = selectors.SIMILAR_THRESHOLD
    found = {
        (typed, asked): similarity.score(similarity.terms(typed), similarity.terms(asked))
        for typed, asked, _same in PAIRS
    }
    true_pos = sum(1 for a, b, same in PAIRS if same and found[a, b] >= threshold)
    false_pos = sum(1 for a, b, same in PAIRS if not same and found[a, b] >= threshold)
    duplicates = sum(1 for _a, _b, same in PAIRS if same)
    print(f"pairs: {len(PAIRS)} ({duplicates} duplicates, {len(PAIRS) - duplicates} near-misses)")
    print(
        f"threshold {threshold}: precision {true_pos / max(1, true_pos + false_pos):.2f}, "
        f"recall {true_pos / duplicates:.2f}"
    )
    print("missed duplicates:")
    for a, b, same in PAIRS:
        if same and found[a, b] < threshold:
            print(f"  {found[a, b]:.2f}  {a} | {b}")
    print("near-misses taken for duplicates:")
    for a, b, same in PAIRS:
        if not same and found[a, b] >= threshold:
            print(f"  {found[a, b]:.2f}  {a} | {b}")


def speed(questions: int, repeat: int) -> None:
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from sessions import selectors
    from sessions.models import Municipality, Post, Session
    from tests.similarity_pairs import PAIRS

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create(username="bench")
    starts = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    session = Session.objects.create(
        municipality=Municipality.objects.create(name="Bench", slug="bench"),
        title="Bench",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    bodies = [asked for _typed, asked, _same in PAIRS]
    Post.objects.bulk_create(
        Post(
            session=session, author=user, body=f"{bodies[n % len(bodies)]} ({n})", created_at=starts
        )
        for n in range(questions)
    )
    typed = [typed for typed, _asked, _same in PAIRS]
    selectors.question_terms_cache.clear()
    started = time.perf_counter()
    selectors.similar_questions(session, typed[0])
    first = time.perf_counter() - started
    times = []
    for n in range(repeat):
        started = time.perf_counter()
        selectors.similar_questions(session, typed[n % len(typed)])
        times.append(time.perf_counter() - started)
    # After an event (a new seq): the questions are read again, their stems kept by id.
    after_event = []
    for n in range(20):
        session.last_seq += 1
        started = time.perf_counter()
        selectors.similar_questions(session, typed[n % len(typed)])
        after_event.append(time.perf_counter() - started)
    times.sort()
    print(
        f"after an event (one query, stems kept): median "
        f"{statistics.median(after_event) * 1000:.1f} ms"
    )
    print(
        f"{questions} questions: first call (reads and stems them) {first * 1000:.1f} ms; "
        f"then median {statistics.median(times) * 1000:.2f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.2f} ms over {repeat} calls"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="townhall-similar-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    quality()
    speed(args.questions, args.repeat)


if __name__ == "__main__":
    main()
