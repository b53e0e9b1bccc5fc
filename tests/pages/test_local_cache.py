"""pages/page_cache.LocalCache: what a process keeps for a few seconds, made once when many
threads miss it together (a rush)."""

from __future__ import annotations

import threading

import pytest

from sessions.pages.page_cache import LocalCache
from tests.waiting import WAIT_SECONDS


def test_threads_missing_the_same_key_together_make_it_once():
    cache: LocalCache[str] = LocalCache(8, 60)
    askers = 8
    making = threading.Event()
    all_missed = threading.Event()
    misses: list[str] = []
    made: list[str] = []
    got: list[str] = []
    get = cache.get

    def counting_get(key):
        found = get(key)
        if found is None and key == "key":
            misses.append(key)
            if len(misses) >= askers:
                all_missed.set()
        return found

    cache.get = counting_get

    def make() -> str:
        made.append("page")
        making.set()
        # Held until every asker has missed: they all wait for this one making.
        assert all_missed.wait(timeout=WAIT_SECONDS)
        return "page"

    threads = [
        threading.Thread(target=lambda: got.append(cache.get_or_make("key", make)))
        for _ in range(askers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)

    assert making.is_set()
    assert made == ["page"]
    assert got == ["page"] * askers
    assert cache.making == {}


def test_a_failed_making_leaves_the_key_to_the_next_asker():
    cache: LocalCache[str] = LocalCache(8, 60)

    def fail() -> str:
        raise RuntimeError("the database is away")

    with pytest.raises(RuntimeError):
        cache.get_or_make("key", fail)
    assert cache.get_or_make("key", lambda: "page") == "page"
    assert cache.making == {}
