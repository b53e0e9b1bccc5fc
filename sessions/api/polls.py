"""Polls: list and prepare a session's polls, open and close one, cast a ballot, read results.

The rules live in services.polls and selectors (who may see which results); here only HTTP.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..client_ip import client_ip
from ..models import Poll, Session
from ..payloads import poll_payload
from .idempotency import idempotent
from .inputs import object_or_404, possible_id, valid_input
from .schema import (
    IDEMPOTENCY_KEY,
    KEY_REUSED,
    NOT_FOUND,
    RATE_LIMITED,
    READ_ERRORS,
    WRITE_ERRORS,
)
from .serializers import (
    PollOutput,
    PollResultsOutput,
    ServiceCheckedChoiceField,
    StrictBooleanField,
    StrictCharField,
    StrictInput,
    StrictIntegerField,
)
from .views import ReadOrSignedIn


def _messages(detail: object) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


class FlatListField(serializers.ListField):
    """A list whose items' errors come as one flat list of messages: the 400 shape the schema
    documents ({"field": ["message"]}), not DRF's {"field": {"0": [...]}}."""

    def to_internal_value(self, data: object) -> list:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(
                list(dict.fromkeys(_messages(error.detail)))
            ) from error


class BallotOutput(serializers.Serializer):
    poll = serializers.IntegerField()
    voted = serializers.BooleanField()
    results = PollResultsOutput(
        allow_null=True, help_text="The results when this voter may see them now, else null."
    )


class PollInput(StrictInput):
    question = StrictCharField(trim_whitespace=False, allow_blank=True)
    kind = ServiceCheckedChoiceField(choices=Poll.Kind.choices)
    options = FlatListField(
        child=StrictCharField(trim_whitespace=False, allow_blank=True),
        required=False,
        default=list,
        help_text="The options' texts, for single and multiple choice.",
    )
    max_choices = StrictIntegerField(required=False, allow_null=True, default=None)
    min = StrictIntegerField(required=False, allow_null=True, default=None)
    max = StrictIntegerField(required=False, allow_null=True, default=None)
    min_label = StrictCharField(required=False, allow_blank=True, default="")
    max_label = StrictCharField(required=False, allow_blank=True, default="")
    results = ServiceCheckedChoiceField(
        choices=Poll.Results.choices, required=False, default=Poll.Results.LIVE
    )
    secret = StrictBooleanField(required=False, default=False)
    allow_change = StrictBooleanField(required=False, default=False)


class BallotInput(StrictInput):
    choices = FlatListField(child=StrictIntegerField(), required=False, help_text="Option ids.")
    value = StrictIntegerField(required=False, help_text="A scale's value.")
    words = FlatListField(
        child=StrictCharField(trim_whitespace=False, allow_blank=True),
        required=False,
        help_text="One to three words of at most 40 characters.",
    )


POLL_WRITE_RESPONSES = {200: PollOutput, 404: NOT_FOUND, **WRITE_ERRORS}


class SessionPollsView(APIView):
    permission_classes = [ReadOrSignedIn]

    @extend_schema(
        operation_id="polls_list",
        responses={200: PollOutput(many=True), 404: NOT_FOUND, **READ_ERRORS},
        description="The session's polls, oldest first; drafts only for the panel, moderators "
        "and staff. Counts are at /api/polls/{id}/results/.",
        tags=["polls"],
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        with_drafts = selectors.may_run_polls(request.user, session)
        polls = selectors.session_polls(session, with_drafts=with_drafts)
        return Response([poll_payload(poll) for poll in polls])

    @extend_schema(
        operation_id="polls_create",
        request=PollInput,
        responses={201: PollOutput, 404: NOT_FOUND, **WRITE_ERRORS},
        description="Prepare a poll as a draft. Moderators and staff.",
        tags=["polls"],
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = object_or_404(Session, session_id)
        fields = valid_input(PollInput, request)
        poll = services.create_poll(
            session=session,
            user=request.user,
            question=fields["question"],
            kind=fields["kind"],
            options=fields["options"],
            max_choices=fields["max_choices"],
            scale_min=fields["min"],
            scale_max=fields["max"],
            min_label=fields["min_label"],
            max_label=fields["max_label"],
            results=fields["results"],
            secret=fields["secret"],
            allow_change=fields["allow_change"],
        )
        return Response(poll_payload(poll), status=status.HTTP_201_CREATED)


class PollControlView(APIView):
    """No body: any body sent is ignored. Panel politicians, moderators and staff."""

    permission_classes = [IsAuthenticated]
    action = "open"

    @extend_schema(
        request=None,
        responses=POLL_WRITE_RESPONSES,
        description="Open a draft (broadcasts poll.opened) or close an open poll (broadcasts "
        "poll.closed).",
        tags=["polls"],
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll = object_or_404(Poll, poll_id)
        service = services.open_poll if self.action == "open" else services.close_poll
        return Response(poll_payload(service(poll=poll, user=request.user)))


def _sees_results(request: Request, poll: Poll, voted: bool) -> bool:
    # Whether the reader runs polls (two queries) is asked only when the poll's own setting
    # does not show them the results already.
    if selectors.may_see_results(request.user, poll, voted=voted, runs_polls=False):
        return True
    return selectors.may_run_polls(request.user, poll.session)


class BallotView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ballot_create",
        request=BallotInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: BallotOutput,
            404: NOT_FOUND,
            422: KEY_REUSED,
            429: RATE_LIMITED,
            **WRITE_ERRORS,
        },
        description='Cast or change a ballot: {"choices": [option ids]} for single and '
        'multiple choice, {"value": n} for a scale, {"words": ["…"]} for a word cloud. '
        "Resent with the same Idempotency-Key, it gets its first answer and counts nothing new.",
        tags=["polls"],
    )
    def post(self, request: Request, poll_id: int) -> Response:
        poll = selectors.poll_for_ballot(possible_id(Poll, poll_id))
        fields = valid_input(BallotInput, request)
        return idempotent(request, body=fields, perform=lambda: self.cast(request, poll, fields))

    @staticmethod
    def cast(request: Request, poll: Poll, fields: dict[str, Any]) -> Response:
        cast = services.cast_ballot(
            poll=poll,
            user=request.user,
            choices=fields.get("choices"),
            value=fields.get("value"),
            words=fields.get("words"),
            client_ip=client_ip(request),
        )
        visible = _sees_results(request, cast.poll, voted=True)
        return Response(
            {"poll": poll.pk, "voted": True, "results": cast.results if visible else None}
        )


class PollResultsView(APIView):
    permission_classes = [ReadOrSignedIn]

    @extend_schema(
        operation_id="poll_results",
        responses={200: PollResultsOutput, 403: WRITE_ERRORS[403], 404: NOT_FOUND, **READ_ERRORS},
        description="The counts, for those who may see them now (the poll's `results`): "
        "others get 403.",
        tags=["polls"],
    )
    def get(self, request: Request, poll_id: int) -> Response:
        poll = object_or_404(Poll.objects.select_related("session"), poll_id)
        voted = bool(selectors.own_ballots(request.user, [poll]))
        if not _sees_results(request, poll, voted=voted):
            raise PermissionDenied(_("You cannot see this poll's results now."))
        return Response(selectors.poll_results(poll))
