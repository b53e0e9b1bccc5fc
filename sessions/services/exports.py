"""The write path for statistics exports: every download is built here and logged, whoever asks
(report page, API, command line) and in whatever format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .. import exports, reports
from ..models import ExportLog, Municipality, Session
from .common import require_staff, resolve_now

User = AbstractBaseUser | AnonymousUser | None


@dataclass(frozen=True)
class Export:
    content: bytes
    content_type: str
    filename: str


def _check(user: User, format: str, source: str) -> None:
    # The command line runs as whoever holds the server: it may name no user.
    if user is not None:
        require_staff(user)
    elif source != ExportLog.Source.COMMAND:
        raise PermissionDenied(_("Only staff can do that."))
    if format not in exports.FORMATS:
        raise ValidationError(
            _("Unknown format %(format)s: choose json, csv or xlsx.") % {"format": format[:20]},
            code="bad_format",
        )


def export_session_report(
    *,
    session: Session,
    user: User,
    format: str,
    source: str,
    pseudonymise: bool = False,
    now: datetime | None = None,
) -> Export:
    """A session's report as a file, logged in ExportLog. Staff only (except from the command
    line without a user); ValidationError for an unknown format. Broadcasts nothing."""
    _check(user, format, source)
    report = reports.session_report(session, pseudonymise=pseudonymise)
    content = exports.render(report, format, exports.report_tables(report))
    record_export(
        user=user,
        session=session,
        format=format,
        source=source,
        pseudonymised=pseudonymise,
        now=now,
    )
    return Export(content, exports.CONTENT_TYPES[format], f"townhall-session-{session.pk}.{format}")


def export_municipality_overview(
    *,
    municipality: Municipality,
    user: User,
    format: str,
    source: str,
    now: datetime | None = None,
) -> Export:
    """A municipality's month-by-month overview as a file, logged. It names no citizen."""
    _check(user, format, source)
    overview = reports.municipality_overview(municipality)
    content = exports.render(overview, format, exports.overview_tables(overview))
    record_export(
        user=user,
        municipality=municipality,
        format=format,
        source=source,
        pseudonymised=False,
        now=now,
    )
    return Export(content, exports.CONTENT_TYPES[format], f"townhall-{municipality.slug}.{format}")


def record_export(
    *,
    user: User,
    format: str,
    source: str,
    pseudonymised: bool,
    session: Session | None = None,
    municipality: Municipality | None = None,
    now: datetime | None = None,
) -> ExportLog:
    """Log one export of a session's report or a municipality's overview."""
    if municipality is None and session is not None:
        municipality = session.municipality
    return ExportLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        session=session,
        municipality=municipality,
        format=format,
        source=source,
        pseudonymised=pseudonymised,
        created_at=resolve_now(now),
    )
