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
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from ..models import (
    ModerationReason,
    Municipality,
    Politician,
    Poll,
    Post,
    Session,
    WatchedKeyword,
)

# The largest id a database column holds (a signed 64-bit integer); beyond it nothing exists.
MAX_ID = 2**63 - 1


# Strict fields ---------------------------------------------------------------------------------


class StrictCharField(serializers.CharField):
    """Text only: a number, list or object is refused instead of turned into a string. The
    max_length holds for the text as sent, before its surrounding whitespace is trimmed, as the
    schema's maxLength says (201 characters, the first a space, are refused, not stored as 200)."""

    def run_validation(self, data: Any = empty) -> Any:
        if self.max_length is not None and isinstance(data, str) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)

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


class ServiceCheckedChoiceField(serializers.ChoiceField):
    """Text whose choices a service checks (one message for the pages and the API).

    The schema lists the choices; here only the type is checked, so a wrong choice gets the
    service's message (e.g. "Choose hold or flag."), not DRF's.
    """

    # DRF's own message (and translation), as StrictCharField gives.
    default_error_messages = {"invalid": serializers.CharField.default_error_messages["invalid"]}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return data


class StrictTextListField(serializers.ListField):
    """A JSON list of strings, each refused with one flat message (not DRF's {"0": [...]}), so
    the error body keeps the API's {"field": ["message"]} shape. A service checks the values."""

    default_error_messages = {
        "not_text": _("Item %(number)d is not text."),
    }

    def to_internal_value(self, data: Any) -> list[str]:
        if isinstance(data, str | Mapping) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        items = list(data)
        if self.max_length is not None and len(items) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        for number, item in enumerate(items, start=1):
            if not isinstance(item, str):
                raise serializers.ValidationError(
                    self.error_messages["not_text"] % {"number": number}
                )
        return items


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
    otp = StrictCharField(
        label=_("Code"),
        help_text=_(
            "Staff, moderators and anyone who set up an authenticator app: the code it shows, "
            "or a recovery code."
        ),
        required=False,
        write_only=True,
        max_length=32,
    )


class BodyInput(StrictInput):
    # Trimming, blank and length rules belong to services.clean_body, shared with the pages.
    body = StrictCharField(trim_whitespace=False, allow_blank=True)


class QuestionInput(BodyInput):
    channel = ServiceCheckedChoiceField(
        choices=Post.Channel.choices,
        required=False,
        default=Post.Channel.ONLINE,
        help_text="room or phone: a moderator or staff enters a question for someone offline.",
    )
    asked_by = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="For room and phone: the asker's name, if they gave one.",
    )


class MergeInput(StrictInput):
    into = StrictIntegerField(help_text="The id of the question to merge this one into.")


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


class MunicipalityUpdateInput(StrictInput):
    """PATCH /api/municipalities/{id}/: only what is sent changes (services.update_municipality
    checks each origin)."""

    embed_origins = StrictTextListField(
        child=StrictCharField(max_length=200),
        max_length=50,
        required=False,
        help_text="Origins (scheme://host[:port]) whose pages may frame the session widget.",
    )
    verified_only = StrictBooleanField(
        required=False, help_text="Only verified citizens may post, vote and take part in polls."
    )
    retention_days = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=36500,
        help_text="Days after a session closes before its citizens are pseudonymised; "
        "null keeps them.",
    )


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


class MunicipalityDetailSerializer(serializers.ModelSerializer):
    """GET/PATCH /api/municipalities/{id}/: the municipality with its settings."""

    embed_origins = serializers.ListField(
        child=serializers.CharField(),
        help_text="Origins (scheme://host[:port]) whose pages may frame the session widget.",
    )

    class Meta:
        model = Municipality
        fields = ["id", "name", "slug", "embed_origins", "verified_only", "retention_days"]


