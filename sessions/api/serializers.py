"""Shapes of API input (validated here, ruled on by services) and of the simple resources."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import Municipality, Politician


class BodyInput(serializers.Serializer):
    # Trimming, blank and length rules belong to services.clean_body, shared with the pages.
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)


class ReplyInput(BodyInput):
    mark_answered = serializers.BooleanField(required=False, default=False)


class AnsweredInput(serializers.Serializer):
    answered = serializers.BooleanField(required=False, default=True)


class ExtendInput(serializers.Serializer):
    minutes = serializers.IntegerField(required=False)
    until = serializers.DateTimeField(required=False)


class SessionInput(serializers.Serializer):
    municipality = serializers.PrimaryKeyRelatedField(queryset=Municipality.objects.all())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    politicians = serializers.PrimaryKeyRelatedField(
        queryset=Politician.objects.all(), many=True, required=False, default=list
    )
    accepts_questions_early = serializers.BooleanField(required=False, default=False)


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "name", "slug"]


class PoliticianSerializer(serializers.ModelSerializer):
    # The default keeps `user` optional: DRF's validator for the (municipality, user) constraint
    # would otherwise demand it.
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True, default=None
    )

    class Meta:
        model = Politician
        fields = ["id", "municipality", "name", "party", "role", "photo_url", "user"]
