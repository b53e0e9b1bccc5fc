"""Duplicate questions: similar ones while typing, and moderators merging one into another."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..models import Post
from ..payloads import post_payload
from .filters import read_query
from .inputs import object_or_404, valid_input
from .schema import LIST_ERRORS, NOT_FOUND, WRITE_ERRORS
from .serializers import MAX_ID, MergeInput, PostOutput, SimilarOutput
from .views import StaffWritesOnly, _session_with_panel


class SimilarQuery(serializers.Serializer):
    text = serializers.CharField(
        max_length=settings.TOWNHALL_MAX_POST_LENGTH,
        trim_whitespace=True,
        help_text="What the citizen is typing (1 to 2,000 characters).",
    )


class SimilarView(APIView):
    permission_classes = [StaffWritesOnly]  # a read: anyone

    @extend_schema(
        operation_id="sessions_similar",
        parameters=[SimilarQuery],
        responses={200: SimilarOutput(many=True), **LIST_ERRORS},
        description="Up to five published questions of the session like the text, best first, "
        "so a citizen can upvote one instead of asking again. On PostgreSQL the `danish` "
        "text-search configuration's terms compared with pg_trgm, elsewhere Danish stems "
        "compared as sets (the README says what each catches and misses).",
        tags=["questions"],
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = _session_with_panel(session_id)
        query = read_query(SimilarQuery, request)
        return Response(
            [
                {"id": found.id, "body": found.body, "votes": found.votes, "score": found.score}
                for found in selectors.similar_questions(session, query["text"])
            ]
        )


class MergeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="posts_merge",
        request=MergeInput,
        responses={200: PostOutput, 404: NOT_FOUND, **WRITE_ERRORS},
        description="Merge a duplicate question into another of the same session: its replies "
        "move, its votes are united (one per person), it points to the other. Moderators of "
        "the session's municipality and staff. Broadcasts question.merged.",
        tags=["moderation"],
    )
    def post(self, request: Request, post_id: int) -> Response:
        question = object_or_404(Post.objects.select_related("session"), post_id)
        fields = valid_input(MergeInput, request)
        into = (
            Post.objects.filter(pk=fields["into"]).first()
            if 1 <= fields["into"] <= MAX_ID
            else None
        )
        if into is None:
            raise ValidationError({"into": _("There is no such question.")}, code="not_found")
        merged = services.merge_question(question=question, into=into, user=request.user)
        return Response(post_payload(merged))
