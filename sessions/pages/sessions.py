"""Pages. Each POST calls one service; its errors become form errors or messages."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape, json_script
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import CreateView

from .. import selectors, services
from ..client_ip import client_ip
from ..models import Post, Session
from ..payloads import iso, session_payload
from ..services import identity
from ..services.idempotency import KeyReused, perform_once
from . import calendars, context_processors, embed, moderation, page_cache, polls, question_cache
from .forms import AskForm, EnterQuestionForm, ExtendForm, ReplyForm, SignupForm


def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    municipalities = [
        (municipality, calendars.webcal_url(request, municipality))
        for municipality in selectors.municipalities_by_name()
    ]
    sessions = selectors.sessions_for_home(now)
    return render(
        request,
        "sessions/home.html",
        {
            "sessions": sessions,
            "calendars": municipalities,
            "reminded_ids": selectors.reminded_session_ids(request.user, sessions.upcoming),
            "reminder_minutes": settings.TOWNHALL_REMINDER_MINUTES,
        },
    )


def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    if not request.user.is_authenticated and not messages.get_messages(request):
        return _anonymous_session_page(request, question_cache.session_at_newest_seq(session_id))
    return _render_session_page(request, question_cache.session_with_panel(session_id))


def _anonymous_session_page(request: HttpRequest, session: Session) -> HttpResponse:
    """The page as every visitor who is not signed in sees it: rendered once per session state
    (pages/page_cache.py), with this visitor's CSRF token and the server's clock in its tail."""
    now = timezone.now()
    ordering = _ordering(request)
    key = ":".join(
        (
            str(session.pk),
            str(session.last_seq),
            session.status_at(now),
            "accepts" if session.accepts_posts_at(now) else "refuses",
            # Past it, open questions read as not answered, and the page says the record closed.
            "record-closed" if session.follow_up_over_at(now) else "answering",
            translation.get_language(),
            ordering,
        )
    )

    def render_for_everyone() -> str:
        prefetch_related_objects([session], "politicians")
        context = _session_page_context(
            request, session, now=now, clock=page_cache.CLOCK_SLOT, ordering=ordering
        )
        context = _whole_page_context(request, session, context, now=now)
        context["csrf_token"] = page_cache.TOKEN_SLOT
        html = render_to_string("sessions/session.html", context, request=None)
        # Nobody's token: the slot stays where forms would carry it (page_cache fills the tail).
        return _join_page(html, context, token=page_cache.TOKEN_SLOT).decode()

    page = page_cache.shared_page(key, render_for_everyone)
    return page_cache.page_response(
        request, page, csrf_token=get_token(request), server_now=iso(now)
    )


def _ordering(request: HttpRequest) -> str:
    ordering = request.GET.get("ordering", selectors.DEFAULT_QUESTION_ORDERING)
    if ordering not in ("-votes", "-created"):
        return selectors.DEFAULT_QUESTION_ORDERING
    return ordering


def _page_path(request: HttpRequest, ordering: str) -> str:
    """The page's own address for "log in and come back": only the query it understands."""
    if "ordering" in request.GET:
        return f"{request.path}?ordering={ordering}"
    return request.path


