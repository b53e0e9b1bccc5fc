"""Moderation pages: the live moderation view of a session, and what the session page adds.

Each POST calls one service (services.moderation); its errors become messages. With JavaScript,
sessions/static/sessions/moderation.js sends the same forms through the JSON API instead.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..client_ip import client_ip
from ..models import Ban, ModerationReason, Poll, Post, Session, WatchedKeyword
from ..payloads import TallyPayload, reason_label
from ..services.ratelimits import SHARED_CACHE_ERRORS
from . import polls


def tally_text(tally: TallyPayload) -> str:
    """ "3 posts hidden: off-topic 2, personal attack 1", or "" when nothing was removed."""
    if not tally["hidden"]:
        return ""
    head = ngettext("%(count)s post hidden", "%(count)s posts hidden", tally["hidden"]) % {
        "count": tally["hidden"]
    }
    parts = [f"{reason_label(row['reason'])} {row['count']}" for row in tally["reasons"]]
    return f"{head}: {', '.join(parts)}"


def own_post_state(post: Post) -> str:
    """What the author reads beside a post others do not see."""
    if post.status == Post.Status.PENDING:
        return _("Awaiting approval: only you can see it until a moderator approves it.")
    reason = reason_label(post.moderation_reason)
    if post.status == Post.Status.HIDDEN:
        text = _("Hidden by a moderator. Reason: %(reason)s.") % {"reason": reason}
    else:
        text = _("Rejected by a moderator. Reason: %(reason)s.") % {"reason": reason}
    return f"{text} {post.moderation_note}".strip()


def session_page_context(
    request: HttpRequest, session: Session, tally: TallyPayload, viewer: selectors.ViewerFacts
) -> dict[str, Any]:
    """What the session page shows about moderation: the public tally, the reader's own
    unpublished posts with their state, their ban, the report reasons, the moderators' link.
    `viewer` says whether there are unpublished posts or a ban to read at all."""
    own = (
        list(selectors.own_unpublished_posts(request.user, session))
        if viewer.has_unpublished
        else []
    )
    for post in own:
        post.own_state = own_post_state(post)
    return {
        "can_moderate": viewer.moderates,
        "tally_text": tally_text(tally),
        "own_unpublished": own,
        "my_ban_message": _ban_message(request, session) if viewer.banned else "",
        "report_reasons": ModerationReason.choices,
    }


def _ban_message(request: HttpRequest, session: Session) -> str:
    try:
        services.moderation.require_not_banned(request.user, session.municipality, timezone.now())
    except services.Banned as banned:
        return str(banned)
    return ""


def live_page_strings() -> dict[str, str]:
    """Strings session.js needs for moderation, translated for the page's language.

    Reason labels as "reason_<code>"; the tally's head in the one and the many form.
    """
    return {
        "tally_one": ngettext("%(count)s post hidden", "%(count)s posts hidden", 1),
        "tally_many": ngettext("%(count)s post hidden", "%(count)s posts hidden", 2),
        **{f"reason_{value}": str(label) for value, label in ModerationReason.choices},
        "awaiting_approval": _(
            "Awaiting approval: only you can see it until a moderator approves it."
        ),
        "hidden_by_moderator": _("Hidden by a moderator. Reason: %(reason)s."),
        "reported": _("Thank you. Moderators will look at it."),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, post_id: int) -> HttpResponse:
    """A citizen reports a post from the session page without JavaScript: GET shows the form (the
    page holds it once, for session.js to place under the post), POST sends it."""
    post = get_object_or_404(Post, pk=post_id)
    if request.method != "POST":
        if post.status != Post.Status.PUBLISHED:
            raise Http404
        return render(
            request,
            "sessions/report_post.html",
            {
                "post": post,
                "report_action": reverse("report", args=[post.pk]),
                "report_reasons": ModerationReason.choices,
            },
        )
    try:
        services.report_post(
            post=post,
            reporter=request.user,
            reason=request.POST.get("reason"),
            client_ip=client_ip(request),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _messages_of(error))
    else:
        messages.success(request, _("Thank you. Moderators will look at it."))
    return redirect(f"{reverse('session', args=[post.session_id])}#post-{post.pk}")


def _messages_of(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _moderated_session(request: HttpRequest, session_id: int) -> Session:
    session = selectors.session_with_panel(session_id)
    if not selectors.is_moderator(request.user, session):
        raise PermissionDenied(_("Only moderators of this municipality can do that."))
    return session


# Suggested pairs take about a second at 1,000 alike questions, and the moderation page is
# reloaded after every action: they are kept per session state, in the shared cache.
DUPLICATES_CACHE_SECONDS = 600
DUPLICATES_KEY_PREFIX = "duplicate-pairs"


def _suggested_duplicates(session: Session, mergeable: list[Post]) -> list[selectors.DuplicatePair]:
    """selectors.suggested_duplicates, computed once per session state: its seq and the
    questions that may be merged (so a question that came without an event is not missed)."""
    questions = hashlib.sha256(",".join(str(question.pk) for question in mergeable).encode())
    key = f"{DUPLICATES_KEY_PREFIX}:{session.pk}:{session.last_seq}:{questions.hexdigest()[:24]}"
    # Redis away: the pairs are computed on every load meanwhile (README, "When things fail").
    known = None
    with contextlib.suppress(*SHARED_CACHE_ERRORS):
        known = cache.get(key)
    if known is None:
        pairs = selectors.suggested_duplicates(mergeable)
        known = [(pair.duplicate.pk, pair.original.pk, pair.score) for pair in pairs]
        with contextlib.suppress(*SHARED_CACHE_ERRORS):
            cache.set(key, known, DUPLICATES_CACHE_SECONDS)
        return pairs
    by_id = {question.pk: question for question in mergeable}
    return [
        selectors.DuplicatePair(by_id[later], by_id[earlier], score)
        for later, earlier, score in known
    ]


@login_required
def moderation_page(request: HttpRequest, session_id: int) -> HttpResponse:
    """The live moderation view: queue, flagged and reported posts, the stream, log, bans."""
    session = _moderated_session(request, session_id)
    if request.method == "POST":
        try:
            _act(request, session)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _messages_of(error))
        else:
            messages.success(request, _("Done."))
        return redirect("moderation", session_id=session.pk)
    now = timezone.now()
    moderator_ids = set(session.municipality.moderators.values_list("user_id", flat=True))
    mergeable = selectors.mergeable_questions(session)
    context = {
        "session": session,
        "status": session.status_at(now),
        "pending": selectors.pending_posts(session),
        "attention": selectors.posts_needing_attention(session),
        "stream": selectors.moderation_stream(session),
        "log": selectors.moderation_log(session),
        "bans": list(selectors.active_bans(session.municipality, now)),
        "keywords": list(selectors.watched_keywords(session.municipality)),
        "reasons": ModerationReason.choices,
        "keyword_actions": WatchedKeyword.Action.choices,
        "moderator_ids": moderator_ids,
        "tally_text": tally_text(selectors.moderation_tally(session)),
        "mergeable": mergeable,
        "duplicates": _suggested_duplicates(session, mergeable),
        "polls": polls.shown_polls(request, session, now, anonymous=False, with_drafts=True),
        "poll_kinds": Poll.Kind.choices,
        "poll_results": Poll.Results.choices,
        "strings": {
            "connected": _("Live"),
            "reconnecting": _("Connection lost. Reconnecting…"),
            "error": _("Something went wrong. Please try again."),
            "done": _("Done."),
        },
    }
    return render(request, "sessions/moderation.html", context)


def _act(request: HttpRequest, session: Session) -> None:
    """One form of the moderation page, without JavaScript: `op` says which."""
    data = request.POST
    op = data.get("op")
    user = request.user
    if op == "post":
        post = get_object_or_404(Post, pk=_int(data.get("post")), session=session)
        services.moderate_post(
            post=post,
            user=user,
            action=data.get("action"),
            reason=data.get("reason", ""),
            note=data.get("note", ""),
        )
    elif op == "ban":
        target = get_user_model().objects.filter(username=data.get("username", "")).first()
        if target is None:
            raise ValidationError(_("Choose the user to ban: their id or username."))
        hours = _int(data.get("hours")) if data.get("hours") else None
        services.ban_user(
            municipality=session.municipality,
            user=user,
            target=target,
            reason=data.get("reason", ""),
            note=data.get("note", ""),
            ends_at=timezone.now() + timedelta(hours=hours) if hours else None,
            session=session,
        )
    elif op == "lift":
        ban = get_object_or_404(Ban, pk=_int(data.get("ban")), municipality=session.municipality)
        services.lift_ban(ban=ban, user=user, note=data.get("note", ""), session=session)
    elif op == "merge":
        question = get_object_or_404(Post, pk=_int(data.get("question")), session=session)
        into = Post.objects.filter(pk=_int(data.get("into")), session=session).first()
        if into is None:
            raise ValidationError(_("Choose the question to merge it into."))
        services.merge_question(question=question, into=into, user=user)
    elif op == "keyword-add":
        services.add_watched_keyword(
            municipality=session.municipality,
            user=user,
            phrase=data.get("phrase", ""),
            action=data.get("action", WatchedKeyword.Action.HOLD),
        )
    elif op == "keyword-remove":
        keyword = get_object_or_404(
            WatchedKeyword, pk=_int(data.get("keyword")), municipality=session.municipality
        )
        services.remove_watched_keyword(keyword=keyword, user=user)
    else:
        raise ValidationError(_("Unknown action."))


# The largest id a database key holds: a bigger number would fail in the query, not here.
MAX_ID = 2**63 - 1


def _int(value: object) -> int:
    try:
        number = int(str(value))
    except ValueError as error:
        raise ValidationError(_("Unknown action.")) from error
    if not 0 < number <= MAX_ID:
        raise ValidationError(_("Unknown action."))
    return number
