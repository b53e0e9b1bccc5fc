"""Reading a request the same way in every API view: its body through a serializer, and the
object its path names."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework.request import Request

from ..selectors import get_or_404, not_found
from .serializers import MAX_ID


def valid_input(serializer_class: type, request: Request) -> dict:
    """The request's body, validated; a ValidationError (400) otherwise."""
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def object_or_404(model_or_queryset: type[Model] | QuerySet, pk: int) -> Any:
    """The object with this id, or a 404 that names it in the reader's language."""
    return get_or_404(model_or_queryset, pk=possible_id(model_or_queryset, pk))


def possible_id(model_or_queryset: type[Model] | QuerySet, pk: int) -> int:
    """`pk`, or a 404 for an id too large for any database column (not a 500)."""
    if pk > MAX_ID:
        raise not_found(getattr(model_or_queryset, "model", model_or_queryset), pk)
    return pk
