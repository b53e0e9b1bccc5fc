"""python manage.py close_ended_polls: run it from cron (every minute; see README)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sessions.services.polls import close_polls_of_ended_sessions


class Command(BaseCommand):
    help = (
        "Close the polls left open by sessions that ended by the clock (or were cancelled): "
        "each closes at the session's end, and open pages are told. Safe to run again."
    )

    def handle(self, *args: object, **options: object) -> None:
        closed = close_polls_of_ended_sessions()
        self.stdout.write(f"{closed} poll(s) closed at their session's end.")
