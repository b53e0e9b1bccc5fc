"""Staff pages for statistics: a session's report with charts, a municipality's overview, and
their downloads. The figures come from reports.py; every download is logged by the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from .. import charts, exports, reports
from ..exports import wants_pseudonyms
from ..models import ExportLog, Municipality, Poll
from ..services.exports import Export, export_municipality_overview, export_session_report

View = Callable[..., HttpResponse]
TOP_CITIZENS = 20
NO_FIGURE = "\N{EN DASH}"


def staff_required(view: View) -> View:
    """Anonymous visitors go to the login page; signed-in non-staff get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied(_("Only staff can do that."))
        return view(request, *args, **kwargs)

    return wrapper


def duration(seconds: int | None) -> str:
    if seconds is None:
        return NO_FIGURE
    minutes, rest = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": rest}


def percent(share: float | None) -> str:
    return NO_FIGURE if share is None else f"{round(share * 100)} %"


@staff_required
def session_report_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = reports.load_session(session_id)
    report = reports.session_report(session)
    totals = report["totals"]
    labels = exports.total_labels()
    _start, session_length = reports.session_minutes(session)
    context = {
        "session": session,
        "report": report,
        "totals": totals,
        "all_totals": [(labels[key], key, value) for key, value in totals.items()],
        "answer_rate": percent(totals["answer_rate"]),
        "top_share": percent(totals["top_citizens_comment_share"]),
        "median_first_answer": duration(totals["median_first_answer_seconds"]),
        "politicians": [
            {**row, "median_response": duration(row["median_response_seconds"])}
            for row in report["per_politician"]
        ],
        "politician_chart": charts.bar_chart(
            [(row["name"], row["comments"]) for row in report["per_politician"]]
        ),
        "citizen_chart": charts.bar_chart(
            [(row["name"], row["comments"]) for row in report["per_citizen"][:TOP_CITIZENS]]
        ),
        # The chart draws the session's own minutes; the table lists those outside it too.
        "timeline_chart": charts.timeline_chart(
            [row for row in report["timeline"] if 0 <= row["offset"] < session_length]
        ),
        "polls": [
            {
                **poll,
                "status_label": Poll.Status(poll["status"]).label,
                "turnout_label": percent(poll["turnout"]),
            }
            for poll in report["polls"]
        ],
        "session_minutes": session_length,
        "top_citizens": TOP_CITIZENS,
    }
    return render(request, "sessions/report.html", context)


def _download(export: Export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _bad_format(error: ValidationError) -> HttpResponse:
    return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain")


@staff_required
def session_report_download(request: HttpRequest, session_id: int) -> HttpResponse:
    session = reports.load_session(session_id)
    try:
        export = export_session_report(
            session=session,
            user=request.user,
            format=request.GET.get("format", ""),
            source=ExportLog.Source.PAGE,
            pseudonymise=wants_pseudonyms(request.GET.get("pseudonymise")),
        )
    except ValidationError as error:
        return _bad_format(error)
    return _download(export)


@staff_required
def municipality_report_page(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, slug=slug)
    overview = reports.municipality_overview(municipality)
    sessions = [
        {**row, "starts": datetime.fromisoformat(row["starts_at"])} for row in overview["sessions"]
    ]
    return render(
        request,
        "sessions/municipality_report.html",
        {"municipality": municipality, "overview": overview, "sessions": sessions},
    )


@staff_required
def municipality_report_download(request: HttpRequest, slug: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality, slug=slug)
    try:
        export = export_municipality_overview(
            municipality=municipality,
            user=request.user,
            format=request.GET.get("format", ""),
            source=ExportLog.Source.PAGE,
        )
    except ValidationError as error:
        return _bad_format(error)
    return _download(export)
