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
    all_asked = threading.Event()
    asked: list[str] = []
    made: list[str] = []
    got: list[str] = []

    def ask() -> None:
        asked.append("key")
        if len(asked) >= askers:
            all_asked.set()
        got.append(cache.get_or_make("key", make))

    def make() -> str:
        made.append("page")
        making.set()
        # Held until every asker has asked: they all wait for this one making.
        assert all_asked.wait(timeout=WAIT_SECONDS)
        return "page"

    threads = [threading.Thread(target=ask) for _ in range(askers)]
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


def test_while_an_expired_entry_is_made_again_the_others_get_the_old_one():
    cache: LocalCache[str] = LocalCache(8, 0)  # every entry expires at once
    cache.put("key", "old")
    making = threading.Event()
    done = threading.Event()
    got: list[str] = []

    def make() -> str:
        making.set()
        assert done.wait(timeout=WAIT_SECONDS)
        return "new"

    maker = threading.Thread(target=lambda: got.append(cache.get_or_make("key", make)))
    maker.start()
    assert making.wait(timeout=WAIT_SECONDS)
    # The old entry, at once, while the maker is still at work.
    assert cache.get_or_make("key", make) == "old"
    done.set()
    maker.join(timeout=WAIT_SECONDS)
    assert got == ["new"]
    assert cache.making == {}
