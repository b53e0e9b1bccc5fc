"""Retention: citizens of old sessions become "Participant <n>"; the reports still add up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from sessions import services
from sessions.models import Event, Post, Session, Vote
from sessions.services.accounts import delete_account
from sessions.services.retention import apply_retention

from .factories import MunicipalityFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def figures(session: Session) -> dict[str, int]:
    """What a session's report counts: citizen comments, distinct citizens, votes received."""
    citizen_posts = Post.objects.filter(session=session, politician__isnull=True)
    return {
        "citizen_comments": citizen_posts.count(),
        "distinct_citizens": citizen_posts.values("author").distinct().count(),
        "politician_comments": Post.objects.filter(
            session=session, politician__isnull=False
        ).count(),
        "votes": Vote.objects.filter(post__session=session).count(),
        "vote_counts": citizen_posts.aggregate(total=Sum("vote_count"))["total"] or 0,
        "voters": Vote.objects.filter(post__session=session).values("user").distinct().count(),
    }


@pytest.fixture
def old_session(mayor, citizen, other_citizen) -> Session:
    """A session that closed 400 days ago in a municipality that keeps a year."""
    municipality = MunicipalityFactory()
    municipality.retention_days = 365
    municipality.save()
    started = timezone.now() - timedelta(days=400)
    session = SessionFactory(
        municipality=municipality,
        starts_at=started,
        ends_at=started + timedelta(hours=1),
        politicians=[mayor],
    )
    during = started + timedelta(minutes=5)
    first = services.post_question(
        session=session, author=citizen, body="Hvad med havnen?", now=during
    )
    services.post_reply(
        post=first, author=other_citizen, body="Enig!", now=during + timedelta(minutes=1)
    )
    services.answer_question(
        question=first,
        author=mayor.user,
        body="Vi bygger i 2027.",
        now=during + timedelta(minutes=2),
    )
    second = services.post_question(
        session=session, author=citizen, body="Og parkeringen?", now=during + timedelta(minutes=3)
    )
    services.vote(question=first, user=other_citizen, now=during + timedelta(minutes=4))
    voter = UserFactory(username="carl", first_name="Carl Voter")
    services.vote(question=second, user=voter, now=during + timedelta(minutes=4))
    return session


def test_citizens_of_an_old_session_become_numbered_participants(client, old_session):
    before = figures(old_session)

    result = apply_retention()

    assert (result.sessions, result.participants) == (1, 3)
    assert figures(old_session) == before
    html = client.get(f"/sessions/{old_session.pk}/").content.decode()
    assert "Participant 1" in html  # Anna, first to post
    assert "Participant 2" in html  # Bo
    for name in ("Anna Jensen", "Bo Hansen"):
        assert name not in html
    assert "Tomas Breddam" in html  # the mayor spoke in public office


def test_event_log_names_the_pseudonyms_too(old_session):
    apply_retention()

    authors = {
        event.data["body"]: event.data["author"]
        for event in Event.objects.filter(session=old_session, type__endswith=".created")
    }
    assert authors["Hvad med havnen?"] == "Participant 1"
    assert authors["Enig!"] == "Participant 2"
    assert authors["Og parkeringen?"] == "Participant 1"


def test_the_accounts_themselves_stay_and_lose_only_the_old_session(
    old_session, citizen, live_session
):
    recent = services.post_question(session=live_session, author=citizen, body="Nyt spørgsmål?")

    apply_retention()

    assert Post.objects.get(pk=recent.pk).author == citizen
    assert not Post.objects.filter(session=old_session, author=citizen).exists()
    citizen.refresh_from_db()
    assert citizen.is_active


def test_running_it_again_changes_nothing(old_session):
    apply_retention()
    authors = list(Post.objects.order_by("pk").values_list("author_id", flat=True))
    events = list(Event.objects.order_by("pk").values_list("data", flat=True))

    again = apply_retention()

    assert (again.sessions, again.participants) == (0, 0)
    assert list(Post.objects.order_by("pk").values_list("author_id", flat=True)) == authors
    assert list(Event.objects.order_by("pk").values_list("data", flat=True)) == events


def test_sessions_within_the_period_and_municipalities_without_one_are_kept(old_session, citizen):
    within = SessionFactory(
        municipality=old_session.municipality,
        starts_at=timezone.now() - timedelta(days=30),
        ends_at=timezone.now() - timedelta(days=30) + timedelta(hours=1),
    )
    keep_forever = MunicipalityFactory(name="Faaborg-Midtfyn", slug="faaborg")
    ancient = SessionFactory(
        municipality=keep_forever,
        starts_at=timezone.now() - timedelta(days=3000),
        ends_at=timezone.now() - timedelta(days=3000) + timedelta(hours=1),
    )
    for session in (within, ancient):
        Post.objects.create(
            session=session, author=citizen, body="Hej", created_at=session.starts_at
        )

    apply_retention()

    assert Post.objects.filter(session__in=[within, ancient], author=citizen).count() == 2


def test_dry_run_only_counts(old_session, capsys):
    authors = list(Post.objects.order_by("pk").values_list("author_id", flat=True))

    call_command("apply_retention", "--dry-run")

    assert capsys.readouterr().out == "Would pseudonymise 3 participant(s) in 1 session(s).\n"
    assert list(Post.objects.order_by("pk").values_list("author_id", flat=True)) == authors


def test_command_reports_what_it_did(old_session, capsys):
    call_command("apply_retention")

    assert capsys.readouterr().out == "Pseudonymised 3 participant(s) in 1 session(s).\n"


def test_deleted_accounts_are_left_as_they_are(old_session, other_citizen):
    delete_account(user=other_citizen, password="demo-password-123")

    result = apply_retention()

    assert result.participants == 2
    assert Post.objects.filter(author=other_citizen).count() == 1
    assert (
        Post.objects.filter(session=old_session).values("author").annotate(n=Count("id")).count()
        == 3
    )
