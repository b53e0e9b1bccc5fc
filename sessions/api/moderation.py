"""Moderation over HTTP: act on posts, report them, read the queue and log, bans and keywords.

Translation between HTTP and services.moderation, nothing more; errors map in api.errors.
Reading moderation state is for moderators of the municipality and staff, like acting on it;
who may is checked before the input, so a citizen gets 403, not 400 (the services check again).
Each view documents its body, answers and errors (drf-spectacular's extend_schema), held to them
by tests/test_api_fuzz.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..client_ip import client_ip
from ..models import Ban, ModerationReason, Municipality, Post, Session, WatchedKeyword
from ..payloads import (
    ban_payload,
    moderation_action_payload,
    moderation_post_payload,
    watched_keyword_payload,
)
from ..services.moderation import POST_ACTIONS
from .filters import read_query
from .inputs import object_or_404, valid_input
from .pagination import PageQuery, page_of, paginated
from .schema import (
    BAD_REQUEST,
    FORBIDDEN,
    LIST_ERRORS,
    NOT_FOUND,
    NOT_SIGNED_IN,
    RATE_LIMITED,
    WRITE_ERRORS,
)
from .serializers import (
    BanOutput,
    ModerationPostOutput,
    PostReportOutput,
    ServiceCheckedChoiceField,
    SessionModerationOutput,
    StrictCharField,
    StrictInput,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    WatchedKeywordOutput,
)

# Choices are checked by the services (one message for pages and API); here the shape, and the
# choices for the schema (ServiceCheckedChoiceField).
POST_ACTION_CHOICES = [(action.value, action.label) for action in POST_ACTIONS]
REASON_CHOICES = ModerationReason.choices
# The session's moderation state is one object, not pages: each list in it is bounded.
MODERATION_LIST_LIMIT = 200
LOG_LIMIT = 100


class ModerateInput(StrictInput):
    action = ServiceCheckedChoiceField(choices=POST_ACTION_CHOICES)
    reason = ServiceCheckedChoiceField(
        choices=REASON_CHOICES,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required to hide or reject.",
    )
    note = StrictCharField(required=False, allow_blank=True, default="", trim_whitespace=False)


class ReportInput(StrictInput):
    reason = ServiceCheckedChoiceField(choices=REASON_CHOICES)


class BanInput(StrictInput):
    user = StrictPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        required=False,
        help_text="The user's id; or give username.",
    )
    username = StrictCharField(required=False, max_length=150)
    reason = ServiceCheckedChoiceField(choices=REASON_CHOICES)
    note = StrictCharField(required=False, allow_blank=True, default="")
    ends_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="null or left out: until lifted."
    )
    hours = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=24 * 365,
        help_text="Instead of ends_at: a ban for this many hours from now.",
    )
    session = StrictPrimaryKeyRelatedField(
        queryset=Session.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The session it happened in, for that session's log.",
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("user") is None:
            username = attrs.get("username", "")
            target = (
                get_user_model().objects.filter(username=username).first() if username else None
            )
            if target is None:
                raise serializers.ValidationError(
                    {"user": [_("Choose the user to ban: their id or username.")]}
                )
            attrs["user"] = target
        if attrs.get("hours"):
            if attrs.get("ends_at"):
                raise serializers.ValidationError(
                    {"ends_at": [_("Give either an end time or a number of hours.")]}
                )
            attrs["ends_at"] = timezone.now() + timedelta(hours=attrs["hours"])
        return attrs


class LiftInput(StrictInput):
    note = StrictCharField(required=False, allow_blank=True, default="")
    session = StrictPrimaryKeyRelatedField(
        queryset=Session.objects.all(), required=False, allow_null=True, default=None
    )


class KeywordInput(StrictInput):
    phrase = StrictCharField(allow_blank=True, trim_whitespace=False)
    action = ServiceCheckedChoiceField(
        choices=WatchedKeyword.Action.choices,
        required=False,
        default=WatchedKeyword.Action.HOLD,
        help_text="hold (the default): keep posts with it for review; flag: publish, but mark.",
    )


def _require_moderator(request: Request, municipality_id: int) -> None:
    if not selectors.moderates(request.user, municipality_id):
        raise PermissionDenied(_("Only moderators of this municipality can do that."))


MODERATOR_READ_ERRORS = {401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND}
MODERATOR_WRITE_ERRORS = {**WRITE_ERRORS, 404: NOT_FOUND}


class ModerateView(APIView):
    """POST /api/posts/{id}/moderate/ {"action": hide|restore|reject|approve, "reason", "note"}."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="posts_moderate",
        request=ModerateInput,
        responses={200: ModerationPostOutput, **MODERATOR_WRITE_ERRORS},
        description="Hide or restore a published post, reject or approve one awaiting approval "
        "(approving a flagged post clears the flag). Moderators of the session's municipality "
        "and staff.",
        tags=["moderation"],
    )
    def post(self, request: Request, post_id: int) -> Response:
        post = object_or_404(Post.objects.select_related("session"), post_id)
        _require_moderator(request, post.session.municipality_id)
        fields = valid_input(ModerateInput, request)
        post = services.moderate_post(post=post, user=request.user, **fields)
        return Response(moderation_post_payload(post))


