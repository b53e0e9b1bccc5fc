"""`manage.py seed_demo`: a demo anyone can sign in to, loaded the same way twice.

The command writes through the services, so its data must look like a session that happened:
vote counts that match the votes, an event log without gaps, politicians under their badge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from django.test import RequestFactory, override_settings
from django.utils import timezone

from sessions import events
from sessions.demo import faaborg_midtfyn
from sessions.demo.evening import faaborg_threads
from sessions.management.commands.seed_demo import DEMO_LOGINS, DEMO_PASSWORD
from sessions.models import (
    Event,
    Moderator,
    Municipality,
    Politician,
    Post,
    Session,
    Vote,
    WatchedKeyword,
)
from sessions.ratelimit_settings import DEFAULT_RATE_LIMITS
from sessions.reports import session_report

pytestmark = pytest.mark.django_db

LIVE = "Digital spørgetime med borgmesteren"
CLOSED = "Digitalt borgermøde om budget 2027"
UPCOMING = "Borgermøde om ny bydel i Trekroner"


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The demo, loaded twice and committed once for the module (a run takes seconds).

    Each test still runs in a transaction of its own, rolled back after it, so a test that
    changes the demo changes it for itself only. The database is flushed afterwards, as
    transactional tests do, so nothing reaches the next module.
    """
    with django_db_blocker.unblock():
        # The default rate limits, counted afresh, as under `make run`.
        with override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TOWNHALL_RATE_LIMITS=dict(DEFAULT_RATE_LIMITS),
            RATELIMIT_CACHE_PREFIX=f"rl:seed-demo-{uuid.uuid4().hex}:",
        ):
            seed_demo()
            first = counts()
            second_output = seed_demo()
            second = counts()
        yield {"first": first, "second": second, "output": second_output}
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def seeded_twice(demo) -> str:
    """The output of the second of two runs."""
    return demo["output"]


def counts() -> dict[str, int]:
    return {
        "municipalities": Municipality.objects.count(),
        "politicians": Politician.objects.count(),
        "moderators": Moderator.objects.count(),
        "sessions": Session.objects.count(),
        "posts": Post.objects.count(),
        "votes": Vote.objects.count(),
        "users": get_user_model().objects.count(),
        "events": Event.objects.count(),
        "watched words": WatchedKeyword.objects.count(),
    }


def session_titled(title: str) -> Session:
    return Session.objects.select_related("municipality").get(title=title)


def test_second_run_adds_nothing(demo):
    assert demo["second"] == demo["first"]
    assert demo["first"]["municipalities"] == 2
    assert demo["first"]["sessions"] == 3
    assert demo["first"]["watched words"] == 3
    # Roskilde's 6 questions and 3 replies, Faaborg-Midtfyn's 321 comments and 3 hidden posts.
    assert demo["first"]["posts"] == 9 + 321 + 3


def test_a_third_run_changes_nothing_either(demo):
    before = counts()

    seed_demo()

    assert counts() == before


def test_roskilde_question_time_is_live_now_with_the_mayor(seeded_twice):
    session = session_titled(LIVE)
    mayor = Politician.objects.get(name="Tomas Breddam")
    now = timezone.now()

    assert session.municipality.slug == "roskilde"
    assert session.status_at(now) == Session.Status.LIVE
    assert session.ends_at - session.starts_at == timedelta(hours=1)
    assert list(session.politicians.all()) == [mayor]
    assert (mayor.party, mayor.role, mayor.user.username) == (
        "Socialdemokratiet",
        "Borgmester",
        "borgmester",
    )
    questions = session.posts.filter(parent=None)
    assert questions.count() == 6
    assert all(session.starts_at <= post.created_at <= now for post in session.posts.all())
    answered = questions.get(is_answered=True)
    assert answered.replies.filter(politician=mayor, author=mayor.user).count() == 1


