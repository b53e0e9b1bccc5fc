"""Moderation: hide, restore, reject, approve; bans; citizens' reports; the keyword watch-list.

Who may: moderators of the session's municipality (the Moderator role) and staff, everywhere.
Every action writes a ModerationAction row in the same transaction as the change.

What the public sees: a post that leaves the public view records `post.removed` ({"id",
"parent", "status", "reason"}, never the body); a post that enters it (approved, restored)
records the normal `question.created` / `reply.created`; a change to the count of removed
posts records `moderation.tally`. Pending, hidden and rejected bodies never enter the public
event log. Moderators' pages get a doorbell on their own group (events.notify_moderators) and
read fresh.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import events
from ..login_sessions import BANNED, end_login_sockets
from ..models import (
    Ban,
    ModerationAction,
    ModerationReason,
    Municipality,
    Post,
    PostReport,
    Session,
    WatchedKeyword,
)
from ..payloads import post_payload, question_payload, reason_label, removed_post_payload
from ..selectors import active_ban, banned_everywhere, moderates, moderation_tally, politician_for
from .api_tokens import end_all_api_tokens
from .common import User, locked, published, require_signed_in, resolve_now
from .on_air import leave_air
from .ratelimits import check_rate_limit

MAX_NOTE_LENGTH = 500
MAX_PHRASE_LENGTH = 100
# Beyond this an end date is a typo; a ban without an end lasts until it is lifted.
LONGEST_TIMED_BAN = timedelta(days=5 * 365)


class Banned(PermissionDenied):
    """A banned user tried to post, vote or report. The API answers 403 with code "banned"."""

    code = "banned"


# Who may -----------------------------------------------------------------------------------


def require_moderator(user: User, municipality_id: int) -> None:
    require_signed_in(user, _("Sign in to moderate."))
    if not moderates(user, municipality_id):
        raise PermissionDenied(_("Only moderators of this municipality can do that."))


def require_not_banned(user: User, municipality: Municipality, now: datetime) -> None:
    """Refuse a user under a ban in this municipality, saying why and until when."""
    ban = active_ban(user, municipality.pk, now)
    if ban is None:
        return
    params = {"municipality": municipality.name, "reason": reason_label(ban.reason)}
    if ban.ends_at is None:
        message = _(
            "You are banned from posting, voting and reporting in %(municipality)s's sessions. "
            "Reason: %(reason)s. You can still read."
        )
    else:
        params["end"] = formats.date_format(timezone.localtime(ban.ends_at), "DATETIME_FORMAT")
        message = _(
            "You are banned from posting, voting and reporting in %(municipality)s's sessions "
            "until %(end)s. Reason: %(reason)s. You can still read."
        )
    raise Banned(message % params)


# The keyword watch-list ---------------------------------------------------------------------

# Letters that Unicode does not decompose but that Danish readers treat as a letter with a mark
# (ø is o with a stroke) or a ligature (æ is a+e). After them, "Søren" matches "soren" and
# "Ærø" matches "aero"; transliterations ("Soeren", "Aase") are other words: watch them too.
_LETTER_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l"})


def normalize(text: str) -> str:
    """Text as the watch-list compares it: case folded, marks stripped, spaces collapsed.

    Case- and accent-insensitive: casefold, NFKD, drop combining marks (é→e, å→a, ü→u), then
    fold ø→o and æ→ae, which NFKD leaves alone.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.translate(_LETTER_FOLDS).split())


def _pattern(normalized_phrase: str) -> re.Pattern[str]:
    # Whole words: no letter or digit right before or after ("ass" is not in "class").
    words = r"\s+".join(re.escape(word) for word in normalized_phrase.split(" "))
    return re.compile(rf"(?<!\w){words}(?!\w)")


def matching_keywords(municipality_id: int, text: str) -> list[WatchedKeyword]:
    """The municipality's watched keywords found in `text`, as whole words."""
    keywords = list(WatchedKeyword.objects.filter(municipality_id=municipality_id))
    if not keywords:
        return []
    haystack = normalize(text)
    return [keyword for keyword in keywords if _pattern(keyword.normalized).search(haystack)]


@dataclass
class Screening:
    """What a new post's status should be, and why."""

    status: str = Post.Status.PUBLISHED
    flagged: bool = False
    held_by: list[str] = field(default_factory=list)
    flagged_by: list[str] = field(default_factory=list)


