"""Lighthouse's accessibility and best-practices scores for the home page, a live session page
and the presenter view (issue 12's target: 100 for accessibility on each).

    (cd bench/lighthouse && npm ci)          # Lighthouse 12.2.3 from the npm registry (Node 20)
    .venv/bin/python bench/lighthouse.py     # prints a table; --keep DIR keeps the JSON reports

It makes a fresh SQLite database with the demo data (seed_demo), serves it with one Daphne on a
free port, and runs Lighthouse (desktop preset) in Debian's Chromium (CHROME_PATH, default
/usr/bin/chromium) against Roskilde's live session. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = PROJECT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("accessibility", "best-practices")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def live_session_id(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/sessions/?status=live", timeout=10) as response:
        sessions = json.loads(response.read())["results"]
    return sessions[0]["id"]


def lighthouse(url: str, chrome: str, keep: Path | None, name: str) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--preset=desktop",
                f"--only-categories={','.join(CATEGORIES)}",
                "--output=json",
                f"--output-path={output}",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
            ],
            env={**os.environ, "CHROME_PATH": chrome},
            check=True,
        )
        report = json.loads(output.read_text())
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{name}.json").write_text(output.read_text())
    return {key: round(report["categories"][key]["score"] * 100) for key in CATEGORIES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    parser.add_argument("--keep", type=Path, help="keep each page's Lighthouse JSON here")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: (cd bench/lighthouse && npm ci)")

    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{scratch}/lighthouse.sqlite3",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEMO_SITE_URL": f"http://127.0.0.1:{port}/",
        }
        manage = [sys.executable, "manage.py"]
        for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
            subprocess.run(
                [*manage, *command], cwd=PROJECT, env=env, check=True, capture_output=True
            )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "townhall.asgi:application",
            ],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/")
            session = live_session_id(base)
            pages = {
                "home": f"{base}/",
                "live session": f"{base}/sessions/{session}/",
                "presenter view": f"{base}/sessions/{session}/present/",
            }
            print("| page | accessibility | best practices |")
            print("| --- | --- | --- |")
            for name, url in pages.items():
                scores = lighthouse(url, args.chrome, args.keep, name.replace(" ", "-"))
                print(f"| {name} | {scores['accessibility']} | {scores['best-practices']} |")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
