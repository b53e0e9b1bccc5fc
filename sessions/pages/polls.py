"""Polls on the pages: the session page's open polls (a form to vote, results as the poll
allows), the moderation view's drafts and controls, and the presenter view's open poll.

Each POST calls one service (services.polls); its errors become messages. The anonymous session
page is cached per seq (page_cache): what it shows of polls changes only with poll events, and
it never shows anyone's own ballot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..client_ip import client_ip
from ..models import Ballot, Poll, Session
from ..payloads import PollResultsPayload, RecordPollPayload
from ..services.idempotency import KeyReused, perform_once
from . import page_cache, question_cache

# Word-cloud sizes: the most frequent word in the biggest class, the rest in proportion.
CLOUD_SIZES = 5
FRAGMENT_CACHE_SECONDS = 60
# The section of a session without polls (the same for every reader): once per seq and language.
empty_sections: page_cache.LocalCache[str] = page_cache.LocalCache(
    question_cache.SNAPSHOTS, page_cache.LOCAL_TIMEOUT_SECONDS
)


@dataclass
class ResultRow:
    key: str
    label: str
    count: int
    percent: int


@dataclass
class ShownPoll:
    """A poll as one reader sees it: the results only when they may, their own ballot only
    when signed in."""

    poll: Poll
    results: PollResultsPayload | None
    rows: list[ResultRow] = field(default_factory=list)
    cloud: list[tuple[ResultRow, int]] = field(default_factory=list)
    ballot: Ballot | None = None
    can_vote: bool = False
    # Open, but the session stopped taking part by the clock: no more ballots.
    ended: bool = False

    @property
    def version(self) -> str:
        """Changes whenever what the moderation view shows of the poll changes."""
        counts = self.results["counts"] if self.results else {}
        voters = self.results["voters"] if self.results else 0
        return f"{self.poll.status}:{voters}:" + ",".join(f"{k}={v}" for k, v in counts.items())

    @property
    def chosen(self) -> list[str]:
        return list(self.ballot.choices or []) if self.ballot else []

    @property
    def scale_values(self) -> list[int]:
        if self.poll.kind != Poll.Kind.SCALE:
            return []
        return list(range(self.poll.scale_min, self.poll.scale_max + 1))


def result_rows(poll: Poll, results: PollResultsPayload) -> list[ResultRow]:
    """Every answer with its count and its share of the voters, in the poll's order."""
    labels = {str(option.pk): option.text for option in poll.options.all()}
    voters = results["voters"]
    return [
        ResultRow(
            key=key,
            label=labels.get(key, key),
            count=count,
            percent=round(100 * count / voters) if voters else 0,
        )
        for key, count in results["counts"].items()
    ]


