"""Shapes of API input (validated here, ruled on by services) and of what the API answers.

Input is strict: JSON types are not coerced (`{"body": 5}` is refused, not turned into "5"),
and a field the endpoint does not know is refused by name instead of silently ignored.

The output serializers describe the payloads built in sessions/payloads.py (shared with the
pages and the live events) for the OpenAPI schema; tests/test_api_schema.py keeps them equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.settings import api_settings

from ..models import Municipality, Politician, Post, Session

# The largest id a database column holds (a signed 64-bit integer); beyond it nothing exists.
MAX_ID = 2**63 - 1


# Strict fields ---------------------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """Text only: a number, list or object is refused instead of turned into a string."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: not "yes", 1 or "true"."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: not "15", 15.0 or true."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictURLField(serializers.URLField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id as a JSON integer; one no database could hold does not exist."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class StrictInput(serializers.Serializer):
    """Input that names every field it does not know, in one error."""

    default_error_messages = {"unknown_fields": _("Unknown fields: %(names)s.")}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in known)
            if unknown:
                raise serializers.ValidationError(
                    {
                        api_settings.NON_FIELD_ERRORS_KEY: [
                            self.error_messages["unknown_fields"] % {"names": ", ".join(unknown)}
                        ]
                    },
                    code="unknown_fields",
                )
        return super().to_internal_value(data)


# Input -----------------------------------------------------------------------------------------


class TokenInput(StrictInput, AuthTokenSerializer):
    username = StrictCharField(label=_("Username"), write_only=True, max_length=150)
    password = StrictCharField(
        label=_("Password"),
        style={"input_type": "password"},
        trim_whitespace=False,
        write_only=True,
        max_length=4096,
    )


class BodyInput(StrictInput):
    # Trimming, blank and length rules belong to services.clean_body, shared with the pages.
    body = StrictCharField(trim_whitespace=False, allow_blank=True)


class ReplyInput(BodyInput):
    mark_answered = StrictBooleanField(required=False, default=False)


class AnsweredInput(StrictInput):
    answered = StrictBooleanField(required=False, default=True)


class ExtendInput(StrictInput):
    minutes = StrictIntegerField(required=False)
    until = serializers.DateTimeField(required=False)


class SessionInput(StrictInput):
    municipality = StrictPrimaryKeyRelatedField(queryset=Municipality.objects.all())
    title = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, default="", max_length=10000)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    politicians = StrictPrimaryKeyRelatedField(
        queryset=Politician.objects.all(), many=True, required=False, default=list
    )
    moderation_mode = StrictChoiceField(
        choices=Session.ModerationMode.choices,
        required=False,
        default=Session.ModerationMode.POST,
    )
    accepts_questions_early = StrictBooleanField(required=False, default=False)


class MunicipalityInput(StrictInput):
    # Uniqueness of the slug is the model's rule, checked by the service's full_clean().
    name = StrictCharField(max_length=200)
    slug = StrictCharField(max_length=50)


class PoliticianInput(StrictInput):
    municipality = StrictPrimaryKeyRelatedField(queryset=Municipality.objects.all())
    name = StrictCharField(max_length=200)
    party = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    role = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    photo_url = StrictURLField(max_length=200, required=False, allow_blank=True, default="")
    user = StrictPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True, default=None
    )


# Output ----------------------------------------------------------------------------------------


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "name", "slug"]


class PoliticianSerializer(serializers.ModelSerializer):
    class Meta:
        model = Politician
        fields = ["id", "municipality", "name", "party", "role", "photo_url", "user"]


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class PanelMemberOutput(serializers.Serializer):
    """payloads.PoliticianPayload."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    party = serializers.CharField()
    role = serializers.CharField()
    photo_url = serializers.CharField()


class PostOutput(serializers.Serializer):
    """payloads.PostPayload: a question or a reply."""

    id = serializers.IntegerField()
    session = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)
    author = serializers.CharField(help_text="The author's display name.")
    politician = PanelMemberOutput(
        allow_null=True, help_text="Set when a politician on the panel wrote it."
    )
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Post.Status.choices)
    is_answered = serializers.BooleanField()
    vote_count = serializers.IntegerField()


class QuestionOutput(PostOutput):
    """payloads.QuestionPayload: a question with its published replies, oldest first."""

    replies = PostOutput(many=True)


class SessionOutput(serializers.Serializer):
    """payloads.SessionPayload."""

    id = serializers.IntegerField()
    municipality = serializers.CharField(help_text="The municipality's name.")
    title = serializers.CharField()
    description = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Session.Status.choices)
    accepts_questions_early = serializers.BooleanField()
    panel = PanelMemberOutput(many=True)


class VoteOutput(serializers.Serializer):
    post = serializers.IntegerField()
    vote_count = serializers.IntegerField()
    voted = serializers.BooleanField()