class PoliticianSerializer(serializers.ModelSerializer):
    class Meta:
        model = Politician
        fields = ["id", "municipality", "name", "party", "role", "photo_url", "user"]


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(help_text="When the token stops working.")


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
    on_air = serializers.BooleanField(help_text="The presenter view shows this question now.")
    answered_at = serializers.DateTimeField(
        allow_null=True, help_text="When a question was (last) marked answered."
    )
    fate = serializers.ChoiceField(
        choices=Post.Fate.choices,
        allow_null=True,
        help_text="A question's fate: answered live, answered afterwards (after the end), "
        "open (live or in the follow-up period), or not answered (the follow-up period is over). "
        "null for a reply.",
    )
    vote_count = serializers.IntegerField()
    channel = serializers.ChoiceField(
        choices=Post.Channel.choices,
        help_text="online; room or phone: entered by a moderator for someone offline, and then "
        "author is the name they gave (may be empty).",
    )
    merged_into = serializers.IntegerField(
        allow_null=True,
        help_text="A duplicate merged into that question (its replies and votes moved there).",
    )
    author_verified = serializers.BooleanField(
        help_text="The author signed in with the identity provider (MitID): a verified "
        "citizen. Says nothing of who they are."
    )


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
    questions_open_at = serializers.DateTimeField(
        allow_null=True,
        help_text="From then until the start, citizens ask and upvote (status collecting).",
    )
    follow_up_until = serializers.DateTimeField(
        help_text="The panel answers open questions in writing until then "
        "(14 days after the end unless staff set it)."
    )
    panel = PanelMemberOutput(many=True)
    cancelled_at = serializers.DateTimeField(
        allow_null=True, help_text="When staff cancelled the session (status cancelled)."
    )


class SessionUpdateInput(StrictInput):
    """PATCH /api/sessions/{id}/: any field of the POST, and until when the panel answers in
    writing. Only what is sent changes."""

    municipality = StrictPrimaryKeyRelatedField(queryset=Municipality.objects.all(), required=False)
    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(required=False, allow_blank=True, max_length=10000)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    politicians = StrictPrimaryKeyRelatedField(
        queryset=Politician.objects.all(), many=True, required=False
    )
    moderation_mode = StrictChoiceField(choices=Session.ModerationMode.choices, required=False)
    accepts_questions_early = StrictBooleanField(required=False)
    questions_open_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="From then until the start, citizens ask and upvote; not after starts_at. "
        "null: no collecting phase.",
    )
    follow_up_until = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="The panel answers open questions in writing until then; null: 14 days "
        "after the end. Not before the end.",
    )


class SimilarOutput(serializers.Serializer):
    """selectors.SimilarQuestion."""

    id = serializers.IntegerField()
    body = serializers.CharField()
    votes = serializers.IntegerField()
    score = serializers.FloatField(help_text="0 to 1; higher is more alike.")


class VoteOutput(serializers.Serializer):
    post = serializers.IntegerField()
    vote_count = serializers.IntegerField()
    voted = serializers.BooleanField()


class ReminderOutput(serializers.Serializer):
    session = serializers.IntegerField()
    reminded = serializers.BooleanField(help_text="Whether the caller has a reminder now.")
    remind_at = serializers.DateTimeField(
        help_text="When the e-mail goes: TOWNHALL_REMINDER_MINUTES before the start."
    )


# Moderation (api.moderation) -------------------------------------------------------------------


class ModerationPostOutput(PostOutput):
    """payloads.ModerationPostPayload: a post of any status, as moderators see it."""

    author_id = serializers.IntegerField()
    flagged = serializers.BooleanField(help_text="A watched keyword flagged it.")
    report_count = serializers.IntegerField()
    moderation_reason = serializers.CharField(help_text="Why it was removed or held; or empty.")
    moderation_note = serializers.CharField()


class ModerationActionOutput(serializers.Serializer):
    """payloads.ModerationActionPayload: one line of the moderation log."""

    id = serializers.IntegerField()
    action = serializers.CharField(
        help_text="hide, restore, reject, approve, hold, flag, ban or unban."
    )
    moderator = serializers.CharField(
        allow_null=True, help_text="Who acted; null when the system held a post."
    )
    post = serializers.IntegerField(allow_null=True)
    user = serializers.CharField(allow_null=True, help_text="The user banned or let back in.")
    reason = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class TallyReasonOutput(serializers.Serializer):
    """payloads.TallyReasonPayload."""

    reason = serializers.CharField()
    count = serializers.IntegerField()


class TallyOutput(serializers.Serializer):
    """payloads.TallyPayload: posts moderators removed, by reason, most first."""

    hidden = serializers.IntegerField()
    reasons = TallyReasonOutput(many=True)