def screen(session: Session, author: AbstractBaseUser, text: str) -> Screening:
    """Pre-moderation and the watch-list, for a new post by `author`.

    Panel politicians, moderators and staff post straight through: they speak for the
    municipality under their own names, and a held answer would leave a question marked
    answered with no answer to show.
    """
    if (
        author.is_staff
        or politician_for(author, session)
        or moderates(author, session.municipality_id)
    ):
        return Screening()
    result = Screening()
    for keyword in matching_keywords(session.municipality_id, text):
        if keyword.action == WatchedKeyword.Action.HOLD:
            result.held_by.append(keyword.phrase)
        else:
            result.flagged_by.append(keyword.phrase)
    result.flagged = bool(result.flagged_by)
    if result.held_by or session.moderation_mode == Session.ModerationMode.PRE:
        result.status = Post.Status.PENDING
    return result


def record_new_post(session: Session, post: Post, screening: Screening, now: datetime) -> None:
    """The events and log rows for a post just created by questions.post_question/post_reply."""
    if post.status == Post.Status.PUBLISHED:
        if post.parent_id is None:
            events.record(session, events.QUESTION_CREATED, question_payload(post, [], now), now)
        else:
            events.record(session, events.REPLY_CREATED, post_payload(post, now), now)
    if screening.held_by:
        _log(
            session,
            None,
            ModerationAction.Action.HOLD,
            now,
            post=post,
            note=", ".join(screening.held_by),
        )
    if screening.flagged_by:
        _log(
            session,
            None,
            ModerationAction.Action.FLAG,
            now,
            post=post,
            note=", ".join(screening.flagged_by),
        )
    if post.status != Post.Status.PUBLISHED or post.flagged:
        events.notify_moderators(session)


# Shared steps -------------------------------------------------------------------------------


def _clean_reason(reason: object, *, required: bool) -> str:
    if reason in (None, ""):
        if required:
            raise ValidationError({"reason": _("Choose a reason.")}, code="required")
        return ""
    if reason not in ModerationReason.values:
        raise ValidationError(
            {"reason": _("Choose one of the listed reasons.")}, code="invalid_choice"
        )
    return str(reason)


def _clean_note(note: object) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ValidationError({"note": _("Write the note as text.")}, code="invalid")
    text = note.strip()
    if "\x00" in text:
        raise ValidationError({"note": _("The text contains a NUL character.")}, code="invalid")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            {"note": _("Keep the note to %(limit)d characters.") % {"limit": MAX_NOTE_LENGTH}},
            code="max_length",
        )
    return text


def _log(
    session: Session | None,
    moderator: User | None,
    action: str,
    now: datetime,
    *,
    municipality: Municipality | None = None,
    post: Post | None = None,
    user: AbstractBaseUser | None = None,
    reason: str = "",
    note: str = "",
) -> ModerationAction:
    return ModerationAction.objects.create(
        municipality=municipality or session.municipality,
        session=session,
        moderator=moderator,
        action=action,
        post=post,
        user=user,
        reason=reason,
        note=note[:MAX_NOTE_LENGTH],
        created_at=now,
    )


def _published_replies(post: Post) -> list[Post]:
    return list(
        post.replies.filter(status=Post.Status.PUBLISHED)
        .select_related("author__verified_identity", "politician")
        .order_by("created_at", "id")
    )


def _went_public(session: Session, post: Post, now: datetime) -> None:
    """A post entered the public view: the same event as if it had just been posted."""
    if post.parent_id is None:
        post.session = session
        payload = question_payload(post, _published_replies(post), now)
        events.record(session, events.QUESTION_CREATED, payload, now)
    else:
        events.record(session, events.REPLY_CREATED, post_payload(post, now), now)


def _went_private(session: Session, post: Post, now: datetime) -> None:
    events.record(session, events.POST_REMOVED, removed_post_payload(post), now)
    leave_air(session, post, now)


def _tally_changed(session: Session, now: datetime) -> None:
    events.record(session, events.MODERATION_TALLY, moderation_tally(session), now)