class ReportView(APIView):
    """POST /api/posts/{id}/report/ {"reason"}: a signed-in user reports a post, once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="posts_report",
        request=ReportInput,
        responses={
            201: PostReportOutput,
            **MODERATOR_WRITE_ERRORS,
            403: FORBIDDEN,
            429: RATE_LIMITED,
        },
        description="Report a published post (not your own), once. Enough reports hold it for "
        'review. Refused with 403 (code "banned") for a user banned in the municipality; '
        "rate-limited.",
        tags=["moderation"],
    )
    def post(self, request: Request, post_id: int) -> Response:
        post = object_or_404(Post, post_id)
        fields = valid_input(ReportInput, request)
        report = services.report_post(
            post=post,
            reporter=request.user,
            reason=fields["reason"],
            client_ip=client_ip(request),
        )
        return Response(
            {"post": report.post_id, "reason": report.reason}, status=status.HTTP_201_CREATED
        )


class SessionModerationView(APIView):
    """GET /api/sessions/{id}/moderation/: queue, flagged and reported posts, stream, log."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="sessions_moderation",
        responses={200: SessionModerationOutput, **MODERATOR_READ_ERRORS},
        description="The session's moderation state in one object (not pages): each list is "
        f"bounded, at most {MODERATION_LIST_LIMIT} posts (pending, flagged, stream) and "
        f"{LOG_LIMIT} log lines.",
        tags=["moderation"],
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session.objects.select_related("municipality"), session_id)
        _require_moderator(request, session.municipality_id)
        limit = MODERATION_LIST_LIMIT
        pending = selectors.pending_posts(session, limit=limit)
        flagged = selectors.posts_needing_attention(session, limit=limit)
        stream = selectors.moderation_stream(session, limit=limit)
        log = selectors.moderation_log(session, limit=LOG_LIMIT)
        return Response(
            {
                "session": session.pk,
                "moderation_mode": session.moderation_mode,
                "pending": [moderation_post_payload(p) for p in pending],
                "flagged": [moderation_post_payload(p) for p in flagged],
                "stream": [moderation_post_payload(p) for p in stream],
                "log": [moderation_action_payload(a) for a in log],
                "tally": selectors.moderation_tally(session),
                "reasons": [{"value": value, "label": label} for value, label in REASON_CHOICES],
            }
        )


