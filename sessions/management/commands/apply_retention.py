"""python manage.py apply_retention [--dry-run]: run it daily from cron (see README)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from sessions.services.idempotency import purge_expired_keys
from sessions.services.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Pseudonymise citizens in sessions that closed longer ago than their municipality's "
        "retention period, and delete expired Idempotency-Keys. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say what would be pseudonymised."
        )

    def handle(self, *args: object, dry_run: bool = False, **options: object) -> None:
        result = apply_retention(dry_run=dry_run)
        verb = "Would pseudonymise" if dry_run else "Pseudonymised"
        self.stdout.write(
            f"{verb} {result.participants} participant(s) in {result.sessions} session(s)."
        )
        if not dry_run:
            purged = purge_expired_keys()
            if purged:
                self.stdout.write(f"Deleted {purged} expired Idempotency-Key(s).")
