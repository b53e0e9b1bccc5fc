"""GET /api/sessions/{id}/record/: a session's public record, the same data as its page."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from .schema import NOT_FOUND, READ_ERRORS
from .serializers import RecordOutput
from .views import StaffWritesOnly, _session_with_panel


class SessionRecordView(APIView):
    permission_classes = [StaffWritesOnly]  # a read: anyone

    @extend_schema(
        operation_id="sessions_record",
        responses={200: RecordOutput, 404: NOT_FOUND, **READ_ERRORS},
        description="Every published question in the order asked, with its published replies "
        "and fate; the totals (shares of questions answered live, afterwards and not at all); "
        "the moderation tally. The page /sessions/{id}/record/ shows the same.",
        tags=["sessions"],
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = _session_with_panel(session_id)
        return Response(selectors.session_record(session, timezone.now()))
