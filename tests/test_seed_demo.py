"""`manage.py seed_demo`: a demo anyone can sign in to, loaded the same way twice.

The command writes through the services, so its data must look like a session that happened:
vote counts that match the votes, an event log without gaps, politicians under their badge.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from django.test import RequestFactory
from django.utils import timezone

from sessions import events
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

pytestmark = pytest.mark.django_db

LIVE = "Digital spørgetime med borgmesteren"
CLOSED = "Digitalt borgermøde om budget 2027"
UPCOMING = "Borgermøde om ny bydel i Trekroner"


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # The command hashes four demo passwords a run; the default hasher makes that slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded_twice() -> str:
    """The output of the second of two runs."""
    seed_demo()
    return seed_demo()


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


def test_second_run_adds_nothing():
    seed_demo()
    first = counts()

    seed_demo()

    assert counts() == first
    assert first["municipalities"] == 2
    assert first["sessions"] == 3
    assert first["posts"] > 0
    assert first["votes"] > 0
    assert first["watched words"] == 3


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


def test_faaborg_midtfyn_budget_meeting_is_closed_with_fifteen_politicians(seeded_twice):
    session = session_titled(CLOSED)
    questions = session.posts.filter(parent=None)
    citizens = session.posts.filter(politician=None)

    assert session.municipality.slug == "faaborg-midtfyn"
    assert session.status_at(timezone.now()) == Session.Status.CLOSED
    assert session.politicians.count() == 15
    assert questions.count() >= 12
    assert citizens.values("author").distinct().count() == 10
    assert citizens.filter(parent__isnull=False).exists()
    # Citizens wrote only while the meeting was open.
    assert not citizens.filter(created_at__lt=session.starts_at).exists()
    assert not citizens.filter(created_at__gte=session.ends_at).exists()


def test_faaborg_midtfyn_politicians_answer_under_their_own_accounts(seeded_twice):
    session = session_titled(CLOSED)
    by_politicians = session.posts.exclude(politician=None)
    answered = session.posts.filter(parent=None, is_answered=True)

    assert by_politicians.values("politician").distinct().count() >= 5
    assert not by_politicians.exclude(author=F("politician__user")).exists()
    assert not by_politicians.filter(parent=None).exists()
    assert 0 < answered.count() < session.posts.filter(parent=None).count()
    assert not answered.filter(answered_at=None).exists()
    for question in answered:
        assert question.replies.exclude(politician=None).exists()


def test_trekroner_meeting_is_scheduled_with_three_roskilde_politicians(seeded_twice):
    session = session_titled(UPCOMING)
    now = timezone.now()

    assert session.municipality.slug == "roskilde"
    assert session.status_at(now) == Session.Status.SCHEDULED
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
    with pytest.raises(CommandError, match="runs only with DJANGO_DEBUG=1"):
        call_command("seed_demo", stdout=StringIO())
    assert not get_user_model().objects.filter(username="redaktor").exists()