class ReasonChoiceOutput(serializers.Serializer):
    value = serializers.ChoiceField(choices=ModerationReason.choices)
    label = serializers.CharField(help_text="In the request's language.")


class SessionModerationOutput(serializers.Serializer):
    """A session's moderation state: bounded lists, not pages (see each field)."""

    session = serializers.IntegerField()
    moderation_mode = serializers.ChoiceField(choices=Session.ModerationMode.choices)
    pending = ModerationPostOutput(
        many=True, help_text="Awaiting approval, oldest first; at most 200."
    )
    flagged = ModerationPostOutput(
        many=True, help_text="Published, flagged or reported, most reported first; at most 200."
    )
    stream = ModerationPostOutput(
        many=True, help_text="Every post of any status, newest first; at most 200."
    )
    log = ModerationActionOutput(many=True, help_text="Moderation actions, newest first; 100.")
    tally = TallyOutput()
    reasons = ReasonChoiceOutput(many=True, help_text="The reasons a moderator may give.")


class PostReportOutput(serializers.Serializer):
    post = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=ModerationReason.choices)


class BanOutput(serializers.Serializer):
    """payloads.BanPayload."""

    id = serializers.IntegerField()
    municipality = serializers.IntegerField()
    user = serializers.IntegerField()
    username = serializers.CharField()
    reason = serializers.ChoiceField(choices=ModerationReason.choices)
    note = serializers.CharField()
    created_by = serializers.CharField(help_text="The moderator's display name.")
    created_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True, help_text="null: until lifted.")
    lifted_at = serializers.DateTimeField(allow_null=True)


class WatchedKeywordOutput(serializers.Serializer):
    """payloads.WatchedKeywordPayload."""

    id = serializers.IntegerField()
    municipality = serializers.IntegerField()
    phrase = serializers.CharField()
    action = serializers.ChoiceField(choices=WatchedKeyword.Action.choices)


# The session report (api.reports; the shape of sessions.reports.session_report) ----------------


class ReportSessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    municipality = serializers.CharField()
    municipality_slug = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class ReportTotalsOutput(serializers.Serializer):
    citizen_comments = serializers.IntegerField()
    citizens = serializers.IntegerField()
    politician_comments = serializers.IntegerField()
    politicians = serializers.IntegerField()
    comments = serializers.IntegerField()
    questions = serializers.IntegerField()
    citizen_questions = serializers.IntegerField()
    replies = serializers.IntegerField()
    answered_questions = serializers.IntegerField()
    answer_rate = serializers.FloatField(allow_null=True, help_text="0 to 1; null: no questions.")
    questions_answered_live = serializers.IntegerField()
    questions_answered_afterwards = serializers.IntegerField()
    questions_not_answered = serializers.IntegerField()
    questions_online = serializers.IntegerField()
    questions_room = serializers.IntegerField(
        help_text="Entered by a moderator: asked in the room."
    )
    questions_phone = serializers.IntegerField(help_text="Entered by a moderator: asked by phone.")
    questions_with_politician_reply = serializers.IntegerField()
    questions_on_air = serializers.IntegerField(
        help_text="Published questions that were on air (the presenter view) at some time."
    )
    median_first_answer_seconds = serializers.IntegerField(allow_null=True)
    votes = serializers.IntegerField()
    citizen_replies_to_citizens = serializers.IntegerField()
    first_time_citizens = serializers.IntegerField()
    returning_citizens = serializers.IntegerField()
    top_citizens = serializers.IntegerField()
    top_citizens_comment_share = serializers.FloatField(allow_null=True)
    comments_before_start = serializers.IntegerField()
    comments_after_end = serializers.IntegerField()
    removed_comments = serializers.IntegerField()
    pending_comments = serializers.IntegerField()


class ReportCitizenOutput(serializers.Serializer):
    """reports.CitizenRow."""

    name = serializers.CharField(help_text="A pseudonym with ?pseudonymise=1.")
    comments = serializers.IntegerField()
    questions = serializers.IntegerField()
    replies = serializers.IntegerField()
    replies_to_citizens = serializers.IntegerField()
    votes_received = serializers.IntegerField()
    returning = serializers.BooleanField()


class ReportPoliticianOutput(serializers.Serializer):
    """reports.PoliticianRow."""

    name = serializers.CharField()
    party = serializers.CharField()
    role = serializers.CharField()
    comments = serializers.IntegerField()
    questions_answered = serializers.IntegerField()
    median_response_seconds = serializers.IntegerField(allow_null=True)


