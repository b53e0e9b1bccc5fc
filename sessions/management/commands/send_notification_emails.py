"""python manage.py send_notification_emails: the net under the task queue, from cron (README)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sessions.services.notifications import send_due_emails


class Command(BaseCommand):
    help = (
        "Send notification e-mails that are due: retries whose time has come, and those a "
        "worker claimed but did not finish. Each e-mail is sent once. Safe to run again."
    )

    def handle(self, *args: object, **options: object) -> None:
        counts = send_due_emails()
        summary = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(counts.items()))
        self.stdout.write(summary or "Nothing due.")