def cloud_of(rows: list[ResultRow]) -> list[tuple[ResultRow, int]]:
    """A word cloud's words in alphabetical order, each with its size class (1 to 5)."""
    most = max((row.count for row in rows), default=0)
    sized = [(row, 1 + (CLOUD_SIZES - 1) * row.count // most) for row in rows if most]
    return sorted(sized, key=lambda item: item[0].label)


def shown_polls(
    request: HttpRequest,
    session: Session,
    now: datetime,
    *,
    anonymous: bool,
    with_drafts: bool = False,
    runs_polls: bool | None = None,
) -> list[ShownPoll]:
    """The session's open polls and its closed ones, newest first, as this reader sees them.
    `anonymous`: as every visitor who is not signed in sees them (the cached page).
    `runs_polls`: selectors.may_run_polls for this reader, when the caller knows it already."""
    user = None if anonymous else request.user
    if runs_polls is None:
        runs_polls = bool(user) and selectors.may_run_polls(user, session)
    runs_polls = bool(user) and runs_polls
    if with_drafts and runs_polls:
        polls = list(selectors.session_polls(session, with_drafts=True))
    else:
        polls = list(question_cache.polls_at_seq(session))
    ballots = selectors.own_ballots(user, polls) if user else {}
    accepts = session.accepts_posts_at(now)
    # Read for all at once (a fixed number of queries), shown only where the reader may.
    all_results = selectors.polls_results(polls) if polls else {}
    shown = []
    for poll in reversed(polls):
        ballot = ballots.get(poll.pk)
        if user is None:
            visible = selectors.results_public(poll)
        else:
            visible = selectors.may_see_results(
                user, poll, voted=ballot is not None, runs_polls=runs_polls
            )
        results = all_results[poll.pk] if visible else None
        rows = result_rows(poll, results) if results else []
        shown.append(
            ShownPoll(
                poll=poll,
                results=results,
                rows=rows,
                cloud=cloud_of(rows) if poll.kind == Poll.Kind.WORDS else [],
                ballot=ballot,
                ended=poll.status == Poll.Status.OPEN and not accepts,
                can_vote=bool(
                    user
                    and user.is_authenticated
                    and accepts
                    and poll.status == Poll.Status.OPEN
                    and (ballot is None or poll.allow_change)
                ),
            )
        )
    return shown


def polls_section(
    request: HttpRequest,
    session: Session,
    now: datetime,
    *,
    anonymous: bool,
    csrf_token: str,
    runs_polls: bool | None = None,
) -> str:
    """The session page's polls section, rendered for this reader (or for everyone)."""
    polls = shown_polls(request, session, now, anonymous=anonymous, runs_polls=runs_polls)
    context = {
        "session": session,
        "polls": polls,
        "signed_in": not anonymous and request.user.is_authenticated,
        "csrf_token": csrf_token,
        "page_path": request.path,
    }
    if polls:
        return render_to_string("sessions/_polls.html", context)
    # Without polls the section is only its hidden frame, the same for every reader.
    return empty_sections.get_or_make(
        (session.pk, session.last_seq, translation.get_language()),
        lambda: render_to_string("sessions/_polls.html", context),
    )


def polls_fragment(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET: the polls section alone, for the live page to swap in when a poll opens or closes.
    Not signed in: rendered once per seq and language, as the cached page is."""
    session = get_object_or_404(Session, pk=session_id)
    now = timezone.now()
    if request.GET.get("view") == "present":
        # The presenter's copy: everyone's, as the presenter view itself.
        html = render_to_string(
            "sessions/_presenter_polls.html",
            {"session": session, "polls": presenter_polls(session)},
        )
    elif request.user.is_authenticated:
        html = polls_section(request, session, now, anonymous=False, csrf_token=get_token(request))
    else:
        key = ":".join(
            (
                "polls-fragment",
                str(session.pk),
                str(session.last_seq),
                "accepts" if session.accepts_posts_at(now) else "refuses",
                translation.get_language(),
            )
        )
        html = cache.get(key)
        if html is None:
            html = polls_section(request, session, now, anonymous=True, csrf_token="")
            cache.set(key, html, FRAGMENT_CACHE_SECONDS)
    return HttpResponse(html)


def presenter_polls(session: Session) -> list[dict[str, Any]]:
    """The open polls for the big screen, with their results when everyone may see them."""
    shown = []
    open_polls = [
        poll
        for poll in selectors.session_polls(session, with_drafts=False)
        if poll.status == Poll.Status.OPEN
    ]
    all_results = selectors.polls_results(open_polls) if open_polls else {}
    for poll in open_polls:
        results = all_results[poll.pk] if selectors.results_public(poll) else None
        rows = result_rows(poll, results) if results else []
        shown.append(
            {
                "poll": poll,
                "results": results,
                "rows": rows,
                "cloud": cloud_of(rows) if poll.kind == Poll.Kind.WORDS else [],
            }
        )
    return shown


def _back(session_id: int, poll_id: int | None = None, *, to: str = "session") -> HttpResponse:
    url = reverse(to, args=[session_id])
    return redirect(f"{url}#poll-{poll_id}" if poll_id else url)


def _message(error: Exception) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _numbers(values: list[str]) -> list[int] | str:
    try:
        return [int(value) for value in values]
    except ValueError:
        return "invalid"


def _cast(request: HttpRequest, poll: Poll, answer: dict[str, Any]) -> services.CastBallot:
    return services.cast_ballot(
        poll=poll, user=request.user, client_ip=client_ip(request), **answer
    )


@login_required
@require_POST
def ballot(request: HttpRequest, poll_id: int) -> HttpResponse:
    """Vote from the session page without JavaScript."""
    poll = get_object_or_404(Poll.objects.select_related("session__municipality"), pk=poll_id)
    answer: dict[str, Any] = {}
    if poll.kind == Poll.Kind.SCALE:
        raw = request.POST.get("value", "")
        answer["value"] = int(raw) if raw.lstrip("-").isdigit() else raw or None
    elif poll.kind == Poll.Kind.WORDS:
        answer["words"] = [word for word in request.POST.getlist("words") if word.strip()]
    else:
        answer["choices"] = _numbers(request.POST.getlist("choices"))
    try:
        # A form resent with its Idempotency-Key is one ballot (services.idempotency).
        perform_once(
            user=request.user,
            key=request.headers.get("Idempotency-Key"),
            action=f"POST {request.path}",
            request_body=answer,
            perform=lambda: (
                302,
                {"poll": _cast(request, poll, answer).poll.pk},
            ),
        )
    except KeyReused as error:
        messages.error(request, _message(error))
        # The session page with the message, answered 422 as the question form's is. Imported
        # here: the session page's module imports this one.
        from .sessions import session_page_with_status

        return session_page_with_status(request, poll.session_id, 422)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("Thank you for voting."))
    return _back(poll.session_id, poll.pk)


@login_required
@require_POST
def create(request: HttpRequest, session_id: int) -> HttpResponse:
    """Prepare a draft from the moderation view."""
    session = get_object_or_404(Session, pk=session_id)
    kind = request.POST.get("kind", "")
    options = [line.strip() for line in request.POST.get("options", "").splitlines()]
    fields: dict[str, Any] = {
        "question": request.POST.get("question", ""),
        "kind": kind,
        "options": [option for option in options if option],
        "results": request.POST.get("results", Poll.Results.LIVE),
        "secret": request.POST.get("secret") == "on",
        "allow_change": request.POST.get("allow_change") == "on",
    }
    try:
        if kind == Poll.Kind.MULTIPLE and request.POST.get("max_choices"):
            fields["max_choices"] = int(request.POST["max_choices"])
        if kind == Poll.Kind.SCALE:
            fields["scale_min"] = int(request.POST.get("min") or 1)
            fields["scale_max"] = int(request.POST.get("max") or 5)
            fields["min_label"] = request.POST.get("min_label", "")
            fields["max_label"] = request.POST.get("max_label", "")
        services.create_poll(session=session, user=request.user, **fields)
    except ValueError:
        messages.error(request, _("Give whole numbers."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("The poll is ready as a draft."))
    # Someone who may not prepare polls cannot open the moderation view either.
    allowed = selectors.may_create_polls(request.user, session)
    return _back(session.pk, to="moderation" if allowed else "session")


@login_required
@require_POST
def control(request: HttpRequest, poll_id: int) -> HttpResponse:
    """Open or close a poll (the moderation view, or the panel's session page)."""
    poll = get_object_or_404(Poll, pk=poll_id)
    service = services.close_poll if request.POST.get("op") == "close" else services.open_poll
    try:
        service(poll=poll, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _message(error))
    target = "moderation" if request.POST.get("from") == "moderation" else "session"
    if target == "moderation" and not selectors.is_moderator(request.user, poll.session):
        target = "session"
    return _back(poll.session_id, poll.pk if target == "session" else None, to=target)


def live_page_strings() -> dict[str, str]:
    """Strings the pages' scripts need for polls, in the page's language."""
    return {
        "poll_opened": _("A poll has opened: %(question)s"),
        "poll_closed": _("The poll has closed: %(question)s"),
        "poll_voters_one": _("%(count)s voter"),
        "poll_voters_many": _("%(count)s voters"),
    }


def record_polls(record_polls: list[RecordPollPayload]) -> list[dict[str, Any]]:
    """The public record's polls as tables: each answer's label, count and share of voters."""
    tables = []
    for entry in record_polls:
        poll, results = entry["poll"], entry["results"]
        labels = {str(option["id"]): option["text"] for option in poll["options"]}
        voters = results["voters"]
        tables.append(
            {
                "question": poll["question"],
                "voters": voters,
                "rows": [
                    {
                        "label": labels.get(key, key),
                        "count": count,
                        "percent": round(100 * count / voters) if voters else 0,
                    }
                    for key, count in results["counts"].items()
                ],
            }
        )
    return tables
