"""How long a test waits for something it expects to happen.

These are ceilings, not delays: a test that passes waits only as long as the event takes. They are
generous because CI and developers' machines are often busy, and a busy machine must not fail a
test; speed is measured in bench/, never asserted. A check that nothing arrives keeps its short
window: a slow machine can only make it pass.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from channels.testing import WebsocketCommunicator

T = TypeVar("T")

# For a frame on a socket, a server to answer, a group to empty.
WAIT_SECONDS = 30.0

# For what a page shows (Playwright's expect() waits 5 s unless told).
BROWSER_WAIT_MS = 30_000

# For a page to reconnect by itself after its server restarted: its backoff between attempts
# grows to 30 s, jittered up to 45 s, while the server comes back.
RECONNECT_WAIT_MS = 120_000


class Communicator(WebsocketCommunicator):
    """Channels' test socket with a generous ceiling on every wait that expects something; its
    own is one second, which a loaded machine overruns in connect() or disconnect()."""

    async def connect(self, timeout: float = WAIT_SECONDS):
        return await super().connect(timeout)

    async def receive_from(self, timeout: float = WAIT_SECONDS):
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout: float = WAIT_SECONDS):
        return await super().receive_json_from(timeout)

    async def receive_output(self, timeout: float = WAIT_SECONDS):
        return await super().receive_output(timeout)

    async def disconnect(self, code: int = 1000, timeout: float = WAIT_SECONDS) -> None:
        await super().disconnect(code, timeout)


def wait_until(
    condition: Callable[[], T], message: str, *, ceiling: float = WAIT_SECONDS, every: float = 0.05
) -> T:
    """Ask `condition` every `every` seconds until it gives something true, and return that;
    fail with `message` when `ceiling` seconds pass first."""
    deadline = time.monotonic() + ceiling
    while not (result := condition()):
        assert time.monotonic() < deadline, message
        time.sleep(every)
    return result


async def async_wait_until(
    condition: Callable[[], Awaitable[T]],
    message: str,
    *,
    ceiling: float = WAIT_SECONDS,
    every: float = 0.05,
) -> T:
    """wait_until for a condition that is awaited."""
    deadline = time.monotonic() + ceiling
    while not (result := await condition()):
        assert time.monotonic() < deadline, message
        await asyncio.sleep(every)
    return result
