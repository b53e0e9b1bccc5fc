"""How well similar questions are found, on the database the tests run on: the Snowball stems on
SQLite, the `danish` configuration and pg_trgm on PostgreSQL (make test's second pass; what only
PostgreSQL does is in integration/test_similarity_postgres.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from sessions import selectors

from .factories import SessionFactory, UserFactory
from .similarity_pairs import PAIRS, best_thresholds, labelled_scores, precision_recall

pytestmark = pytest.mark.django_db

# Floors under the figures bench/similar_bench.py prints (README): a change that loses more than
# a few pairs fails here.
PRECISION_FLOOR = 0.8
RECALL_FLOOR = 0.85


def test_the_labelled_pairs_are_told_apart_on_this_database():
    scores = labelled_scores(SessionFactory(), UserFactory())

    precision, recall = precision_recall(scores, selectors.similar_threshold())

    assert len(scores) == len(PAIRS)
    assert precision >= PRECISION_FLOOR, f"precision {precision:.2f} on {connection.vendor}"
    assert recall >= RECALL_FLOOR, f"recall {recall:.2f} on {connection.vendor}"


def test_the_threshold_in_use_is_one_the_labelled_pairs_choose():
    scores = labelled_scores(SessionFactory(), UserFactory())

    _best, lowest, highest = best_thresholds(scores)

    # The pairs changed, or the scoring did: choose the threshold again (sessions/similarity.py).
    assert lowest <= selectors.similar_threshold() <= highest, (lowest, highest)
