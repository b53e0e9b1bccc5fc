"""Reminders (issue 15): the caller asks for an e-mail before a session starts, or takes it back."""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Session
from ..payloads import ReminderPayload, iso
from ..services import reminders
from .inputs import object_or_404
from .schema import NOT_FOUND, WRITE_ERRORS
from .serializers import ReminderOutput

REMINDER_RESPONSES = {200: ReminderOutput, 404: NOT_FOUND, **WRITE_ERRORS}


def reminder_payload(session: Session, *, reminded: bool) -> ReminderPayload:
    return {
        "session": session.pk,
        "reminded": reminded,
        "remind_at": iso(reminders.remind_at(session)),
    }


class ReminderView(APIView):
    """No body: any body sent is ignored. Any signed-in user with an e-mail address."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="reminders_create",
        request=None,
        responses=REMINDER_RESPONSES,
        description="Remind me: an e-mail TOWNHALL_REMINDER_MINUTES before the session starts, "
        "and one when it opens for questions early, in the caller's language. Asking again "
        "keeps the one reminder. Refused (400) for a cancelled, started or ended session, or a "
        "caller without an e-mail address.",
        tags=["sessions"],
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        reminders.remind_me(session=session, user=request.user, language=translation.get_language())
        return Response(reminder_payload(session, reminded=True))

    @extend_schema(
        operation_id="reminders_destroy",
        request=None,
        responses=REMINDER_RESPONSES,
        description="Take the caller's reminder back (nothing happens if there is none).",
        tags=["sessions"],
    )
    def delete(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        reminders.forget_reminder(session=session, user=request.user)
        return Response(reminder_payload(session, reminded=False))