class BanListView(APIView):
    """GET (bans in force, a page) and POST (ban a user) /api/municipalities/{id}/bans/."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bans_list",
        parameters=[PageQuery],
        responses={200: paginated(BanOutput), **LIST_ERRORS, 403: FORBIDDEN},
        description="Bans in force in the municipality, newest first.",
        tags=["moderation"],
    )
    def get(self, request: Request, municipality_id: int) -> Response:
        municipality = object_or_404(Municipality, municipality_id)
        _require_moderator(request, municipality.pk)
        query = read_query(PageQuery, request)
        bans = selectors.active_bans(municipality, timezone.now())
        return Response(page_of(request, bans, query, lambda page: [ban_payload(b) for b in page]))

    @extend_schema(
        operation_id="bans_create",
        request=BanInput,
        responses={201: BanOutput, **MODERATOR_WRITE_ERRORS},
        description="Ban a user (by id or username) from posting, voting and reporting in the "
        "municipality's sessions; they can still read. No end (until lifted), an end time "
        '("ends_at") or a number of hours ("hours").',
        tags=["moderation"],
    )
    def post(self, request: Request, municipality_id: int) -> Response:
        municipality = object_or_404(Municipality, municipality_id)
        _require_moderator(request, municipality.pk)
        fields = valid_input(BanInput, request)
        ban = services.ban_user(
            municipality=municipality,
            user=request.user,
            target=fields["user"],
            reason=fields["reason"],
            note=fields["note"],
            ends_at=fields["ends_at"],
            session=fields["session"],
        )
        return Response(ban_payload(ban), status=status.HTTP_201_CREATED)


class BanDetailView(APIView):
    """DELETE /api/bans/{id}/ {"note", "session"}: lift a ban now. Answers with the lifted ban."""

    permission_classes = [IsAuthenticated]
    delete_takes_body = True  # for the schema (api.schema.AutoSchema)

    @extend_schema(
        operation_id="bans_destroy",
        request=LiftInput,
        responses={200: BanOutput, **MODERATOR_WRITE_ERRORS},
        description="Lift a ban now; the body (a note, the session it happened in) is optional.",
        tags=["moderation"],
    )
    def delete(self, request: Request, ban_id: int) -> Response:
        ban = object_or_404(Ban.objects.select_related("user", "created_by"), ban_id)
        _require_moderator(request, ban.municipality_id)
        fields = valid_input(LiftInput, request)
        ban = services.lift_ban(
            ban=ban, user=request.user, note=fields["note"], session=fields["session"]
        )
        return Response(ban_payload(ban))


class KeywordListView(APIView):
    """GET (a page) and POST /api/municipalities/{id}/keywords/ {"phrase", "action": hold|flag}."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="keywords_list",
        parameters=[PageQuery],
        responses={200: paginated(WatchedKeywordOutput), **LIST_ERRORS, 403: FORBIDDEN},
        description="The municipality's watched words, alphabetically.",
        tags=["moderation"],
    )
    def get(self, request: Request, municipality_id: int) -> Response:
        municipality = object_or_404(Municipality, municipality_id)
        _require_moderator(request, municipality.pk)
        query = read_query(PageQuery, request)
        keywords = selectors.watched_keywords(municipality)
        return Response(
            page_of(
                request, keywords, query, lambda page: [watched_keyword_payload(k) for k in page]
            )
        )

    @extend_schema(
        operation_id="keywords_create",
        request=KeywordInput,
        responses={201: WatchedKeywordOutput, **MODERATOR_WRITE_ERRORS},
        description="Watch a word or phrase in the municipality's sessions: new posts with it are "
        "held for review (hold) or published and flagged (flag).",
        tags=["moderation"],
    )
    def post(self, request: Request, municipality_id: int) -> Response:
        municipality = object_or_404(Municipality, municipality_id)
        _require_moderator(request, municipality.pk)
        fields = valid_input(KeywordInput, request)
        keyword = services.add_watched_keyword(
            municipality=municipality, user=request.user, **fields
        )
        return Response(watched_keyword_payload(keyword), status=status.HTTP_201_CREATED)


class KeywordDetailView(APIView):
    """DELETE /api/keywords/{id}/: stop watching a word. No body: any body sent is ignored."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="keywords_destroy",
        request=None,
        responses={204: None, 400: BAD_REQUEST, **MODERATOR_READ_ERRORS},
        tags=["moderation"],
    )
    def delete(self, request: Request, keyword_id: int) -> Response:
        keyword = object_or_404(WatchedKeyword, keyword_id)
        services.remove_watched_keyword(keyword=keyword, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
