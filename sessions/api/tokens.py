"""GET and DELETE /api/auth/tokens/: one's own API tokens, listed and revoked.

A token is shown by its key (its first characters, enough to tell tokens apart, never enough to
use one), with when it was issued and when it ends; the token itself is never stored to show.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services import api_tokens
from .schema import BAD_REQUEST, FORBIDDEN, NOT_FOUND, NOT_SIGNED_IN


class TokenInfoOutput(serializers.Serializer):
    token_key = serializers.CharField(help_text="The token's first characters.")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="The token this request was sent with.")


class RevokedOutput(serializers.Serializer):
    revoked = serializers.IntegerField()


def _current_key(request: Request) -> str | None:
    return getattr(request.auth, "token_key", None)


class TokenListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_tokens_list",
        responses={200: TokenInfoOutput(many=True), 401: NOT_SIGNED_IN, 403: FORBIDDEN},
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        current = _current_key(request)
        return Response(
            [
                {
                    "token_key": token.token_key,
                    "created": token.created,
                    "expiry": token.expiry,
                    "current": token.token_key == current,
                }
                for token in api_tokens.live_api_tokens(user=request.user)
            ]
        )

    @extend_schema(
        operation_id="auth_tokens_destroy",
        request=None,
        responses={200: RevokedOutput, 400: BAD_REQUEST, 401: NOT_SIGNED_IN, 403: FORBIDDEN},
        description="Revoke all of one's own tokens (sign out of the API everywhere).",
        tags=["auth"],
    )
    def delete(self, request: Request) -> Response:
        return Response({"revoked": api_tokens.revoke_api_tokens(user=request.user)})


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_destroy",
        parameters=[
            OpenApiParameter(
                "token_key",
                str,
                OpenApiParameter.PATH,
                pattern="^[0-9a-f]{15}$",
                description="The token's key, as the list shows it.",
            )
        ],
        request=None,
        responses={
            200: RevokedOutput,
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        description="Revoke one of one's own tokens, by its key.",
        tags=["auth"],
    )
    def delete(self, request: Request, token_key: str) -> Response:
        try:
            revoked = api_tokens.revoke_api_tokens(user=request.user, token_key=token_key)
        except ObjectDoesNotExist as missing:
            return Response({"detail": str(missing), "code": "not_found"}, status=404)
        return Response({"revoked": revoked})