def test_faaborg_midtfyn_report_gives_the_articles_figures(seeded_twice):
    session = session_titled(CLOSED)

    totals = session_report(session)["totals"]

    assert (totals["citizen_comments"], totals["citizens"]) == (152, 44)
    assert (totals["politician_comments"], totals["politicians"]) == (169, 15)
    assert totals["questions"] == 48
    assert totals["removed_comments"] == 3
    assert totals["pending_comments"] == 0


def test_faaborg_midtfyn_report_page_shows_the_figures(seeded_twice, client):
    session = session_titled(CLOSED)
    client.force_login(get_user_model().objects.get(username="redaktor"))

    response = client.get(f"/sessions/{session.pk}/report/")

    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals["citizen_comments"], totals["citizens"]) == (152, 44)
    assert (totals["politician_comments"], totals["politicians"]) == (169, 15)
    assert "Jens Krogh Madsen" in response.content.decode()


def test_faaborg_midtfyn_hidden_posts_exist_and_count_in_no_figure(seeded_twice):
    session = session_titled(CLOSED)
    hidden = session.posts.filter(status=Post.Status.HIDDEN)
    troll = get_user_model().objects.get(username=faaborg_midtfyn.TROLL.username)
    totals = session_report(session)["totals"]

    assert hidden.count() == 3
    assert set(hidden.values_list("author", flat=True)) == {troll.pk}
    assert not session.posts.filter(author=troll).exclude(status=Post.Status.HIDDEN).exists()
    # Two citizens upvoted the troll's question before it was hidden: those votes do not count.
    assert Vote.objects.filter(post__in=hidden).count() == 2
    assert totals["votes"] == Vote.objects.filter(post__session=session).count() - 2
    assert session.moderation_actions.filter(action="hide").count() == 3


def test_faaborg_midtfyn_meeting_ran_from_seven_to_nine_a_week_ago(seeded_twice):
    session = session_titled(CLOSED)
    starts = timezone.localtime(session.starts_at)
    citizens = session.posts.filter(politician=None)

    assert session.municipality.slug == "faaborg-midtfyn"
    assert session.status_at(timezone.now()) == Session.Status.CLOSED
    assert (starts.hour, starts.minute) == (19, 0)
    assert session.ends_at - session.starts_at == timedelta(hours=2)
    assert timezone.localdate() - starts.date() == timedelta(days=7)
    assert session.politicians.count() == 15
    # Citizens wrote only while the meeting was open.
    assert not citizens.filter(created_at__lt=session.starts_at).exists()
    assert not citizens.filter(created_at__gte=session.ends_at).exists()


def test_faaborg_midtfyn_evening_rises_and_falls(seeded_twice):
    timeline = session_report(session_titled(CLOSED))["timeline"]
    in_meeting = [row for row in timeline if 0 <= row["offset"] < 120]
    per_half_hour = [
        sum(row["citizens"] + row["politicians"] for row in in_meeting[start : start + 30])
        for start in range(0, 120, 30)
    ]

    assert len(in_meeting) == 120
    assert per_half_hour[0] < per_half_hour[1] > per_half_hour[3]
    # Three politicians answered the next morning (one without marking the question answered).
    assert sum(per_half_hour) == 321 - 3


def test_faaborg_midtfyn_politicians_answer_after_the_questions_in_threads(seeded_twice):
    session = session_titled(CLOSED)
    published = session.posts.filter(status=Post.Status.PUBLISHED)
    questions = published.filter(parent=None)

    assert not published.exclude(politician=None).filter(parent=None).exists()
    assert not published.filter(parent__created_at__gte=F("created_at")).exists()
    assert not published.exclude(politician=None).exclude(author=F("politician__user")).exists()
    assert questions.filter(is_answered=True).count() == 44
    assert questions.filter(is_answered=True, answered_at__gt=session.ends_at).count() == 2
    for question in questions:
        assert question.replies.exclude(politician=None).exists(), question.body


def test_faaborg_midtfyn_comments_read_like_people_not_placeholders(seeded_twice):
    bodies = list(session_titled(CLOSED).posts.values_list("body", flat=True))

    assert len(set(bodies)) == len(bodies)
    assert not any("Kommentar" in body or "{" in body for body in bodies)
    assert any("Ryslinge" in body for body in bodies)


