"""The session page for visitors who are not signed in, rendered once per session state.

Every anonymous visitor of a session sees the same page until the session's next event, so the
page is rendered once per state: the key holds the session's `seq` (every change a viewer can
see is an event, and every event raises `seq`), its phase on the clock (which changes without an
event), the language and the ordering. The rendered page is kept in Django's cache (Redis in
production, so the workers share one rendering) with a small in-process copy in front of it.

Two things differ from one visitor to the next, and the templates keep both after the page's
`<!--tail-->` marker: the CSRF token of the language switcher and the server's clock. So the
part before the marker (nearly all of the page) is gzipped once, and each response appends its
own tail to that deflate stream as a stored block: a valid gzip body for every visitor, for the
price of a CRC over a few hundred bytes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import struct
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from ..services.ratelimits import SHARED_CACHE_ERRORS

logger = logging.getLogger(__name__)

KEY_PREFIX = "session-page"
TAIL_MARKER = "<!--tail-->"
# Placeholders rendered into the tail instead of the first visitor's values: plain letters, so
# HTML and JSON escaping leave them as they are.
TOKEN_SLOT = "townhall-slot-csrf-token"
CLOCK_SLOT = "townhall-slot-server-now"
# Where the questions' markup and their payloads' JSON, joined outside the template (they are
# most of the page's bytes), go into the page.
QUESTIONS_SLOT = "townhall-slot-questions"
PAYLOADS_SLOT = "townhall-slot-payloads"

# A new event gives a new key at once. These bound how long a change made without an event
# (retention's pseudonyms, a politician renamed in the admin) takes to show, and the memory
# that old states hold.
SHARED_TIMEOUT_SECONDS = 60
LOCAL_TIMEOUT_SECONDS = 10
LOCAL_ENTRIES = 16

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime, OS unknown
STORED_BLOCK_MAX = 0xFFFF

T = TypeVar("T")


@dataclass(frozen=True)
class SharedPage:
    """One rendering of a page, up to its tail, plain and gzipped."""

    head: bytes
    head_gzip: bytes  # gzip header + a deflate stream ending byte-aligned and not final
    head_crc: int
    tail: str  # with TOKEN_SLOT and CLOCK_SLOT where each visitor's values go

    @classmethod
    def from_html(cls, html: str) -> SharedPage:
        head, marker, tail = html.partition(TAIL_MARKER)
        if not marker:
            raise ValueError(f"the page has no {TAIL_MARKER} marker")
        if TOKEN_SLOT in head or CLOCK_SLOT in head:
            # A form above the tail would carry the first visitor's token to everyone.
            raise ValueError("a visitor's own value stands before the page's tail")
        head_bytes = (head + marker).encode()
        compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        deflated = compressor.compress(head_bytes) + compressor.flush(zlib.Z_FULL_FLUSH)
        return cls(
            head=head_bytes,
            head_gzip=GZIP_HEADER + deflated,
            head_crc=zlib.crc32(head_bytes),
            tail=tail,
        )

    def body(self, *, csrf_token: str, server_now: str, gzip: bool) -> bytes:
        tail = self.tail.replace(TOKEN_SLOT, csrf_token).replace(CLOCK_SLOT, server_now).encode()
        if not gzip:
            return self.head + tail
        return b"".join(
            (
                self.head_gzip,
                *stored_blocks(tail),
                struct.pack(
                    "<II", zlib.crc32(tail, self.head_crc), (len(self.head) + len(tail)) % 2**32
                ),
            )
        )


def stored_blocks(data: bytes) -> list[bytes]:
    """`data` as uncompressed deflate blocks, the last one final (RFC 1951, 3.2.4)."""
    chunks = [data[i : i + STORED_BLOCK_MAX] for i in range(0, len(data), STORED_BLOCK_MAX)]
    chunks = chunks or [b""]
    return [
        bytes([1 if index == len(chunks) - 1 else 0])
        + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF)
        + chunk
        for index, chunk in enumerate(chunks)
    ]


class LocalCache(Generic[T]):
    """A few hundred newest things in this process, each for `timeout` seconds at most."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self.entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self.lock = threading.Lock()
        self.making: dict[Hashable, threading.Lock] = {}  # a lock per key being made

    def get(self, key: Hashable) -> T | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value: T) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + self.timeout, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], T]) -> T:
        """The entry for `key`, made by `make` when there is none, or none still fresh.

        In a rush many threads miss the same key together: one of them makes it, and the others
        wait for that one instead of each making it (each rendering the page, or reading the
        snapshot). An entry that has only expired is still right for its key (the key holds the
        session's seq; expiry only bounds how long a change made without an event takes to
        show), so while one thread makes it again the others are given the old one and do not
        wait at all."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                if entry[0] >= time.monotonic():
                    self.entries.move_to_end(key)
                    return entry[1]
                if key in self.making:
                    return entry[1]
            making = self.making.get(key)
            mine = making is None
            if mine:
                making = self.making[key] = threading.Lock()
                making.acquire()
        if not mine:
            with making:  # until its maker is done
                pass
            found = self.get(key)
            # None: the maker failed; this thread tries in its turn (and fails as loudly).
            return found if found is not None else self.get_or_make(key, make)
        try:
            found = make()
            self.put(key, found)
            return found
        finally:
            with self.lock:
                self.making.pop(key, None)
            making.release()

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


local_pages: LocalCache[SharedPage] = LocalCache(LOCAL_ENTRIES, LOCAL_TIMEOUT_SECONDS)


@functools.cache
def release() -> str:
    """What changes with a deployment: the static files' manifest (hashed URLs in the page)."""
    manifest = getattr(staticfiles_storage, "manifest_hash", "") or ""
    return hashlib.sha256(manifest.encode()).hexdigest()[:12]


def shared_page(key: str, render: Callable[[], str]) -> SharedPage:
    """The page stored under `key`, rendered by `render()` (with the tail's slots) when no
    worker has rendered it yet."""
    full_key = f"{KEY_PREFIX}:{release()}:{key}"

    def from_shared_cache_or_render() -> SharedPage:
        page = _from_shared_cache(full_key)
        if page is None:
            page = SharedPage.from_html(render())
            # Redis away: this worker renders for itself meanwhile (README, "When things fail").
            with contextlib.suppress(*SHARED_CACHE_ERRORS):
                cache.set(full_key, page, SHARED_TIMEOUT_SECONDS)
        return page

    return local_pages.get_or_make(full_key, from_shared_cache_or_render)


def _from_shared_cache(full_key: str) -> SharedPage | None:
    try:
        return cache.get(full_key)
    except SHARED_CACHE_ERRORS:
        logger.warning("Page cache unavailable; rendering %s here", full_key)
        return None


def accepts_gzip(request: HttpRequest) -> bool:
    encodings = request.headers.get("Accept-Encoding", "")
    return any(part.split(";")[0].strip() == "gzip" for part in encodings.split(","))


def page_response(
    request: HttpRequest, page: SharedPage, *, csrf_token: str, server_now: str
) -> HttpResponse:
    gzip = accepts_gzip(request)
    response = HttpResponse(
        page.body(csrf_token=csrf_token, server_now=server_now, gzip=gzip),
        content_type="text/html; charset=utf-8",
    )
    if gzip:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
