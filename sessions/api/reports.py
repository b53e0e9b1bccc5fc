"""GET /api/sessions/{id}/report/: a session's statistics for staff, as JSON or a file."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ExportLog
from ..reports import load_session
from ..services.exports import export_session_report

TRUE_VALUES = ("1", "true", "yes", "on")


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


def wants_pseudonyms(value: str | None) -> bool:
    return (value or "").lower() in TRUE_VALUES


class SessionReportView(APIView):
    permission_classes = [StaffOnly]
    content_negotiation_class = JSONOnlyNegotiation

    def get(self, request: Request, session_id: int) -> Response | HttpResponse:
        session = load_session(session_id)
        fmt = request.query_params.get("format", "json")
        export = export_session_report(
            session=session,
            user=request.user,
            format=fmt,
            source=ExportLog.Source.API,
            pseudonymise=wants_pseudonyms(request.query_params.get("pseudonymise")),
        )
        response = HttpResponse(export.content, content_type=export.content_type)
        if fmt != "json":
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response
