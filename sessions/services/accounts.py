"""A citizen's own account: download everything Townhall holds about them, or delete it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from importlib import import_module
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session as LoginSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import events
from ..login_sessions import SIGNED_OUT, end_login_sockets
from ..models import (
    Ban,
    Event,
    Moderator,
    Notification,
    NotificationSettings,
    Politician,
    Post,
    PostReport,
    Reminder,
    Session,
    VerifiedIdentity,
    Vote,
)
from ..payloads import DELETED_USERNAME_PREFIX, display_name, iso, post_payload
from .api_tokens import end_all_api_tokens
from .common import User, locked, require_signed_in, resolve_now


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login) if user.last_login else None,
    }


def _posts(user: User) -> list[dict[str, Any]]:
    posts = Post.objects.filter(author=user).select_related("session", "politician")
    return [
        {
            "id": post.pk,
            "session": {"id": post.session_id, "title": post.session.title},
            "parent": post.parent_id,
            "as_politician": post.politician.name if post.politician else None,
            "body": post.body,
            "created_at": iso(post.created_at),
            "status": post.status,
            "is_answered": post.is_answered,
            "vote_count": post.vote_count,
        }
        for post in posts.order_by("created_at", "id")
    ]


def _votes(user: User) -> list[dict[str, Any]]:
    votes = Vote.objects.filter(user=user).select_related("post__session").order_by("created_at")
    return [
        {
            "question": vote.post_id,
            "session": {"id": vote.post.session_id, "title": vote.post.session.title},
            "created_at": iso(vote.created_at),
        }
        for vote in votes
    ]


def _politician_profiles(user: User) -> list[dict[str, Any]]:
    return list(
        Politician.objects.filter(user=user).values("id", "name", "party", "role", "municipality")
    )


def _moderator_roles(user: User) -> list[dict[str, Any]]:
    return list(Moderator.objects.filter(user=user).values("municipality__name"))


def _reports(user: User) -> list[dict[str, Any]]:
    reports = PostReport.objects.filter(reporter=user).order_by("created_at", "id")
    return [
        {"post": report.post_id, "reason": report.reason, "created_at": iso(report.created_at)}
        for report in reports
    ]


def _bans(user: User) -> list[dict[str, Any]]:
    bans = Ban.objects.filter(user=user).select_related("municipality").order_by("created_at")
    return [
        {
            "municipality": ban.municipality.name,
            "reason": ban.reason,
            "note": ban.note,
            "created_at": iso(ban.created_at),
            "ends_at": iso(ban.ends_at) if ban.ends_at else None,
            "lifted_at": iso(ban.lifted_at) if ban.lifted_at else None,
        }
        for ban in bans
    ]


def _verified_identity(user: User) -> dict[str, Any] | None:
    # What we hold of the provider's identity, without the HMAC of its `sub`.
    found = VerifiedIdentity.objects.filter(user=user).first()
    if found is None:
        return None
    return {
        "issuer": found.issuer,
        "assurance_level": found.assurance_level,
        "first_verified": iso(found.created_at),
        "last_verified": iso(found.verified_at),
    }


def _notifications(user: User) -> dict[str, Any]:
    found = NotificationSettings.objects.filter(user=user).first()
    return {
        "email_opt_in": bool(found and found.email_opt_in),
        "language": found.language if found else None,
        "received": [
            {
                "kind": notification.kind,
                "session": notification.session_id,
                "question": notification.post_id,
                "created_at": iso(notification.created_at),
                "read_at": iso(notification.read_at) if notification.read_at else None,
                "emailed_at": iso(notification.emailed_at) if notification.emailed_at else None,
            }
            for notification in Notification.objects.filter(user=user).order_by("created_at", "id")
        ],
    }


def _reminders(user: User) -> list[dict[str, Any]]:
    return [
        {
            "session": reminder.session_id,
            "title": reminder.session.title,
            "created_at": iso(reminder.created_at),
        }
        for reminder in Reminder.objects.filter(user=user)
        .select_related("session")
        .order_by("created_at", "id")
    ]


# One entry per kind of data held about a person; what a new model holds about them is one more
# line here.
EXPORT_SECTIONS: dict[str, Callable[[User], Any]] = {
    "profile": _profile,
    "posts": _posts,
    "votes": _votes,
    "politician_profiles": _politician_profiles,
    "moderator_roles": _moderator_roles,
    "reports": _reports,
    "bans": _bans,
    "verified_identity": _verified_identity,
    "notifications": _notifications,
    "reminders": _reminders,
}


def export_account_data(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything Townhall holds about `user`, as JSON-ready data. Reads only."""
    require_signed_in(user, _("Sign in to download your data."))
    return {
        "exported_at": iso(resolve_now(now)),
        **{name: section(user) for name, section in EXPORT_SECTIONS.items()},
    }


