"""Moderation over HTTP: act on posts, report them, read the queue and log, bans and keywords.

Translation between HTTP and services.moderation, nothing more; errors map in api.errors.
Reading moderation state is for moderators of the municipality and staff, like acting on it.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
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

# Choices are checked by the services (one message for pages and API); here only the shape.


class ModerateInput(serializers.Serializer):
    action = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )


class ReportInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class BanInput(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False
    )
    username = serializers.CharField(required=False)
    reason = serializers.CharField(allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    hours = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=24 * 365
    )
    session = serializers.PrimaryKeyRelatedField(
        queryset=Session.objects.all(), required=False, allow_null=True, default=None
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


class LiftInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    session = serializers.PrimaryKeyRelatedField(
        queryset=Session.objects.all(), required=False, allow_null=True, default=None
    )


class KeywordInput(serializers.Serializer):
    phrase = serializers.CharField(allow_blank=True, trim_whitespace=False)
    action = serializers.CharField(required=False, default=WatchedKeyword.Action.HOLD)


def _valid(serializer_class: type, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _require_moderator(request: Request, municipality_id: int) -> None:
    if not selectors.moderates(request.user, municipality_id):
        raise PermissionDenied(_("Only moderators of this municipality can do that."))


class ModerateView(APIView):
    """POST /api/posts/{id}/moderate/ {"action": hide|restore|reject|approve, "reason", "note"}."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, post_id: int) -> Response:
        post = get_object_or_404(Post, pk=post_id)
        fields = _valid(ModerateInput, request)
        post = services.moderate_post(post=post, user=request.user, **fields)
        return Response(moderation_post_payload(post))


class ReportView(APIView):
    """POST /api/posts/{id}/report/ {"reason"}: a signed-in user reports a post, once."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, post_id: int) -> Response:
        post = get_object_or_404(Post, pk=post_id)
        fields = _valid(ReportInput, request)
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

    def get(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(Session.objects.select_related("municipality"), pk=session_id)
        _require_moderator(request, session.municipality_id)
        return Response(
            {
                "session": session.pk,
                "moderation_mode": session.moderation_mode,
                "pending": [moderation_post_payload(p) for p in selectors.pending_posts(session)],
                "flagged": [
                    moderation_post_payload(p) for p in selectors.posts_needing_attention(session)
                ],
                "stream": [
                    moderation_post_payload(p) for p in selectors.moderation_stream(session)
                ],
                "log": [moderation_action_payload(a) for a in selectors.moderation_log(session)],
                "tally": selectors.moderation_tally(session),
                "reasons": [
                    {"value": value, "label": label} for value, label in ModerationReason.choices
                ],
            }
        )


class BanListView(APIView):
    """GET (bans in force) and POST (ban a user) /api/municipalities/{id}/bans/."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, municipality_id: int) -> Response:
        municipality = get_object_or_404(Municipality, pk=municipality_id)
        _require_moderator(request, municipality.pk)
        bans = selectors.active_bans(municipality, timezone.now())
        return Response([ban_payload(ban) for ban in bans])

    def post(self, request: Request, municipality_id: int) -> Response:
        municipality = get_object_or_404(Municipality, pk=municipality_id)
        _require_moderator(request, municipality.pk)
        fields = _valid(BanInput, request)
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
    """DELETE /api/bans/{id}/ {"note"}: lift a ban now. Answers with the lifted ban."""

    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, ban_id: int) -> Response:
        ban = get_object_or_404(Ban.objects.select_related("user", "created_by"), pk=ban_id)
        fields = _valid(LiftInput, request)
        ban = services.lift_ban(
            ban=ban, user=request.user, note=fields["note"], session=fields["session"]
        )
        return Response(ban_payload(ban))


class KeywordListView(APIView):
    """GET and POST /api/municipalities/{id}/keywords/ {"phrase", "action": hold|flag}."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, municipality_id: int) -> Response:
        municipality = get_object_or_404(Municipality, pk=municipality_id)
        _require_moderator(request, municipality.pk)
        keywords = selectors.watched_keywords(municipality)
        return Response([watched_keyword_payload(keyword) for keyword in keywords])

    def post(self, request: Request, municipality_id: int) -> Response:
        municipality = get_object_or_404(Municipality, pk=municipality_id)
        fields = _valid(KeywordInput, request)
        keyword = services.add_watched_keyword(
            municipality=municipality, user=request.user, **fields
        )
        return Response(watched_keyword_payload(keyword), status=status.HTTP_201_CREATED)


class KeywordDetailView(APIView):
    """DELETE /api/keywords/{id}/: stop watching a word."""

    permission_classes = [IsAuthenticated]

    def delete(self, request: Request, keyword_id: int) -> Response:
        keyword = get_object_or_404(WatchedKeyword, pk=keyword_id)
        services.remove_watched_keyword(keyword=keyword, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
