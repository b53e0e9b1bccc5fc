"""Real-browser tests: Debian's Chromium, driven by Playwright, against Daphne in a subprocess.

Daphne runs the project exactly as `make run` does (its own process, its own in-memory channel
layer), on the test database, so what the browser does goes through the real ASGI stack.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.servers import DaphneServer
from tests.waiting import BROWSER_WAIT_MS

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# expect() waits 5 s unless told, which a loaded machine overruns; actions and navigation already
# wait 30 s. A passing assertion returns as soon as the page shows what it expects.
expect.set_options(timeout=BROWSER_WAIT_MS)

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make test`, or apt-get install -y chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def daphne(transactional_db) -> Iterator[DaphneServer]:
    """Daphne serving the project on a free port."""
    server = DaphneServer().start()
    yield server
    server.stop()


@pytest.fixture
def daphne_url(daphne: DaphneServer) -> str:
    return daphne.url


@pytest.fixture(autouse=True)
def fast_password_hashing() -> None:
    """Daphne checks passwords with the project's own hashers, so browser tests keep them."""
