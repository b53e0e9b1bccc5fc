"""Which event loop `async_to_sync` uses in a thread. Every broadcast after a commit goes
through the channel layer with it; run on the process's loop, it uses that loop's Redis
connections. In a thread asgiref knows nothing about, it makes a new event loop for every call
(and channels_redis a new Redis connection, and the loop's closing walks every task of the
process: thousands of sockets' tasks in a worker)."""

from __future__ import annotations

import asyncio
import os

from asgiref.sync import SyncToAsync


def tell_asgiref_the_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Make async_to_sync in this thread run on `loop` (None: leave it as it is).

    asgiref's sync_to_async says so to the threads it starts in the same way, through these two
    attributes; running each request through sync_to_async instead cost 2 ms of CPU a page.
    """
    if loop is None:
        return
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()


def loop_of_this_thread() -> asyncio.AbstractEventLoop | None:
    """The loop this thread's async_to_sync runs on, if it was told one (to pass it on to a
    thread this one starts)."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return getattr(SyncToAsync.threadlocal, "main_event_loop", None)
