"""Writes the demo through the services, as if it had happened live.

Posts and votes go through the services with an explicit `now` inside the session's window, so
every write is in the session's event log with its seq, and a politician's post carries the
badge the services give it. Safe to run again: everything is found by a stable key (username,
municipality slug, session title) before it is created, and a session that already has posts
gets no more. The live session is moved back to "live now" when it has run out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .. import services
from ..models import Moderator, Municipality, Politician, Post, Session, WatchedKeyword
from ..services.moderation import normalize
from . import faaborg_midtfyn as fm
from . import roskilde
from .evening import faaborg_threads
from .shapes import Account, PanelMember, Thread

DEMO_PASSWORD = "townhall-demo"
# (role, username): the accounts the README and the Makefile tell people to sign in with.
DEMO_LOGINS: list[tuple[str, str]] = [
    ("citizen", "borger"),
    ("mayor", "borgmester"),
    ("moderator", "moderator"),
    ("staff", "redaktor"),
]
# A moderator hides a removed post this long after it was written.
HIDDEN_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class Seeded:
    session: Session
    new: bool  # False when it had posts already and got none


@dataclass(frozen=True)
class _Step:
    """One write of a thread, put in time order with the writes of every other thread."""

    at: datetime
    kind: str  # "question", "vote", "reply", "answer" or "hide"
    thread: int
    by: str
    body: str = ""
    reply: int = -1  # which reply of the thread, for "hide"


def load_demo(now: datetime) -> list[Seeded]:
    """Everything the demo holds; the sessions in the order they are announced."""
    citizen = _demo_login("borger", "Mette Borger")
    mayor_user = _demo_login("borgmester", roskilde.MAYOR.name)
    moderator = _demo_login("moderator", "Mads Moderator")
    editor = _demo_login("redaktor", "Rikke Redaktør", staff=True)

    rk, _created = Municipality.objects.get_or_create(
        slug=roskilde.MUNICIPALITY[0], defaults={"name": roskilde.MUNICIPALITY[1]}
    )
    faaborg, _created = Municipality.objects.get_or_create(
        slug=fm.MUNICIPALITY[0], defaults={"name": fm.MUNICIPALITY[1]}
    )
    Moderator.objects.get_or_create(municipality=rk, user=moderator)
    for phrase, action in roskilde.WATCHED_WORDS:
        watched = WatchedKeyword.objects.filter(municipality=rk, normalized=normalize(phrase))
        if not watched.exists():
            services.add_watched_keyword(municipality=rk, user=editor, phrase=phrase, action=action)

    accounts = {user.get_username(): user for user in (citizen, mayor_user)}
    for account in [*roskilde.CITIZENS, *fm.CITIZEN_ACCOUNTS, fm.TROLL]:
        accounts[account.username] = _writing_account(account)
    for member in fm.PANEL:
        accounts[member.username] = _writing_account(Account(member.username, member.name))
    rk_panel = [_politician(rk, member, accounts) for member in roskilde.PANEL]
    fm_panel = [_politician(faaborg, member, accounts) for member in fm.PANEL]

    seeded = []
    live_start = now - timedelta(minutes=10)
    live = _session(
        editor,
        rk,
        roskilde.LIVE_TITLE,
        roskilde.LIVE_DESCRIPTION,
        panel=rk_panel[:1],
        starts_at=live_start,
        ends_at=live_start + timedelta(hours=1),
        status=Session.Status.LIVE,
        now=now,
    )
    seeded.append(Seeded(live, _seed_threads(live, roskilde.LIVE_THREADS, accounts, editor, now)))

    meeting_day = timezone.localdate(now) - timedelta(days=fm.DAYS_AGO)
    closed = _session(
        editor,
        faaborg,
        fm.TITLE,
        fm.DESCRIPTION,
        panel=fm_panel,
        starts_at=_local_time(meeting_day, time(*fm.STARTS)),
        ends_at=_local_time(meeting_day, time(*fm.ENDS)),
        status=Session.Status.CLOSED,
        now=now,
    )
    threads = faaborg_threads() + fm.HIDDEN_THREADS
    seeded.append(Seeded(closed, _seed_threads(closed, threads, accounts, editor, now)))

    upcoming_start = _local_time(timezone.localdate(now) + timedelta(days=3), time(19, 0))
    upcoming = _session(
        editor,
        rk,
        roskilde.UPCOMING_TITLE,
        roskilde.UPCOMING_DESCRIPTION,
        panel=rk_panel,
        starts_at=upcoming_start,
        ends_at=upcoming_start + timedelta(minutes=90),
        status=Session.Status.COLLECTING,
        now=now,
        accepts_questions_early=True,
    )
    seeded.append(Seeded(upcoming, False))
    return seeded


def _demo_login(username: str, name: str, *, staff: bool = False) -> AbstractBaseUser:
    """A documented login; its password is reset so the README's password always works."""
    user, _created = get_user_model().objects.update_or_create(
        username=username,
        defaults={"first_name": name, "is_staff": staff, "is_superuser": staff, "is_active": True},
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


def _writing_account(account: Account) -> AbstractBaseUser:
    """An account that only writes demo content: nobody signs in with it."""
    user, _created = get_user_model().objects.update_or_create(
        username=account.username,
        defaults={"first_name": account.name},
        create_defaults={"first_name": account.name, "password": make_password(None)},
    )
    return user


def _politician(
    municipality: Municipality, member: PanelMember, accounts: dict[str, AbstractBaseUser]
) -> Politician:
    politician, _created = Politician.objects.update_or_create(
        municipality=municipality,
        name=member.name,
        defaults={
            "party": member.party,
            "role": member.role,
            "user": accounts.get(member.username),
        },
    )
    return politician


def _local_time(day: date, clock: time) -> datetime:
    """A wall-clock time in the installation's time zone (Europe/Copenhagen by default)."""
    return timezone.make_aware(datetime.combine(day, clock))


def _session(
    editor: AbstractBaseUser,
    municipality: Municipality,
    title: str,
    description: str,
    *,
    panel: list[Politician],
    starts_at: datetime,
    ends_at: datetime,
    status: str,
    now: datetime,
    accepts_questions_early: bool = False,
) -> Session:
    """The session with this title, created by the editor if missing.

    A live or upcoming demo session whose clock has moved on is moved back to `starts_at`..
    `ends_at`, so the demo keeps one of each; a changed panel is set again. Either change is
    announced to viewers like an edit in the admin.
    """
    session = Session.objects.filter(municipality=municipality, title=title).first()
    if session is None:
        return services.create_session(
            user=editor,
            municipality=municipality,
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            politicians=panel,
            accepts_questions_early=accepts_questions_early,
        )
    # The closed meeting stays where it is: its posts are dated inside its window.
    moved = status != Session.Status.CLOSED and session.status_at(now) != status
    new_panel = set(session.politicians.values_list("pk", flat=True)) != {p.pk for p in panel}
    if moved or new_panel:
        times = {"starts_at": starts_at, "ends_at": ends_at} if moved else {}
        session = services.update_session(
            session=session,
            user=editor,
            politicians=panel if new_panel else None,
            now=now,
            **times,
        )
    return session


def _seed_threads(
    session: Session,
    threads: list[Thread],
    accounts: dict[str, AbstractBaseUser],
    moderator: AbstractBaseUser,
    now: datetime,
) -> bool:
    """Write the threads through the services in time order; False if it had posts already.

    A session that already has posts is left alone, so a second run adds nothing.
    """
    if session.posts.exists():
        return False
    questions: dict[int, Post] = {}
    replies: dict[tuple[int, int], Post] = {}
    for step in sorted(_steps(session, threads, now), key=lambda step: step.at):
        author = accounts.get(step.by)
        if step.kind == "question":
            questions[step.thread] = services.post_question(
                session=session, author=author, body=step.body, now=step.at
            )
        elif step.kind == "vote":
            services.vote(question=questions[step.thread], user=author, now=step.at)
        elif step.kind == "hide":
            post = questions[step.thread] if step.reply < 0 else replies[step.thread, step.reply]
            services.hide_post(post=post, user=moderator, reason=step.body, now=step.at)
        elif step.kind == "answer":
            replies[step.thread, step.reply] = services.answer_question(
                question=questions[step.thread], author=author, body=step.body, now=step.at
            )
        else:
            replies[step.thread, step.reply] = services.post_reply(
                post=questions[step.thread], author=author, body=step.body, now=step.at
            )
    return True


def _steps(session: Session, threads: list[Thread], now: datetime) -> list[_Step]:
    """Every write of every thread, dated inside the session's window and never after now.

    Citizens write while the session is open; politicians may answer after it closes, as the
    services allow. Within a thread the question comes first, then its votes and replies; a
    hidden post is hidden a few minutes after it was written, once its thread has been written.
    """
    last_open_moment = session.ends_at - timedelta(seconds=1)

    def moment(minute: float, *, may_be_late: bool = False) -> datetime:
        at = session.starts_at + timedelta(minutes=minute)
        if not may_be_late:
            at = min(at, last_open_moment)
        return min(at, now)

    politicians = set(
        session.politicians.exclude(user=None).values_list("user__username", flat=True)
    )
    steps: list[_Step] = []
    for index, thread in enumerate(threads):
        steps.append(_Step(moment(thread.minute), "question", index, thread.by, thread.body))
        for order, voter in enumerate(thread.voters):
            steps.append(_Step(moment(thread.minute + 1 + 0.5 * order), "vote", index, voter))
        last = thread.minute
        for number, reply in enumerate(thread.replies):
            late = reply.by in politicians
            kind = "answer" if reply.answers else "reply"
            at = moment(reply.minute, may_be_late=late)
            steps.append(_Step(at, kind, index, reply.by, reply.body, number))
            last = max(last, reply.minute)
        hide_at = moment(last) + HIDDEN_AFTER
        for number, reply in enumerate(thread.replies):
            if reply.hidden_because:
                steps.append(_Step(hide_at, "hide", index, "", reply.hidden_because, number))
        if thread.hidden_because:
            steps.append(_Step(hide_at, "hide", index, "", thread.hidden_because))
    return steps
