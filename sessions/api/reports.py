"""GET /api/sessions/{id}/report/: a session's statistics for staff, as JSON or a file.

`?format=json|csv|xlsx` names the file here, not a DRF renderer (JSONOnlyNegotiation): errors
are JSON whatever the format asked for.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..exports import CONTENT_TYPES, FALSE_VALUES, FORMATS, TRUE_VALUES, wants_pseudonyms
from ..models import ExportLog, Session
from ..reports import load_session
from ..services.exports import export_session_report
from .filters import read_query
from .schema import BAD_REQUEST, FORBIDDEN, NOT_FOUND, NOT_SIGNED_IN
from .serializers import MAX_ID, ServiceCheckedChoiceField, SessionReportOutput

XLSX = CONTENT_TYPES["xlsx"]


class StaffOnly(BasePermission):
    message = _("Only staff can do that.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.is_staff)


class JSONOnlyNegotiation(DefaultContentNegotiation):
    """?format= names the file to download here, not a DRF renderer: answer in JSON and let
    the view pick the file format."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class ReportQuery(serializers.Serializer):
    # The format is the service's to check (one message for the page, the API and the command).
    format = ServiceCheckedChoiceField(
        choices=[(name, name) for name in FORMATS],
        required=False,
        default="json",
        help_text="json (the default), csv or xlsx (a download).",
    )
    pseudonymise = serializers.ChoiceField(
        choices=[(value, value) for value in (*TRUE_VALUES, *FALSE_VALUES)],
        required=False,
        default="0",
        help_text="1: citizens by a stable pseudonym instead of their names.",
    )


class SessionReportView(APIView):
    permission_classes = [StaffOnly]
    content_negotiation_class = JSONOnlyNegotiation

    @extend_schema(
        operation_id="sessions_report",
        parameters=[ReportQuery],
        responses={
            (200, "application/json"): SessionReportOutput,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY),
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        description="The session's statistics (staff only), logged as an export: JSON, or with "
        "?format=csv or xlsx a file to download (Content-Disposition: attachment). Errors are "
        "JSON whatever the format.",
        tags=["sessions"],
    )
    def get(self, request: Request, session_id: int) -> Response | HttpResponse:
        if session_id > MAX_ID:
            raise selectors.not_found(Session, session_id)
        session = load_session(session_id)
        query = read_query(ReportQuery, request)
        fmt = query["format"]
        export = export_session_report(
            session=session,
            user=request.user,
            format=fmt,
            source=ExportLog.Source.API,
            pseudonymise=wants_pseudonyms(query["pseudonymise"]),
        )
        response = HttpResponse(export.content, content_type=export.content_type)
        if fmt != "json":
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response
