"""python manage.py close_follow_ups: run it from cron (every few minutes; see README)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sessions.services.notifications import close_follow_ups


class Command(BaseCommand):
    help = (
        "Announce the end of every follow-up period that has passed: open questions go out as "
        "not answered, and their askers are told. Safe to run again."
    )

    def handle(self, *args: object, **options: object) -> None:
        changed = close_follow_ups()
        self.stdout.write(f"{changed} question(s) now show as not answered.")
