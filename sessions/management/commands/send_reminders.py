"""python manage.py send_reminders: reminder e-mails that are due, from cron (README)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sessions.services.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        'Send the "Remind me" e-mails that are due: a session starting within '
        "TOWNHALL_REMINDER_MINUTES, or opening for questions early. Each e-mail goes once; safe "
        "to run again, and beside the task worker, which sends them at their times too."
    )

    def handle(self, *args: object, **options: object) -> None:
        counts = send_due_reminders()
        summary = ", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items()))
        self.stdout.write(summary or "Nothing due.")