class ReportMinuteOutput(serializers.Serializer):
    """reports.MinuteRow."""

    minute = serializers.DateTimeField()
    offset = serializers.IntegerField(help_text="Minutes from the start; negative before it.")
    citizens = serializers.IntegerField()
    politicians = serializers.IntegerField()


class ReportPollAnswerOutput(serializers.Serializer):
    """reports.PollAnswerRow."""

    answer = serializers.CharField(help_text="An option's text, a scale value or a word.")
    count = serializers.IntegerField()


class ReportPollOutput(serializers.Serializer):
    """reports.PollRow: a poll that was opened, with totals per answer (never a ballot)."""

    id = serializers.IntegerField()
    question = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    results = serializers.CharField()
    secret = serializers.BooleanField()
    voters = serializers.IntegerField()
    signed_in_viewers = serializers.IntegerField(
        allow_null=True,
        help_text="People watching signed in when the poll closed; null when not known.",
    )
    turnout = serializers.FloatField(
        allow_null=True,
        help_text="voters / signed_in_viewers (4 decimals); null when not known or no viewers.",
    )
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    answers = ReportPollAnswerOutput(many=True)


class SessionReportOutput(serializers.Serializer):
    session = ReportSessionOutput()
    generated_at = serializers.DateTimeField()
    pseudonymised = serializers.BooleanField()
    totals = ReportTotalsOutput()
    per_citizen = ReportCitizenOutput(many=True)
    per_politician = ReportPoliticianOutput(many=True)
    timeline = ReportMinuteOutput(many=True)
    polls = ReportPollOutput(many=True)


# The public record (api.records) -----------------------------------------------------------


class RecordTotalsOutput(serializers.Serializer):
    """payloads.RecordTotalsPayload."""

    questions = serializers.IntegerField()
    replies = serializers.IntegerField()
    votes = serializers.IntegerField()
    citizens = serializers.IntegerField(help_text="Distinct citizens with a published post.")
    answered_live = serializers.IntegerField()
    answered_later = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Not answered yet; the panel may still answer.")
    unanswered = serializers.IntegerField(help_text="Not answered; the follow-up is over.")
    share_answered_live = serializers.FloatField(allow_null=True, help_text="0 to 1.")
    share_answered_later = serializers.FloatField(allow_null=True, help_text="0 to 1.")
    share_not_answered = serializers.FloatField(
        allow_null=True, help_text="0 to 1: open and unanswered questions together."
    )


class PollOptionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class PollOutput(serializers.Serializer):
    """payloads.PollPayload: a poll, never its counts."""

    id = serializers.IntegerField()
    session = serializers.IntegerField()
    question = serializers.CharField()
    kind = serializers.ChoiceField(choices=Poll.Kind.choices)
    options = PollOptionOutput(many=True, help_text="For single and multiple choice polls.")
    max_choices = serializers.IntegerField(allow_null=True)
    min = serializers.IntegerField(allow_null=True, help_text="A scale's low end.")
    max = serializers.IntegerField(allow_null=True, help_text="A scale's high end.")
    min_label = serializers.CharField(allow_blank=True)
    max_label = serializers.CharField(allow_blank=True)
    results = serializers.ChoiceField(choices=Poll.Results.choices)
    secret = serializers.BooleanField()
    allow_change = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Poll.Status.choices)
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class PollResultsOutput(serializers.Serializer):
    """payloads.PollResultsPayload."""

    poll = serializers.IntegerField()
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Per option id, scale value or normalised word (held words left out).",
    )
    voters = serializers.IntegerField()


class RecordPollOutput(serializers.Serializer):
    """payloads.RecordPollPayload: a poll on the public record, with its results."""

    poll = PollOutput()
    results = PollResultsOutput()


class RecordOutput(serializers.Serializer):
    """payloads.RecordPayload: a session's public record."""

    session = SessionOutput()
    generated_at = serializers.DateTimeField()
    questions = QuestionOutput(many=True, help_text="In the order asked.")
    totals = RecordTotalsOutput()
    tally = TallyOutput()
    polls = RecordPollOutput(many=True, help_text="Polls whose results everyone may see.")