def test_faaborg_midtfyn_evening_is_the_same_every_time():
    assert faaborg_threads() == faaborg_threads()


def test_trekroner_meeting_collects_questions_with_three_roskilde_politicians(seeded_twice):
    session = session_titled(UPCOMING)
    now = timezone.now()

    assert session.municipality.slug == "roskilde"
    assert session.status_at(now) == Session.Status.COLLECTING
    assert timedelta(days=2) < session.starts_at - now < timedelta(days=4)
    assert session.ends_at - session.starts_at == timedelta(minutes=90)
    assert session.politicians.count() == 3
    assert session.politicians.filter(name="Tomas Breddam").exists()
    assert not session.posts.exists()


def test_demo_logins_sign_in_with_the_documented_password(seeded_twice):
    for _role, username in DEMO_LOGINS:
        # django-axes counts every login attempt by its request, so authenticate() needs one.
        request = RequestFactory().post("/accounts/login/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD), username

    redaktor = get_user_model().objects.get(username="redaktor")
    assert (redaktor.is_staff, redaktor.is_superuser) == (True, True)
    assert get_user_model().objects.get(username="borger").first_name == "Mette Borger"
    assert Moderator.objects.filter(
        user__username="moderator", municipality__slug="roskilde"
    ).exists()


def test_a_changed_demo_password_is_reset_by_the_next_run():
    seed_demo()
    borger = get_user_model().objects.get(username="borger")
    borger.set_password("something-else-entirely")
    borger.save()

    seed_demo()

    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="borger", password=DEMO_PASSWORD) is not None


def test_every_vote_count_matches_its_vote_rows(seeded_twice):
    posts = Post.objects.annotate(rows=Count("votes"))

    assert posts.filter(vote_count__gt=0).exists()
    assert [(p.pk, p.vote_count) for p in posts] == [(p.pk, p.rows) for p in posts]


def test_each_session_log_runs_from_one_without_gaps_and_holds_every_post(seeded_twice):
    for session in Session.objects.all():
        seqs = list(session.events.order_by("seq").values_list("seq", flat=True))
        assert seqs == list(range(1, len(seqs) + 1)), session.title
        assert session.last_seq == len(seqs)
        types = list(session.events.values_list("type", flat=True))
        assert types.count(events.QUESTION_CREATED) == session.posts.filter(parent=None).count()
        assert types.count(events.REPLY_CREATED) == session.posts.exclude(parent=None).count()


def test_an_expired_live_session_is_live_again_after_the_next_run_without_new_posts():
    seed_demo()
    session = session_titled(LIVE)
    yesterday = timezone.now() - timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(
        starts_at=yesterday, ends_at=yesterday + timedelta(hours=1)
    )
    posts = session.posts.count()

    seed_demo()

    session.refresh_from_db()
    assert session.status_at(timezone.now()) == Session.Status.LIVE
    assert session.posts.count() == posts
    newest = session.events.order_by("-seq").first()
    assert (newest.seq, newest.type) == (session.last_seq, events.SESSION_UPDATED)
    assert newest.data["status"] == Session.Status.LIVE


def test_output_names_the_logins_their_password_and_the_address(seeded_twice):
    lines = seeded_twice.splitlines()
    block = lines[lines.index("Demo logins (password: townhall-demo):") :]

    assert [line.split() for line in block[1:5]] == [
        ["citizen", "borger"],
        ["mayor", "borgmester"],
        ["moderator", "moderator"],
        ["staff", "redaktor"],
    ]
    assert "http://127.0.0.1:8000/" in block[5]


def test_seed_demo_refuses_to_run_in_production(settings):
    from django.core.management.base import CommandError

    settings.DEMO_DATA_ALLOWED = False  # as with DJANGO_DEBUG=0
    before = counts()  # empty, or the module's demo when a test before this one loaded it

    with pytest.raises(CommandError, match="runs only with DJANGO_DEBUG=1"):
        call_command("seed_demo", stdout=StringIO())

    assert counts() == before