def _render_session_page(
    request: HttpRequest,
    session: Session,
    *,
    ask_form: AskForm | None = None,
    failed_reply: tuple[int, ReplyForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    context = _session_page_context(
        request,
        session,
        now=now,
        clock=iso(now),
        ordering=_ordering(request),
        ask_form=ask_form,
        failed_reply=failed_reply,
    )
    token = get_token(request)
    if ask_form is None and failed_reply is None and _shares_the_citizens_page(request, context):
        html = _citizens_page(request, session, context, token=token, clock=iso(now), now=now)
    else:
        context = _whole_page_context(request, session, context, now=now)
        html = render_to_string("sessions/session.html", context, request=request)
        html = html.replace(page_cache.TOKEN_SLOT, token)
    body = _join_page(html, context, token=token)
    return HttpResponse(body, status=status)


# The signed-in page of a citizen with no part of their own in the session (not staff, not a
# moderator or on its panel, not banned, no posts of theirs waiting, no refused form, no
# message to show) is the same for every such citizen but for a few values, so it is rendered
# once per look with a slot for each of them and kept in this process: the shell. Rendered
# without the request, as a look rather than as this reader, so nothing of theirs can stay
# in it; a test renders both ways and compares.
NAME_SLOT = "townhall-slot-name"
UNREAD_SLOT = "townhall-slot-unread"
POLLS_SLOT = "townhall-slot-polls"
VOTED_SLOT = "townhall-slot-voted"
REMINDER_SLOT = "townhall-slot-reminder"
READER_SLOTS = re.compile(
    "|".join(
        re.escape(slot)
        for slot in (
            page_cache.TOKEN_SLOT,
            page_cache.CLOCK_SLOT,
            NAME_SLOT,
            UNREAD_SLOT,
            POLLS_SLOT,
            VOTED_SLOT,
            REMINDER_SLOT,
        )
    )
)
shells: page_cache.LocalCache[str] = page_cache.LocalCache(
    question_cache.SNAPSHOTS, page_cache.LOCAL_TIMEOUT_SECONDS
)
# Turn it off to render every signed-in page whole (the test comparing both ways does).
SHARE_CITIZENS_PAGE = True


@dataclass(frozen=True)
class CitizenLook:
    """`user` in the shell's template: a signed-in citizen, whose name is a slot."""

    is_authenticated: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    username: str = NAME_SLOT

    def get_full_name(self) -> str:
        return ""


def _shares_the_citizens_page(request: HttpRequest, context: dict[str, Any]) -> bool:
    user = request.user
    return (
        SHARE_CITIZENS_PAGE
        and user.is_authenticated
        and not (user.is_staff or user.is_superuser)
        and not context["can_moderate"]
        and context["me_politician"] is None
        and not context["my_ban_message"]
        and not context["own_unpublished"]
        # Not read, so still shown on the next page: len() loads them without using them.
        and not len(messages.get_messages(request))
    )


def _citizens_page(
    request: HttpRequest,
    session: Session,
    context: dict[str, Any],
    *,
    token: str,
    clock: str,
    now: datetime,
) -> str:
    """The page of a citizen with no part of their own: the shell for their look, with their
    form token, clock, name, notifications, polls and votes in its slots (in one pass, so what
    one value holds is never taken for a slot)."""
    key = (
        session.pk,
        session.last_seq,
        context["status"],
        context["accepts_posts"],
        context["follow_up_over"],
        translation.get_language(),
        context["ordering"],
        context["page_path"],
        context["verification_message"],
        # The calendar's and the oEmbed's absolute addresses.
        request.build_absolute_uri("/"),
    )

    def render_the_look() -> str:
        look = {
            **_whole_page_context(request, session, context, now=now),
            **context_processors.sign_in_options(request),
            "user": CitizenLook(),
            "csrf_token": page_cache.TOKEN_SLOT,
            "clock": {"server_now": page_cache.CLOCK_SLOT},
            "unread_badge": UNREAD_SLOT,
            "polls_html": POLLS_SLOT,
            "reminder_html": REMINDER_SLOT,
            "state_json": _state_json(session, now, voted_json=VOTED_SLOT),
        }
        return render_to_string("sessions/session.html", look, request=None)

    shell = shells.get_or_make(key, render_the_look)
    user = request.user
    values = {
        page_cache.TOKEN_SLOT: token,
        page_cache.CLOCK_SLOT: clock,
        NAME_SLOT: conditional_escape(user.get_full_name() or user.get_username()),
        UNREAD_SLOT: context_processors.unread_badge(user),
        VOTED_SLOT: question_cache.script_json(sorted(context["voted"])),
        # Filled in this same pass, which does not look into what it puts in: their forms'
        # token is put in here.
        POLLS_SLOT: context["polls_html"].replace(page_cache.TOKEN_SLOT, token),
        REMINDER_SLOT: context["reminder_html"].replace(page_cache.TOKEN_SLOT, token),
    }
    return READER_SLOTS.sub(lambda slot: values[slot.group()], shell)


def _join_page(html: str, context: dict[str, Any], *, token: str) -> bytes:
    """The rendered page with the questions' markup and their payloads' JSON in their slots:
    both come in UTF-8 already, made once per session state (the markup in pieces rendered for
    many readers, joined here with this reader's form token), and are most of the page, so
    they never pass through the template or its strings."""
    # From the right: what a citizen writes (their name in the header) stands before both.
    rest, _, after = html.rpartition(page_cache.PAYLOADS_SLOT)
    before, _, middle = rest.rpartition(page_cache.QUESTIONS_SLOT)
    return b"".join(
        (
            before.encode(),
            b"".join(token.encode().join(pieces) for pieces in context["articles"]),
            middle.encode(),
            context["payloads_json"],
            after.encode(),
        )
    )


def session_page_with_status(request: HttpRequest, session_id: int, status: int) -> HttpResponse:
    """The session page as this reader sees it (with any messages), answered with `status`: a
    refused form that has no form of its own to show the refusal on."""
    return _render_session_page(request, selectors.session_with_panel(session_id), status=status)


def _session_page_context(
    request: HttpRequest,
    session: Session,
    *,
    now: datetime,
    clock: str,
    ordering: str,
    ask_form: AskForm | None = None,
    failed_reply: tuple[int, ReplyForm] | None = None,
) -> dict[str, Any]:
    # The snapshot is read at the session's seq: events after it are replayed, and applying one
    # that the questions already show changes nothing (every event is idempotent on the client).
    shown = question_cache.snapshot(session, ordering, now)
    me = selectors.politician_for(request.user, session)
    # The panel is prefetched: asking the selector again costs no query.
    can_mark_answered = selectors.may_mark_answered(request.user, session)
    viewer = selectors.viewer_facts(request.user, session, now)
    voted = set(viewer.voted)
    accepts_posts = session.accepts_posts_at(now)
    accepts_answers = not session.follow_up_over_at(now)
    moderation_context = moderation.session_page_context(request, session, shown.tally, viewer)
    # Panel politicians, moderators and staff (selectors.may_put_on_air), without asking twice.
    can_put_on_air = bool(me or moderation_context["can_moderate"])
    # What a question's markup needs besides the question (question_cache.Reader says which
    # of it may differ between readers).
    question_context = {
        "user": request.user,
        "voted": voted,
        "accepts_posts": accepts_posts,
        "accepts_answers": accepts_answers,
        "can_mark_answered": can_mark_answered,
        "can_put_on_air": can_put_on_air,
        "me_politician": me,
        "report_reasons": moderation_context["report_reasons"],
        "max_length": settings.TOWNHALL_MAX_POST_LENGTH,
        "csrf_token": page_cache.TOKEN_SLOT,
    }

    payloads = {payload["id"]: payload for payload in shown.payloads}

    def render_question(question: Post) -> str:
        payload = payloads[question.pk]
        # Only a refused reply comes back with its form: its errors and the text to keep. The
        # snapshot's posts are shared between requests: that one is copied first.
        if failed_reply and question.pk == failed_reply[0]:
            question = copy.copy(question)
            question.reply_form = failed_reply[1]
        return render_to_string(
            "sessions/_question.html",
            {
                **question_context,
                "question": question,
                "fate": payload["fate"],
            },
        )

    reader = question_cache.Reader(
        user_id=request.user.pk if request.user.is_authenticated else None,
        voted=frozenset(voted),
        can_mark_answered=can_mark_answered,
        can_put_on_air=can_put_on_air,
        politician=me,
        accepts_posts=accepts_posts,
        accepts_answers=accepts_answers,
    )
    articles = question_cache.question_articles(
        shown, reader, render_question, alone={failed_reply[0]} if failed_reply else set()
    )

    def render_blank(name: str) -> str:
        blank = _blank_post(session)
        template, name_in_template = BLANK_TEMPLATES[name]
        return render_to_string(template, {**question_context, name_in_template: blank})

    return {
        **question_context,
        **moderation_context,
        # Not signed in: the page is everyone's (cached per seq), so no one's own ballot.
        "polls_html": mark_safe(
            polls.polls_section(
                request,
                session,
                now,
                anonymous=not request.user.is_authenticated,
                csrf_token=page_cache.TOKEN_SLOT,
                # selectors.may_run_polls is may_put_on_air: known already, without a query.
                runs_polls=can_put_on_air,
            )
        ),
        "session": session,
        "status": session.status_at(now),
        # "Remind me" or "Take back the reminder": the reader's own (a slot of the shell).
        "reminder_html": _reminder_html(request, session, viewer.reminded, ordering),
        "follow_up_over": not accepts_answers,
        # Signed-in readers only (the anonymous page is cached): how to take part here.
        "verification_message": identity.verification_needed(request.user, session),
        "questions": shown.questions,
        # The questions' markup joins the page after rendering (see _render_session_page).
        "question_articles": page_cache.QUESTIONS_SLOT,
        "articles": articles,
        "payloads_json": shown.payloads_json,
        "ordering": ordering,
        "page_path": _page_path(request, ordering),
        "ask_form": ask_form,
        "clock": {"server_now": clock},
        # Rendered into <template> elements: the live page clones them for new posts, so a
        # post added live has the same markup as one rendered by the server.
        "blanks": question_cache.blank_articles(reader, render_blank),
        "voted": voted,
    }


# The reminder form in its few versions (reminded or not, with an e-mail address or not),
# with the token's slot: the same for many readers.
reminder_forms: page_cache.LocalCache[SafeString] = page_cache.LocalCache(
    question_cache.SNAPSHOTS * 8, page_cache.LOCAL_TIMEOUT_SECONDS
)


def _reminder_html(
    request: HttpRequest, session: Session, reminded: bool, ordering: str
) -> SafeString:
    user = request.user
    page_path = _page_path(request, ordering)
    key = (
        session.pk,
        # The session's title is in it: a change of it is an event.
        session.last_seq,
        translation.get_language(),
        user.is_authenticated,
        reminded,
        bool(user.is_authenticated and user.email),
        page_path,
    )
    return reminder_forms.get_or_make(
        key,
        lambda: mark_safe(
            render_to_string(
                "sessions/_reminder.html",
                {
                    "user": user,
                    "session": session,
                    "reminded": reminded,
                    "reminder_minutes": settings.TOWNHALL_REMINDER_MINUTES,
                    "page_path": page_path,
                    "csrf_token": page_cache.TOKEN_SLOT,
                },
            )
        ),
    )


def _whole_page_context(
    request: HttpRequest, session: Session, context: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """`context` (the reader's, _session_page_context) with what only rendering the whole page
    needs: a citizen's page made from the shell of their look has it already."""
    me = context["me_politician"]
    return {
        **context,
        "calendar": calendars.calendar_links(request, session),
        "oembed_url": embed.oembed_discovery_url(request, session),
        "embed": embed.staff_snippets(request, session) if request.user.is_staff else None,
        # Only a panel politician's page lists them.
        "open_questions": sorted(
            (q for q in context["questions"] if not q.is_answered and not q.merged_into_id),
            key=lambda q: (-q.vote_count, q.created_at),
        )
        if me
        else [],
        "ask_form": context["ask_form"] or AskForm(),
        "enter_form": EnterQuestionForm(),
        "time_zone": settings.TIME_ZONE,
        "state_json": _state_json(
            session, now, voted_json=question_cache.script_json(sorted(context["voted"]))
        ),
        "i18n_script": live_page_strings_script(translation.get_language()),
    }


def _state_json(session: Session, now: datetime, *, voted_json: str) -> SafeString:
    """The page's state for session.js: {"seq", "session", "questions", "voted"}. The questions'
    JSON joins the page after rendering (_join_page)."""
    return mark_safe(
        "".join(
            (
                '{"seq": ',
                question_cache.script_json(session.last_seq),
                ', "session": ',
                question_cache.script_json(session_payload(session, now)),
                ', "questions": ',
                page_cache.PAYLOADS_SLOT,
                ', "voted": ',
                voted_json,
                "}",
            )
        )
    )


BLANK_TEMPLATES = {
    "question": ("sessions/_question.html", "question"),
    "reply": ("sessions/_reply.html", "reply"),
    "own_post": ("sessions/_own_post.html", "post"),
}


def _blank_post(session: Session) -> Post:
    # The script fills in every post's own time; a fixed one keeps the blank the same for all.
    post = Post(pk=0, session=session, body="", created_at=session.starts_at)
    post.published_replies = []
    return post


def live_page_strings() -> dict[str, str]:
    """Strings the live page's script shows, translated for the page's language."""
    return {
        "live": _("Live"),
        "scheduled": _("Scheduled"),
        "collecting": _("Collecting questions"),
        "collecting_message": _(
            "Questions are open: ask and upvote now. The panel answers the most wanted live "
            "from %(start)s."
        ),
        "closed": _("Closed"),
        "cancelled": _("Cancelled"),
        "cancelled_message": _("This session has been cancelled. It will not take place."),
        "starts_in": _("Starts in %(time)s"),
        "ends_in": _("Ends in %(time)s"),
        "not_started": _("This session has not started yet. It opens for questions at %(start)s."),
        "closed_message": _(
            "This session has closed and is now a read-only archive. New posts are not accepted."
        ),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "connected": _("Live"),
        "mark_answered": _("Mark answered"),
        "answered_live": _("Answered live"),
        "channel_room": _("Asked in the room"),
        "channel_phone": _("Asked by phone"),
        "answered_later": _("Answered afterwards, %(date)s"),
        "follow_up_open": _("The panel answers open questions in writing until %(date)s."),
        "follow_up_over": _("The panel's written answers ended on %(date)s."),
        "mark_unanswered": _("Mark unanswered"),
        "put_on_air": _("Put on air"),
        "take_off_air": _("Take off air"),
        "votes_one": _("%(count)s vote"),
        "votes_many": _("%(count)s votes"),
        "error": _("Something went wrong. Please try again."),
        "resending": _("Your text is kept and is sent again by itself in a moment."),
        "days": _("%(days)s d"),
        "no_panel": _("No politicians on the panel yet."),
        "new_question": _("New question from %(author)s."),
        "new_reply": _("New reply from %(author)s."),
        "new_answer": _("%(author)s answered."),
        "held_one": _("%(count)s new question, show"),
        "held_many": _("%(count)s new questions, show"),
        "held_updates": _("New updates, show"),
        "viewers_one": _("%(count)s person watching"),
        "viewers_many": _("%(count)s people watching"),
        "signed_out": _("You have signed out. What you typed is kept for when you sign in."),
        "login_expired": _(
            "Your session has expired. What you typed is kept for when you sign in again."
        ),
        "sign_in_again": _("Sign in again"),
        **moderation.live_page_strings(),
        **polls.live_page_strings(),
    }


@functools.lru_cache(maxsize=16)
def live_page_strings_script(language: str) -> SafeString:
    """live_page_strings as the page's <script> element: the same for every page in a language,
    made once (`language` is the active one, and the key)."""
    return json_script(live_page_strings(), "session-i18n")


def _back_to(session_id: int, post_id: int | None = None) -> HttpResponse:
    url = reverse("session", args=[session_id])
    return redirect(f"{url}#post-{post_id}" if post_id else url)


def _once(request: HttpRequest, form_data: object, write: Callable[[], Post]) -> int:
    """The id of the post `write()` makes; for an Idempotency-Key header this user sent before
    with the same form, the id it made then (services.idempotency): a resent form is one post."""
    outcome = perform_once(
        user=request.user,
        key=request.headers.get("Idempotency-Key"),
        action=f"POST {request.path}",
        request_body=form_data,
        perform=lambda: (302, {"id": write().pk}),
    )
    return outcome.body["id"]


def _refused_status(error: ValidationError) -> int:
    return 422 if isinstance(error, KeyReused) else 400


@login_required
@require_POST
def ask(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_with_panel(session_id)
    form = AskForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            question_id = _once(
                request,
                form.cleaned_data,
                lambda: services.post_question(
                    session=session,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    client_ip=client_ip(request),
                ),
            )
        except ValidationError as error:
            form.add_error(None, error)
            if isinstance(error, services.RateLimited):
                return _rate_limited(_render_session_page(request, session, ask_form=form), error)
            status = _refused_status(error)
        except services.Banned as banned:
            form.add_error(None, str(banned))
        except services.VerificationRequired as refused:
            form.add_error(None, str(refused))
            return _render_session_page(request, session, ask_form=form, status=403)
        else:
            return _back_to(session.pk, question_id)
    return _render_session_page(request, session, ask_form=form, status=status)


@login_required
@require_POST
def enter_question(request: HttpRequest, session_id: int) -> HttpResponse:
    """A moderator or staff enters a question asked in the room or by phone."""
    session = selectors.session_with_panel(session_id)
    form = EnterQuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back_to(session.pk)
    try:
        question = services.enter_question(
            session=session,
            user=request.user,
            body=form.cleaned_data["body"],
            channel=form.cleaned_data["channel"],
            asked_by=form.cleaned_data["asked_by"],
        )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return _back_to(session.pk)
    return _back_to(session.pk, question.pk)


def _rate_limited(response: HttpResponse, error: services.RateLimited) -> HttpResponse:
    """The page with the form and its message, answered 429 with Retry-After."""
    response.status_code = 429
    response["Retry-After"] = str(error.retry_after)
    return response


@login_required
@require_POST
def reply(request: HttpRequest, post_id: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=post_id)
    form = ReplyForm(request.POST)
    status = 400

    def write() -> Post:
        if form.cleaned_data["mark_answered"]:
            return services.answer_question(
                question=post, author=request.user, body=form.cleaned_data["body"]
            )
        return services.post_reply(
            post=post,
            author=request.user,
            body=form.cleaned_data["body"],
            client_ip=client_ip(request),
        )

    if form.is_valid():
        try:
            created_id = _once(request, form.cleaned_data, write)
        except ValidationError as error:
            form.add_error(None, error)
            if isinstance(error, services.RateLimited):
                session = selectors.session_with_panel(post.session_id)
                page = _render_session_page(
                    request, session, failed_reply=(post.parent_id or post.pk, form)
                )
                return _rate_limited(page, error)
            status = _refused_status(error)
        except (services.Banned, services.VerificationRequired) as refused:
            form.add_error(None, str(refused))
            status = 403 if isinstance(refused, services.VerificationRequired) else 400
        else:
            return _back_to(post.session_id, created_id)
    session = selectors.session_with_panel(post.session_id)
    return _render_session_page(
        request, session, failed_reply=(post.parent_id or post.pk, form), status=status
    )


@login_required
@require_POST
def vote(request: HttpRequest, post_id: int) -> HttpResponse:
    question = get_object_or_404(Post, pk=post_id)
    action = "unvote" if request.POST.get("action") == "unvote" else "vote"
    service = services.unvote if action == "unvote" else services.vote
    try:
        _once(
            request,
            {"action": action},
            lambda: service(question=question, user=request.user, client_ip=client_ip(request)),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except services.Banned as banned:
        messages.error(request, str(banned))
    except services.VerificationRequired as refused:
        # No form to show it on: the message on the session page, answered 403.
        messages.error(request, str(refused))
        session = selectors.session_with_panel(question.session_id)
        return _render_session_page(request, session, status=403)
    return _back_to(question.session_id, question.pk)


@login_required
@require_POST
def mark_answered(request: HttpRequest, post_id: int) -> HttpResponse:
    question = get_object_or_404(Post, pk=post_id)
    answered = request.POST.get("answered", "true") != "false"
    try:
        services.mark_answered(question=question, user=request.user, answered=answered)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to(question.session_id, question.pk)


@login_required
@require_POST
def on_air(request: HttpRequest, post_id: int) -> HttpResponse:
    question = get_object_or_404(Post, pk=post_id)
    service = (
        services.take_off_air if request.POST.get("on_air") == "false" else services.put_on_air
    )
    try:
        service(question=question, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    return _back_to(question.session_id, question.pk)


@login_required
@require_POST
def control(request: HttpRequest, session_id: int) -> HttpResponse:
    """Staff controls on the session page: open now, extend, close now, cancel."""
    session = get_object_or_404(Session, pk=session_id)
    action = request.POST.get("action")
    try:
        if action == "open":
            services.open_session(session=session, user=request.user)
        elif action == "close":
            services.close_session(session=session, user=request.user)
        elif action == "cancel":
            if request.POST.get("confirm") != "yes":
                raise ValidationError(_("Tick the box to confirm that the session is cancelled."))
            services.cancel_session(session=session, user=request.user)
        elif action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                raise ValidationError(
                    [message for errors in form.errors.values() for message in errors]
                )
            services.extend_session(
                session=session,
                user=request.user,
                minutes=form.cleaned_data["minutes"],
                until=form.cleaned_data["until"],
            )
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back_to(session.pk)


class SignupView(CreateView):
    form_class = SignupForm
    template_name = "registration/signup.html"

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        # TOWNHALL_PASSWORD_SIGNUP=0: citizens sign up through the identity provider only.
        if not settings.TOWNHALL_PASSWORD_SIGNUP:
            return render(request, "registration/signup_closed.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: SignupForm) -> HttpResponse:
        user = form.save()
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        next_url = self.request.GET.get("next", "")
        # Only back to this site: a link that signs people up must not send them elsewhere.
        if url_has_allowed_host_and_scheme(
            next_url,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return redirect(next_url)
        return redirect("home")