def _moderate(post: Post, user: User) -> tuple[Session, Post]:
    """Permission first (so a stranger learns nothing), then the session and post under lock."""
    require_moderator(user, post.session.municipality_id)
    session = locked(post.session)
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("author", "politician")
        .get(pk=post.pk)
    )
    return session, post


def _set_status(post: Post, status: str, reason: str = "", note: str = "") -> None:
    post.status = status
    post.moderation_reason = reason
    post.moderation_note = note
    post.save(update_fields=["status", "moderation_reason", "moderation_note"])


# Post actions -------------------------------------------------------------------------------


def hide_post(
    *, post: Post, user: User, reason: object, note: object = "", now: datetime | None = None
) -> Post:
    """Hide a published post. Its author still sees it, with the reason.

    Locks the session row; broadcasts post.removed and moderation.tally.
    """
    now = resolve_now(now)
    with transaction.atomic():
        session, post = _moderate(post, user)
        reason, note = _clean_reason(reason, required=True), _clean_note(note)
        if post.status != Post.Status.PUBLISHED:
            raise ValidationError(_("Only a published post can be hidden."), code="not_published")
        _set_status(post, Post.Status.HIDDEN, reason, note)
        _log(session, user, ModerationAction.Action.HIDE, now, post=post, reason=reason, note=note)
        _went_private(session, post, now)
        _tally_changed(session, now)
        events.notify_moderators(session)
    return post


def restore_post(
    *, post: Post, user: User, reason: object = "", note: object = "", now: datetime | None = None
) -> Post:
    """Publish a hidden or rejected post again.

    Locks the session row; broadcasts question.created or reply.created, and moderation.tally.
    """
    now = resolve_now(now)
    with transaction.atomic():
        session, post = _moderate(post, user)
        reason, note = _clean_reason(reason, required=False), _clean_note(note)
        if post.status not in (Post.Status.HIDDEN, Post.Status.REJECTED):
            raise ValidationError(
                _("Only a hidden or rejected post can be restored."), code="not_removed"
            )
        _set_status(post, Post.Status.PUBLISHED)
        _log(
            session, user, ModerationAction.Action.RESTORE, now, post=post, reason=reason, note=note
        )
        _went_public(session, post, now)
        _tally_changed(session, now)
        events.notify_moderators(session)
    return post


def reject_post(
    *, post: Post, user: User, reason: object, note: object = "", now: datetime | None = None
) -> Post:
    """Reject a post awaiting approval. Its author sees it, with the reason; nobody else does.

    Locks the session row; broadcasts moderation.tally.
    """
    now = resolve_now(now)
    with transaction.atomic():
        session, post = _moderate(post, user)
        reason, note = _clean_reason(reason, required=True), _clean_note(note)
        if post.status != Post.Status.PENDING:
            raise ValidationError(
                _("Only a post awaiting approval can be rejected."), code="not_pending"
            )
        _set_status(post, Post.Status.REJECTED, reason, note)
        _log(
            session, user, ModerationAction.Action.REJECT, now, post=post, reason=reason, note=note
        )
        _tally_changed(session, now)
        events.notify_moderators(session)
    return post


def approve_post(
    *, post: Post, user: User, reason: object = "", note: object = "", now: datetime | None = None
) -> Post:
    """Publish a post awaiting approval, or clear the flag of a published one.

    Locks the session row; broadcasts question.created or reply.created when it publishes.
    """
    now = resolve_now(now)
    with transaction.atomic():
        session, post = _moderate(post, user)
        reason, note = _clean_reason(reason, required=False), _clean_note(note)
        if post.status == Post.Status.PENDING:
            post.flagged = False
            post.save(update_fields=["flagged"])
            _set_status(post, Post.Status.PUBLISHED)
            _went_public(session, post, now)
        elif post.status == Post.Status.PUBLISHED and post.flagged:
            post.flagged = False
            post.save(update_fields=["flagged"])
        else:
            raise ValidationError(
                _("Only a post awaiting approval or a flagged post can be approved."),
                code="nothing_to_approve",
            )
        _log(
            session, user, ModerationAction.Action.APPROVE, now, post=post, reason=reason, note=note
        )
        events.notify_moderators(session)
    return post


POST_ACTIONS = {
    ModerationAction.Action.HIDE: hide_post,
    ModerationAction.Action.RESTORE: restore_post,
    ModerationAction.Action.REJECT: reject_post,
    ModerationAction.Action.APPROVE: approve_post,
}


