"""HTTP in, service call, JSON out. Rules live in services; errors map in api.errors."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..client_ip import client_ip
from ..models import Municipality, Politician, Post, Session
from ..payloads import post_payload, question_payload, session_payload
from .serializers import (
    AnsweredInput,
    BodyInput,
    ExtendInput,
    MunicipalitySerializer,
    PoliticianSerializer,
    ReplyInput,
    SessionInput,
)


class ReadOrSignedIn(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or bool(request.user.is_authenticated)


class StaffWritesOnly(BasePermission):
    """Anyone reads; only staff write. Checked before the input, so a citizen gets 403, not 400.

    The services check staff again: this only decides which error comes first.
    """

    message = _("Only staff can do that.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or bool(
            request.user.is_authenticated and request.user.is_staff
        )


def _valid(serializer_class: type, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SessionListView(APIView):
    permission_classes = [StaffWritesOnly]

    def get(self, request: Request) -> Response:
        now = timezone.now()
        sessions = selectors.sessions_newest_first(request.query_params.get("status"), now)
        return Response([session_payload(session, now) for session in sessions])

    def post(self, request: Request) -> Response:
        fields = _valid(SessionInput, request)
        session = services.create_session(user=request.user, **fields)
        return Response(
            session_payload(selectors.session_with_panel(session.pk)),
            status=status.HTTP_201_CREATED,
        )


class SessionDetailView(APIView):
    def get(self, request: Request, session_id: int) -> Response:
        return Response(session_payload(selectors.session_with_panel(session_id)))


class QuestionListView(APIView):
    permission_classes = [ReadOrSignedIn]

    def get(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(Session, pk=session_id)
        ordering = request.query_params.get("ordering", selectors.DEFAULT_QUESTION_ORDERING)
        return Response(selectors.question_payloads(session, ordering))

    def post(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(Session, pk=session_id)
        fields = _valid(BodyInput, request)
        question = services.post_question(
            session=session, author=request.user, body=fields["body"], client_ip=client_ip(request)
        )
        return Response(question_payload(question, []), status=status.HTTP_201_CREATED)


class ReplyView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, post_id: int) -> Response:
        post = get_object_or_404(Post, pk=post_id)
        fields = _valid(ReplyInput, request)
        if fields["mark_answered"]:
            reply = services.answer_question(
                question=post, author=request.user, body=fields["body"]
            )
        else:
            reply = services.post_reply(
                post=post, author=request.user, body=fields["body"], client_ip=client_ip(request)
            )
        return Response(post_payload(reply), status=status.HTTP_201_CREATED)


class VoteView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, post_id: int) -> Response:
        question = services.vote(
            question=get_object_or_404(Post, pk=post_id),
            user=request.user,
            client_ip=client_ip(request),
        )
        return Response({"post": question.pk, "vote_count": question.vote_count, "voted": True})

    def delete(self, request: Request, post_id: int) -> Response:
        question = services.unvote(
            question=get_object_or_404(Post, pk=post_id),
            user=request.user,
            client_ip=client_ip(request),
        )
        return Response({"post": question.pk, "vote_count": question.vote_count, "voted": False})


class AnsweredView(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, post_id: int) -> Response:
        fields = _valid(AnsweredInput, request)
        question = services.mark_answered(
            question=get_object_or_404(Post, pk=post_id),
            user=request.user,
            answered=fields["answered"],
        )
        return Response(post_payload(question))


class SessionControlView(APIView):
    """POST /api/sessions/{id}/open|extend|close/: staff move the session's clock."""

    permission_classes = [StaffWritesOnly]
    action = ""

    def post(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(Session, pk=session_id)
        if self.action == "open":
            services.open_session(session=session, user=request.user)
        elif self.action == "close":
            services.close_session(session=session, user=request.user)
        else:
            fields = _valid(ExtendInput, request)
            services.extend_session(
                session=session,
                user=request.user,
                minutes=fields.get("minutes"),
                until=fields.get("until"),
            )
        return Response(session_payload(selectors.session_with_panel(session_id)))


class MunicipalityListView(APIView):
    permission_classes = [StaffWritesOnly]

    def get(self, request: Request) -> Response:
        return Response(MunicipalitySerializer(Municipality.objects.all(), many=True).data)

    def post(self, request: Request) -> Response:
        fields = _valid(MunicipalitySerializer, request)
        municipality = services.create_municipality(user=request.user, **fields)
        return Response(MunicipalitySerializer(municipality).data, status=status.HTTP_201_CREATED)


class PoliticianListView(APIView):
    permission_classes = [StaffWritesOnly]

    def get(self, request: Request) -> Response:
        politicians = Politician.objects.all()
        return Response(PoliticianSerializer(politicians, many=True).data)

    def post(self, request: Request) -> Response:
        fields = _valid(PoliticianSerializer, request)
        account = fields.pop("user", None)
        politician = services.create_politician(user=request.user, account=account, **fields)
        return Response(PoliticianSerializer(politician).data, status=status.HTTP_201_CREATED)
