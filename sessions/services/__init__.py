"""The write path: one verb per function, grouped by area.

Each service checks permission and the session's state, writes in one transaction together with
its event-log entry, and broadcasts after commit (events.record). Pages, the API, the admin and
management commands all call these; none repeats their rules.

Errors: django.core.exceptions.ValidationError for bad input or a refused state (400),
PermissionDenied for who-may-not (403). Messages are written for the person who sees them.
"""

from .audit import record_access
from .common import clean_body
from .directory import (
    MUNICIPALITY_SETTINGS,
    create_municipality,
    create_politician,
    update_municipality,
)
from .duplicates import merge_question
from .identity import VerificationRequired
from .moderation import (
    Banned,
    add_watched_keyword,
    approve_post,
    ban_user,
    hide_post,
    lift_ban,
    moderate_post,
    reject_post,
    remove_watched_keyword,
    report_post,
    restore_post,
)
from .notifications import (
    close_follow_up,
    close_follow_ups,
    mark_read,
    notify,
    send_due_emails,
    set_email_notifications,
    unsubscribe,
)
from .on_air import put_on_air, take_off_air
from .polls import (
    CastBallot,
    cast_ballot,
    close_poll,
    close_polls_of_ended_session,
    close_polls_of_ended_sessions,
    create_poll,
    open_poll,
)
from .questions import (
    answer_question,
    enter_question,
    mark_answered,
    post_question,
    post_reply,
    unvote,
    vote,
)
from .ratelimits import RateLimited, check_rate_limit
from .reminders import forget_reminder, remind_me, send_due_reminders
from .sessions import (
    EDITABLE_FIELDS,
    MAX_EXTENSION_MINUTES,
    cancel_session,
    check_follow_up,
    check_panel,
    check_questions_open,
    check_session_times,
    close_session,
    create_session,
    extend_session,
    open_session,
    update_session,
)
from .two_factor import reset_second_factor

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_EXTENSION_MINUTES",
    "MUNICIPALITY_SETTINGS",
    "Banned",
    "CastBallot",
    "RateLimited",
    "VerificationRequired",
    "add_watched_keyword",
    "answer_question",
    "approve_post",
    "ban_user",
    "cancel_session",
    "cast_ballot",
    "check_follow_up",
    "check_panel",
    "check_questions_open",
    "check_rate_limit",
    "check_session_times",
    "clean_body",
    "close_follow_up",
    "close_follow_ups",
    "close_poll",
    "close_polls_of_ended_session",
    "close_polls_of_ended_sessions",
    "close_session",
    "create_municipality",
    "create_politician",
    "create_poll",
    "create_session",
    "enter_question",
    "extend_session",
    "forget_reminder",
    "hide_post",
    "lift_ban",
    "mark_answered",
    "mark_read",
    "merge_question",
    "moderate_post",
    "notify",
    "open_poll",
    "open_session",
    "post_question",
    "post_reply",
    "put_on_air",
    "record_access",
    "reject_post",
    "remind_me",
    "remove_watched_keyword",
    "report_post",
    "reset_second_factor",
    "restore_post",
    "send_due_emails",
    "send_due_reminders",
    "set_email_notifications",
    "take_off_air",
    "unsubscribe",
    "unvote",
    "update_municipality",
    "update_session",
    "vote",
]