def moderate_post(
    *,
    post: Post,
    user: User,
    action: object,
    reason: object = "",
    note: object = "",
    now: datetime | None = None,
) -> Post:
    """One of hide, restore, reject, approve, by name: what the API and the page forms call."""
    service = POST_ACTIONS.get(action) if isinstance(action, str) else None
    if service is None:
        raise ValidationError(
            {"action": _("Choose hide, restore, reject or approve.")}, code="invalid_choice"
        )
    return service(post=post, user=user, reason=reason, note=note, now=now)


# Reports ------------------------------------------------------------------------------------


def report_post(
    *,
    post: Post,
    reporter: User,
    reason: object,
    now: datetime | None = None,
    client_ip: str | None = None,
) -> PostReport:
    """A citizen reports a published post, once. Enough reports from different users
    (settings.TOWNHALL_REPORTS_TO_HOLD) hold it for review. Rate-limited ("report").

    Locks the session row; broadcasts post.removed when it holds the post.
    """
    require_signed_in(reporter, _("Sign in to report a post."))
    check_rate_limit(action="report", user=reporter, ip=client_ip, session=post.session)
    now = resolve_now(now)
    reason = _clean_reason(reason, required=True)
    try:
        with transaction.atomic():
            session = locked(post.session)
            require_not_banned(reporter, session.municipality, now)
            post = Post.objects.select_for_update().get(pk=post.pk)
            published(post)
            if post.author_id == reporter.pk:
                raise ValidationError(_("You cannot report your own post."), code="own_post")
            if PostReport.objects.filter(post=post, reporter=reporter).exists():
                raise ValidationError(
                    _("You have already reported this post."), code="already_reported"
                )
            report = PostReport.objects.create(
                post=post, reporter=reporter, reason=reason, created_at=now
            )
            post.report_count = PostReport.objects.filter(post=post).count()
            post.save(update_fields=["report_count"])
            # Exactly at the threshold: a post a moderator approved after it was held is not
            # held again by the reports that keep coming.
            if post.report_count == settings.TOWNHALL_REPORTS_TO_HOLD:
                _set_status(post, Post.Status.PENDING)
                _log(
                    session,
                    None,
                    ModerationAction.Action.HOLD,
                    now,
                    post=post,
                    reason=_most_reported_reason(post),
                    note=_("Reported by %(count)d people.") % {"count": post.report_count},
                )
                _went_private(session, post, now)
            events.notify_moderators(session)
    except IntegrityError as exc:
        raise ValidationError(
            _("You have already reported this post."), code="already_reported"
        ) from exc
    return report


def _most_reported_reason(post: Post) -> str:
    reasons = list(PostReport.objects.filter(post=post).values_list("reason", flat=True))
    return max(sorted(set(reasons)), key=reasons.count)


# Bans ---------------------------------------------------------------------------------------


def _log_ban(
    ban: Ban,
    action: str,
    moderator: User,
    session: Session | None,
    now: datetime,
    *,
    reason: str = "",
    note: str = "",
) -> None:
    """Log a ban or its lifting; if it was done from a session, ring its moderators' doorbell."""
    _log(
        session,
        moderator,
        action,
        now,
        municipality=ban.municipality,
        user=ban.user,
        reason=reason,
        note=note,
    )
    if session is not None:
        events.notify_moderators(session)


