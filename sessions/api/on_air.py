"""On air: put a question on the presenter view's screen, or take it off."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import Post
from ..payloads import post_payload
from .inputs import object_or_404
from .schema import NOT_FOUND, WRITE_ERRORS
from .serializers import PostOutput

ON_AIR_RESPONSES = {200: PostOutput, 404: NOT_FOUND, **WRITE_ERRORS}


class OnAirView(APIView):
    """No body: any body sent is ignored. Panel politicians, moderators and staff."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="on_air_create",
        request=None,
        responses=ON_AIR_RESPONSES,
        description="Put a published question on air (the presenter view shows it); the "
        "session's question on air before it goes off. Broadcasts question.on_air.",
        tags=["questions"],
    )
    def post(self, request: Request, post_id: int) -> Response:
        question = services.put_on_air(question=object_or_404(Post, post_id), user=request.user)
        return Response(post_payload(question))

    @extend_schema(
        operation_id="on_air_destroy",
        request=None,
        responses=ON_AIR_RESPONSES,
        description="Take the question on air off it. Broadcasts question.on_air with id null.",
        tags=["questions"],
    )
    def delete(self, request: Request, post_id: int) -> Response:
        question = services.take_off_air(question=object_or_404(Post, post_id), user=request.user)
        return Response(post_payload(question))
