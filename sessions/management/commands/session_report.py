"""python manage.py session_report <id> --format json|csv|xlsx [--output FILE] [--pseudonymise]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessions.exports import FORMATS
from sessions.models import ExportLog, Session
from sessions.services.exports import export_session_report


class Command(BaseCommand):
    help = (
        "A session's statistics as JSON (on stdout by default), CSV or XLSX. "
        "Every export is logged; --user names the staff member asking."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("session_id", type=int)
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--output", type=Path, help="write to this file instead of stdout")
        parser.add_argument(
            "--pseudonymise",
            action="store_true",
            help="replace citizens' names with stable pseudonyms",
        )
        parser.add_argument("--user", help="username of the staff member asking, for the log")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt = options["format"]
        output: Path | None = options["output"]
        if fmt == "xlsx" and output is None:
            raise CommandError("XLSX is a binary file: give --output FILE.")
        try:
            session = Session.objects.select_related("municipality").get(pk=options["session_id"])
        except Session.DoesNotExist as error:
            raise CommandError(f"No session with id {options['session_id']}.") from error
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get_by_natural_key(options["user"])
            except get_user_model().DoesNotExist as error:
                raise CommandError(f"No user {options['user']}.") from error
        try:
            export = export_session_report(
                session=session,
                user=user,
                format=fmt,
                source=ExportLog.Source.COMMAND,
                pseudonymise=options["pseudonymise"],
            )
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        if output is None:
            # No byte-order mark on a terminal or in a pipe.
            ending = "\n" if fmt == "json" else ""
            self.stdout.write(export.content.decode("utf-8-sig"), ending=ending)
        else:
            output.write_bytes(export.content)
            self.stderr.write(f"Wrote {output}")
