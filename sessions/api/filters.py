"""The query strings of the lists: filters and ordering, validated like any other input.

An unknown value is refused with 400 naming the parameter, never ignored: `?status=lve` must
not quietly list every session.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

from .. import selectors
from ..models import Municipality, Session
from .pagination import PageQuery
from .serializers import MAX_ID


class MunicipalityParam(serializers.CharField):
    """A municipality by id or by slug; one that does not exist is a 400."""

    default_error_messages = {"unknown": _('No municipality has the id or slug "{value}".')}

    def to_internal_value(self, data: Any) -> Municipality:
        value = super().to_internal_value(data)
        found = None
        # PostgreSQL refuses a NUL in a query (a 500); no slug has one anyway.
        if len(value) > 100 or "\x00" in value:
            self.fail("unknown", value=value[:100].replace("\x00", ""))
        if value.isdecimal() and int(value) <= MAX_ID:
            found = Municipality.objects.filter(pk=int(value)).first()
        if found is None:
            found = Municipality.objects.filter(slug=value).first()
        if found is None:
            self.fail("unknown", value=value)
        return found


class MunicipalityListQuery(PageQuery):
    pass


class SessionListQuery(PageQuery):
    status = serializers.ChoiceField(
        choices=Session.Status.choices,
        required=False,
        help_text="Only sessions in this state now (it follows the clock).",
    )
    municipality = MunicipalityParam(required=False, help_text="A municipality's id or slug.")


class QuestionListQuery(PageQuery):
    ordering = serializers.ChoiceField(
        choices=[(name, name) for name in selectors.QUESTION_ORDERINGS],
        required=False,
        default=selectors.DEFAULT_QUESTION_ORDERING,
        help_text="-votes (most votes first, the default), votes, created, -created.",
    )


class PoliticianListQuery(PageQuery):
    municipality = MunicipalityParam(required=False, help_text="A municipality's id or slug.")


def read_query(query_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The validated query string; a bad value raises a 400 naming the parameter.

    A parameter of the list given twice, or given empty, is refused too: which of two values
    wins, or whether `?ordering=` means the default, is not for the server to guess.
    """
    query = query_class()
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in query.fields:
        given = request.query_params.getlist(name)
        if len(given) > 1:
            errors[name] = [str(_("Give this parameter once."))]
        elif given == [""]:
            errors[name] = [str(_("Give this parameter a value, or leave it out."))]
        elif given:
            values[name] = given[0]
    if errors:
        raise serializers.ValidationError(errors)
    query = query_class(data=values)
    query.is_valid(raise_exception=True)
    return query.validated_data


def in_municipality(items: QuerySet, query: dict[str, Any]) -> QuerySet:
    municipality = query.get("municipality")
    return items if municipality is None else items.filter(municipality=municipality)