def ban_user(
    *,
    municipality: Municipality,
    user: User,
    target: AbstractBaseUser,
    reason: object,
    note: object = "",
    ends_at: datetime | None = None,
    session: Session | None = None,
    now: datetime | None = None,
) -> Ban:
    """Ban `target` from posting, voting and reporting in the municipality's sessions.

    Optional end; `session` says where it happened, for that session's log. Locks the
    municipality row, so a user has one ban in force at a time. After commit, the user's open
    sockets on this municipality's sessions close (their pages reload into the banned state); a
    user now banned in every municipality also loses every API token.
    """
    require_moderator(user, municipality.pk)
    now = resolve_now(now)
    reason, note = _clean_reason(reason, required=True), _clean_note(note)
    if target.pk == user.pk:
        raise ValidationError(_("You cannot ban yourself."), code="cannot_ban_self")
    if target.is_staff or moderates(target, municipality.pk):
        raise ValidationError(
            _("Moderators and staff cannot be banned."), code="cannot_ban_moderator"
        )
    if ends_at is not None and ends_at <= now:
        raise ValidationError({"ends_at": _("The ban must end in the future.")}, code="past")
    if ends_at is not None and ends_at - now > LONGEST_TIMED_BAN:
        raise ValidationError(
            {"ends_at": _("End a ban within five years, or leave the end empty: until lifted.")},
            code="too_long",
        )
    if session is not None and session.municipality_id != municipality.pk:
        raise ValidationError(
            {"session": _("That session belongs to another municipality.")}, code="invalid"
        )
    with transaction.atomic():
        municipality = Municipality.objects.select_for_update().get(pk=municipality.pk)
        if active_ban(target, municipality.pk, now):
            raise ValidationError(
                _("This user is already banned in this municipality."), code="already_banned"
            )
        ban = Ban.objects.create(
            municipality=municipality,
            user=target,
            reason=reason,
            note=note,
            created_by=user,
            created_at=now,
            ends_at=ends_at,
        )
        _log_ban(ban, ModerationAction.Action.BAN, user, session, now, reason=reason, note=note)
        if banned_everywhere(target, now):
            end_all_api_tokens(user=target)
        end_login_sockets(user_id=target.pk, reason=BANNED, municipality_id=municipality.pk)
    return ban


def lift_ban(
    *,
    ban: Ban,
    user: User,
    note: object = "",
    session: Session | None = None,
    now: datetime | None = None,
) -> Ban:
    """End a ban now. Logged as "unban"; `session`, if given, is where it was lifted."""
    require_moderator(user, ban.municipality_id)
    now = resolve_now(now)
    note = _clean_note(note)
    with transaction.atomic():
        ban = Ban.objects.select_for_update().select_related("municipality").get(pk=ban.pk)
        if not ban.is_active_at(now):
            raise ValidationError(_("This ban is no longer in force."), code="ban_not_active")
        ban.lifted_at = now
        ban.save(update_fields=["lifted_at"])
        _log_ban(ban, ModerationAction.Action.UNBAN, user, session, now, note=note)
    return ban


# Watched keywords ---------------------------------------------------------------------------


def add_watched_keyword(
    *,
    municipality: Municipality,
    user: User,
    phrase: object,
    action: object = WatchedKeyword.Action.HOLD,
    now: datetime | None = None,
) -> WatchedKeyword:
    """Watch a word or phrase in the municipality's sessions: hold or flag posts with it."""
    require_moderator(user, municipality.pk)
    if not isinstance(phrase, str) or not phrase.strip():
        raise ValidationError({"phrase": _("Write a word or phrase to watch.")}, code="blank")
    phrase = " ".join(phrase.split())
    if "\x00" in phrase:
        raise ValidationError({"phrase": _("The text contains a NUL character.")}, code="invalid")
    if len(phrase) > MAX_PHRASE_LENGTH:
        raise ValidationError(
            {"phrase": _("Keep it to %(limit)d characters.") % {"limit": MAX_PHRASE_LENGTH}},
            code="max_length",
        )
    normalized = normalize(phrase)
    if not re.search(r"\w", normalized):
        raise ValidationError(
            {"phrase": _("Watch a word: letters or digits, not only punctuation.")},
            code="invalid",
        )
    if action not in WatchedKeyword.Action.values:
        raise ValidationError({"action": _("Choose hold or flag.")}, code="invalid_choice")
    if WatchedKeyword.objects.filter(municipality=municipality, normalized=normalized).exists():
        raise ValidationError(
            {"phrase": _("This municipality already watches that word.")}, code="duplicate"
        )
    try:
        with transaction.atomic():
            return WatchedKeyword.objects.create(
                municipality=municipality,
                phrase=phrase,
                normalized=normalized,
                action=action,
                created_at=resolve_now(now),
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"phrase": _("This municipality already watches that word.")}, code="duplicate"
        ) from exc


def remove_watched_keyword(*, keyword: WatchedKeyword, user: User) -> None:
    """Stop watching a word. Posts it held or flagged keep their state."""
    require_moderator(user, keyword.municipality_id)
    keyword.delete()
