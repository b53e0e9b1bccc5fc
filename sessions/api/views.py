"""HTTP in, service call, JSON out. Rules live in services; errors map in api.errors.

Each view says in its schema (drf-spectacular's extend_schema) what it takes, what it answers and
which errors it can give; tests/test_api_fuzz.py holds the running server to that schema.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..client_ip import client_ip
from ..models import Municipality, Politician, Post, Session
from ..payloads import post_payload, question_payload, session_payload
from .auth import ObtainAuthTokenWithLockout
from .filters import (
    MunicipalityListQuery,
    PoliticianListQuery,
    QuestionListQuery,
    SessionListQuery,
    in_municipality,
    read_query,
)
from .idempotency import idempotent
from .inputs import object_or_404, valid_input
from .pagination import page_of, paginated
from .schema import (
    BAD_REQUEST,
    FORBIDDEN,
    IDEMPOTENCY_KEY,
    KEY_REUSED,
    LIST_ERRORS,
    LOCKED_OUT,
    NOT_FOUND,
    NOT_SIGNED_IN,
    RATE_LIMITED,
    READ_ERRORS,
    UNSUPPORTED,
    WRITE_ERRORS,
)
from .serializers import (
    MAX_ID,
    AnsweredInput,
    ExtendInput,
    MunicipalityDetailSerializer,
    MunicipalityInput,
    MunicipalitySerializer,
    MunicipalityUpdateInput,
    PoliticianInput,
    PoliticianSerializer,
    PostOutput,
    QuestionInput,
    QuestionOutput,
    ReplyInput,
    SessionInput,
    SessionOutput,
    SessionUpdateInput,
    TokenInput,
    TokenOutput,
    VoteOutput,
)


class ReadOrSignedIn(BasePermission):
    anyone_reads = True  # for the schema (api.schema.AutoSchema)

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or bool(request.user.is_authenticated)


class StaffWritesOnly(BasePermission):
    """Anyone reads; only staff write. Checked before the input, so a citizen gets 403, not 400.

    The services check staff again: this only decides which error comes first.
    """

    message = _("Only staff can do that.")
    anyone_reads = True

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or bool(
            request.user.is_authenticated and request.user.is_staff
        )


def _session_with_panel(session_id: int) -> Session:
    if session_id > MAX_ID:
        raise selectors.not_found(Session, session_id)
    return selectors.session_with_panel(session_id)


class TokenView(ObtainAuthTokenWithLockout):
    """POST /api/auth/token/: a username and password give the user's token."""

    serializer_class = TokenInput
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="auth_token",
        request=TokenInput,
        responses={
            200: TokenOutput,
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            415: UNSUPPORTED,
            429: LOCKED_OUT,
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class SessionListView(APIView):
    permission_classes = [StaffWritesOnly]

    @extend_schema(
        operation_id="sessions_list",
        parameters=[SessionListQuery],
        responses={200: paginated(SessionOutput), **LIST_ERRORS},
        tags=["sessions"],
    )
    def get(self, request: Request) -> Response:
        query = read_query(SessionListQuery, request)
        now = timezone.now()
        sessions = in_municipality(selectors.sessions_newest_first(query.get("status"), now), query)
        return Response(
            page_of(request, sessions, query, lambda page: [session_payload(s, now) for s in page])
        )

    @extend_schema(
        operation_id="sessions_create",
        request=SessionInput,
        responses={201: SessionOutput, **WRITE_ERRORS},
        tags=["sessions"],
    )
    def post(self, request: Request) -> Response:
        fields = valid_input(SessionInput, request)
        session = services.create_session(user=request.user, **fields)
        return Response(
            session_payload(selectors.session_with_panel(session.pk)),
            status=status.HTTP_201_CREATED,
        )


class SessionDetailView(APIView):
    permission_classes = [StaffWritesOnly]

    @extend_schema(
        operation_id="sessions_retrieve",
        responses={200: SessionOutput, 404: NOT_FOUND, **READ_ERRORS},
        tags=["sessions"],
    )
    def get(self, request: Request, session_id: int) -> Response:
        return Response(session_payload(_session_with_panel(session_id)))

    @extend_schema(
        operation_id="sessions_partial_update",
        request=SessionUpdateInput,
        responses={200: SessionOutput, 404: NOT_FOUND, **WRITE_ERRORS},
        description="Staff change any field of the POST, and follow_up_until; only the fields "
        "sent change. Everyone watching the session hears session.updated.",
        tags=["sessions"],
    )
    def patch(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        fields = valid_input(SessionUpdateInput, request)
        politicians = fields.pop("politicians", None)
        services.update_session(
            session=session, user=request.user, politicians=politicians, **fields
        )
        return Response(session_payload(selectors.session_with_panel(session_id)))


class QuestionListView(APIView):
    permission_classes = [ReadOrSignedIn]

    @extend_schema(
        operation_id="questions_list",
        parameters=[QuestionListQuery],
        responses={200: paginated(QuestionOutput), **LIST_ERRORS},
        tags=["questions"],
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        query = read_query(QuestionListQuery, request)
        questions = selectors.published_questions(session, query["ordering"])
        return Response(
            page_of(
                request,
                questions,
                query,
                lambda page: [question_payload(q, q.published_replies) for q in page],
            )
        )

    @extend_schema(
        operation_id="questions_create",
        request=QuestionInput,
        description="Ask a question. Moderators and staff enter one for someone offline with "
        '"channel": "room" or "phone" and, optionally, "asked_by".',
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: QuestionOutput,
            404: NOT_FOUND,
            422: KEY_REUSED,
            429: RATE_LIMITED,
            **WRITE_ERRORS,
        },
        tags=["questions"],
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        fields = valid_input(QuestionInput, request)
        return idempotent(request, body=fields, perform=lambda: self.ask(request, session, fields))

    @staticmethod
    def ask(request: Request, session: Session, fields: dict[str, Any]) -> Response:
        if fields["channel"] == Post.Channel.ONLINE and not fields["asked_by"]:
            question = services.post_question(
                session=session,
                author=request.user,
                body=fields["body"],
                client_ip=client_ip(request),
            )
        else:
            question = services.enter_question(
                session=session,
                user=request.user,
                body=fields["body"],
                channel=fields["channel"],
                asked_by=fields["asked_by"],
            )
        return Response(question_payload(question, []), status=status.HTTP_201_CREATED)


class ReplyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="replies_create",
        request=ReplyInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: PostOutput,
            404: NOT_FOUND,
            422: KEY_REUSED,
            429: RATE_LIMITED,
            **WRITE_ERRORS,
        },
        description="Reply in a question's thread. A panel politician may answer: "
        '"mark_answered": true also marks the question answered.',
        tags=["questions"],
    )
    def post(self, request: Request, post_id: int) -> Response:
        post = object_or_404(Post, post_id)
        fields = valid_input(ReplyInput, request)
        return idempotent(request, body=fields, perform=lambda: self.reply(request, post, fields))

    @staticmethod
    def reply(request: Request, post: Post, fields: dict[str, Any]) -> Response:
        if fields["mark_answered"]:
            reply = services.answer_question(
                question=post, author=request.user, body=fields["body"]
            )
        else:
            reply = services.post_reply(
                post=post, author=request.user, body=fields["body"], client_ip=client_ip(request)
            )
        return Response(post_payload(reply), status=status.HTTP_201_CREATED)


VOTE_RESPONSES = {
    200: VoteOutput,
    400: BAD_REQUEST,
    401: NOT_SIGNED_IN,
    404: NOT_FOUND,
    422: KEY_REUSED,
    429: RATE_LIMITED,
}


class VoteView(APIView):
    """No body: any body sent is ignored."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="vote_create",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses=VOTE_RESPONSES,
        tags=["questions"],
    )
    def post(self, request: Request, post_id: int) -> Response:
        question = object_or_404(Post, post_id)
        return idempotent(
            request, body=None, perform=lambda: self.cast(request, question, voted=True)
        )

    @extend_schema(
        operation_id="vote_destroy",
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses=VOTE_RESPONSES,
        tags=["questions"],
    )
    def delete(self, request: Request, post_id: int) -> Response:
        question = object_or_404(Post, post_id)
        return idempotent(
            request, body=None, perform=lambda: self.cast(request, question, voted=False)
        )

    @staticmethod
    def cast(request: Request, question: Post, *, voted: bool) -> Response:
        service = services.vote if voted else services.unvote
        question = service(question=question, user=request.user, client_ip=client_ip(request))
        return Response({"post": question.pk, "vote_count": question.vote_count, "voted": voted})


class AnsweredView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="answered_create",
        request=AnsweredInput,
        responses={200: PostOutput, 404: NOT_FOUND, **WRITE_ERRORS},
        tags=["questions"],
    )
    def post(self, request: Request, post_id: int) -> Response:
        question = object_or_404(Post, post_id)
        fields = valid_input(AnsweredInput, request)
        question = services.mark_answered(
            question=question, user=request.user, answered=fields["answered"]
        )
        return Response(post_payload(question))


class SessionControlView(APIView):
    """POST /api/sessions/{id}/open|extend|close|cancel/: staff move the session's clock.

    Open, close and cancel take no body (any body sent is ignored); extend takes minutes or until.
    """

    permission_classes = [StaffWritesOnly]
    action = ""

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # urls.py names the action; each action has its own view below, so that its schema
        # (request body, responses) can say what that action takes.
        if cls is SessionControlView and "action" in initkwargs:
            return CONTROL_VIEWS[initkwargs.pop("action")].as_view(**initkwargs)
        return super().as_view(**initkwargs)

    def post(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        if self.action == "open":
            services.open_session(session=session, user=request.user)
        elif self.action == "close":
            services.close_session(session=session, user=request.user)
        elif self.action == "cancel":
            services.cancel_session(session=session, user=request.user)
        else:
            fields = valid_input(ExtendInput, request)
            services.extend_session(
                session=session,
                user=request.user,
                minutes=fields.get("minutes"),
                until=fields.get("until"),
            )
        return Response(session_payload(selectors.session_with_panel(session_id)))


CONTROL_ERRORS = {400: BAD_REQUEST, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND}


class OpenSessionView(SessionControlView):
    action = "open"

    @extend_schema(
        operation_id="sessions_open",
        request=None,
        responses={200: SessionOutput, **CONTROL_ERRORS},
        tags=["sessions"],
    )
    def post(self, request: Request, session_id: int) -> Response:
        return super().post(request, session_id)


class ExtendSessionView(SessionControlView):
    action = "extend"

    @extend_schema(
        operation_id="sessions_extend",
        request=ExtendInput,
        responses={200: SessionOutput, **CONTROL_ERRORS, **WRITE_ERRORS},
        description='Give "minutes" (1 to 720, from the later of the planned end and now) or '
        '"until" (a new end). Extending a closed session opens it again.',
        tags=["sessions"],
    )
    def post(self, request: Request, session_id: int) -> Response:
        return super().post(request, session_id)


class CloseSessionView(SessionControlView):
    action = "close"

    @extend_schema(
        operation_id="sessions_close",
        request=None,
        responses={200: SessionOutput, **CONTROL_ERRORS},
        tags=["sessions"],
    )
    def post(self, request: Request, session_id: int) -> Response:
        return super().post(request, session_id)


class CancelSessionView(SessionControlView):
    action = "cancel"

    @extend_schema(
        operation_id="sessions_cancel",
        request=None,
        responses={200: SessionOutput, **CONTROL_ERRORS},
        description="Cancel a scheduled session: it stays, with status cancelled, and takes no "
        "more posts. A session that is collecting, live, closed or already cancelled gets 400 "
        'with code "not_scheduled" or "already_cancelled". Everyone watching hears '
        "session.updated.",
        tags=["sessions"],
    )
    def post(self, request: Request, session_id: int) -> Response:
        return super().post(request, session_id)


CONTROL_VIEWS: dict[str, type[SessionControlView]] = {
    "open": OpenSessionView,
    "extend": ExtendSessionView,
    "close": CloseSessionView,
    "cancel": CancelSessionView,
}


class MunicipalityListView(APIView):
    permission_classes = [StaffWritesOnly]

    @extend_schema(
        operation_id="municipalities_list",
        parameters=[MunicipalityListQuery],
        responses={200: paginated(MunicipalitySerializer), **LIST_ERRORS},
        tags=["directory"],
    )
    def get(self, request: Request) -> Response:
        query = read_query(MunicipalityListQuery, request)
        return Response(
            page_of(
                request,
                Municipality.objects.order_by("name", "id"),
                query,
                lambda page: MunicipalitySerializer(page, many=True).data,
            )
        )

    @extend_schema(
        operation_id="municipalities_create",
        request=MunicipalityInput,
        responses={201: MunicipalitySerializer, **WRITE_ERRORS},
        tags=["directory"],
    )
    def post(self, request: Request) -> Response:
        fields = valid_input(MunicipalityInput, request)
        municipality = services.create_municipality(user=request.user, **fields)
        return Response(MunicipalitySerializer(municipality).data, status=status.HTTP_201_CREATED)


class MunicipalityDetailView(APIView):
    permission_classes = [StaffWritesOnly]

    @extend_schema(
        operation_id="municipalities_retrieve",
        responses={200: MunicipalityDetailSerializer, 404: NOT_FOUND, **READ_ERRORS},
        tags=["directory"],
    )
    def get(self, request: Request, municipality_id: int) -> Response:
        municipality = object_or_404(Municipality, municipality_id)
        return Response(MunicipalityDetailSerializer(municipality).data)

    @extend_schema(
        operation_id="municipalities_partial_update",
        request=MunicipalityUpdateInput,
        responses={200: MunicipalityDetailSerializer, 404: NOT_FOUND, **WRITE_ERRORS},
        description="Staff change embed_origins, verified_only and retention_days; only the "
        "fields sent change. An origin is scheme://host[:port], nothing more.",
        tags=["directory"],
    )
    def patch(self, request: Request, municipality_id: int) -> Response:
        municipality = object_or_404(Municipality, municipality_id)
        fields = valid_input(MunicipalityUpdateInput, request)
        municipality = services.update_municipality(
            municipality=municipality, user=request.user, **fields
        )
        return Response(MunicipalityDetailSerializer(municipality).data)


class PoliticianListView(APIView):
    permission_classes = [StaffWritesOnly]

    @extend_schema(
        operation_id="politicians_list",
        parameters=[PoliticianListQuery],
        responses={200: paginated(PoliticianSerializer), **LIST_ERRORS},
        tags=["directory"],
    )
    def get(self, request: Request) -> Response:
        query = read_query(PoliticianListQuery, request)
        politicians = in_municipality(Politician.objects.order_by("name", "id"), query)
        return Response(
            page_of(
                request,
                politicians,
                query,
                lambda page: PoliticianSerializer(page, many=True).data,
            )
        )

    @extend_schema(
        operation_id="politicians_create",
        request=PoliticianInput,
        responses={201: PoliticianSerializer, **WRITE_ERRORS},
        tags=["directory"],
    )
    def post(self, request: Request) -> Response:
        fields = valid_input(PoliticianInput, request)
        account = fields.pop("user", None)
        politician = services.create_politician(user=request.user, account=account, **fields)
        return Response(PoliticianSerializer(politician).data, status=status.HTTP_201_CREATED)


@csrf_exempt  # it changes nothing; a POST must get the JSON 404 too, not a CSRF page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/: a JSON 404 like the API's own, not the site's HTML page."""
    return JsonResponse({"detail": str(_("Not found."))}, status=404)
