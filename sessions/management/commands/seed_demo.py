"""Load a demo: two municipalities, a live, a closed and an upcoming session, and demo logins.

The demo itself is data, in sessions/demo/; this command checks that it may run, loads it in
one transaction and says where to look. Safe to run again (see sessions/demo/loader.py).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sessions.demo.loader import DEMO_LOGINS, DEMO_PASSWORD, Seeded, load_demo

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "Command"]

# Where `make run` serves; DEMO_SITE_URL overrides it (the Makefile passes its HOST and PORT).
SITE_URL = os.environ.get("DEMO_SITE_URL", "http://127.0.0.1:8000/")


class Command(BaseCommand):
    help = "Load demo municipalities, sessions, posts and logins (password: townhall-demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            # The demo has a staff superuser with a published password: never in production.
            raise CommandError(
                "seed_demo loads public demo logins; it runs only with DJANGO_DEBUG=1."
            )
        now = timezone.now()
        with transaction.atomic():
            seeded = load_demo(now)
        for result in seeded:
            self._describe(result, now)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, username in DEMO_LOGINS:
            self.stdout.write(f"  {role:<10} {username}")
        self.stdout.write(f"Open {SITE_URL}")
        if settings.TOWNHALL_REQUIRE_STAFF_2FA:
            self.stdout.write(
                "moderator and redaktor set up an authenticator app (QR code) after the password "
                "at their first sign-in; TOWNHALL_REQUIRE_STAFF_2FA=0 (make run's default) "
                "signs them in with the password alone."
            )
        else:
            self.stdout.write(
                "Two-factor sign-in is off (TOWNHALL_REQUIRE_STAFF_2FA=0): a local demo only."
            )

    def _describe(self, seeded: Seeded, now: datetime) -> None:
        session = seeded.session
        posts = session.posts.all()
        questions = posts.filter(parent=None)
        votes = sum(questions.values_list("vote_count", flat=True))
        url = SITE_URL.rstrip("/") + reverse("session", args=[session.pk])
        self.stdout.write(
            f"{session.municipality.name}: {session.title} [{session.status_at(now)}] "
            f"{questions.count()} questions, {posts.count() - questions.count()} replies, "
            f"{votes} votes{' (new)' if seeded.new else ''}\n  {url}"
        )