def rename_authors_in_event_log(post_ids: Iterable[int], name: str) -> int:
    """Rewrite the author's name of these posts in the stored events, so a replay shows `name`,
    without the verified mark (a deleted account or a pseudonym is nobody's now).

    Returns the number of events changed.
    """
    post_ids = set(post_ids)
    if not post_ids:
        return 0
    session_ids = set(Post.objects.filter(pk__in=post_ids).values_list("session_id", flat=True))
    changed = []
    events = Event.objects.filter(
        session_id__in=session_ids, type__in=["question.created", "reply.created", "post.updated"]
    )
    for event in events.iterator():
        touched = False
        for payload in [event.data, *event.data.get("replies", [])]:
            if payload.get("id") in post_ids and (
                payload.get("author") != name or payload.get("author_verified")
            ):
                payload["author"] = name
                payload["author_verified"] = False
                touched = True
        if touched:
            changed.append(event)
    Event.objects.bulk_update(changed, ["data"], batch_size=500)
    return len(changed)


def _end_login_sessions(user: User) -> None:
    # Django stores the user's id in the session data: read them to find theirs. Deleted
    # through the session engine, so a cached copy goes too should the engine keep one.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for login_session in LoginSession.objects.iterator():
        if login_session.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session_key=login_session.session_key).delete()


def delete_account(*, user: User, password: str, now: datetime | None = None) -> None:
    """Delete a citizen's account, confirmed with their password.

    The account is anonymised in place, not removed: its posts stay under "deleted user" so
    threads keep their sense, its votes stay so vote counts hold, and statistics count it as one
    anonymous participant. Name, e-mail and password go; tokens, login sessions, login-attempt
    records, moderator roles and links to politician profiles are removed, and so is the link to
    a verified identity (MitID), unless the account is banned somewhere: then the identity stays
    bound to it, so the person cannot come back under a new account while the ban lasts. An
    account without a password (a verified citizen's) is confirmed by the page, not a password.
    Staff accounts are removed by an administrator instead.

    Locks the sessions the account posted in; broadcasts post.updated for each of its published
    posts, so open pages rename it too.
    """
    require_signed_in(user, _("Sign in to delete your account."))
    if user.is_staff or user.is_superuser:
        raise PermissionDenied(_("Staff accounts are deleted by an administrator."))
    if user.has_usable_password() and not user.check_password(password):
        raise ValidationError(
            {"password": _("That is not your password. Your account was not deleted.")},
            code="wrong_password",
        )
    with transaction.atomic():
        old_username = user.username
        user.username = f"{DELETED_USERNAME_PREFIX}{user.pk}"
        user.first_name = ""
        user.last_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        if not Ban.objects.filter(Ban.active_q(resolve_now(now)), user=user).exists():
            VerifiedIdentity.objects.filter(user=user).delete()
        end_all_api_tokens(user=user)
        Moderator.objects.filter(user=user).delete()
        Reminder.objects.filter(user=user).delete()
        Politician.objects.filter(user=user).update(user=None)
        for record in (AccessAttempt, AccessLog, AccessFailureLog):
            record.objects.filter(username=old_username).delete()
        _end_login_sessions(user)
        end_login_sockets(user_id=user.pk, reason=SIGNED_OUT)
        post_ids = Post.objects.filter(author=user).values_list("pk", flat=True)
        rename_authors_in_event_log(post_ids, display_name(user))
        announce_author_change(user, resolve_now(now))


def announce_author_change(user: User, now: datetime) -> None:
    """Open pages show the author's new name or mark ("deleted user", verified) at once: a
    post.updated per published post, per session."""
    posts = Post.objects.filter(author=user, status=Post.Status.PUBLISHED).select_related(
        "author", "politician"
    )
    session_ids = sorted(set(posts.values_list("session_id", flat=True)))
    for session_id in session_ids:  # in id order, so two such runs cannot deadlock
        session = locked(Session(pk=session_id))
        for post in posts.filter(session_id=session_id).order_by("pk"):
            post.session = session
            events.record(session, events.POST_UPDATED, post_payload(post, now), now)
