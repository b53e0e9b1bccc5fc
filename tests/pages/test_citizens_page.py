"""The signed-in page of a citizen with no part of their own in the session is rendered once per
look and filled with each reader's values (pages/sessions.py, the shell). Each test loads the
page through the shell after another citizen made it, and compares it with the page rendered
whole for the same reader: they must be the same page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions import services
from sessions.models import Poll
from sessions.pages import sessions as session_pages
from tests.factories import PostFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

# What differs between two loads of the very same page: a fresh mask on the form token (64
# letters and digits, so a slot left in place of one is not taken for one), and the server's
# clock.
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"')
CLOCK = re.compile(r'"server_now": "[^"]+"')


def comparable(html: str, *, name: str = "") -> str:
    # No slot left unfilled, wherever it stood (a form's token in a reader's polls, say); but
    # a reader may call themselves anything.
    assert "townhall-slot-" not in html.replace(name, "")
    html = TOKEN.sub('name="csrfmiddlewaretoken" value="…"', html)
    return CLOCK.sub('"server_now": "…"', html)


def page_of(client, user, path: str, *, shared: bool, monkeypatch) -> str:
    monkeypatch.setattr(session_pages, "SHARE_CITIZENS_PAGE", shared)
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def busy_session(live_session, mayor_user, staff):
    """Questions with replies and an answer, an open poll, a citizen's vote and ballot."""
    first = PostFactory(session=live_session, body="Hvornår åbner svømmehallen igen?")
    PostFactory(session=live_session, parent=first, body="Det vil jeg også gerne vide.")
    services.answer_question(question=first, author=mayor_user, body="Til sommer.")
    second = PostFactory(session=live_session, body="Hvad koster den nye cykelsti?")
    poll = services.create_poll(
        session=live_session,
        user=staff,
        question="Hvad skal komme først?",
        kind=Poll.Kind.SINGLE,
        options=["Skolen", "Hallen"],
        results=Poll.Results.AFTER_VOTE,
    )
    services.open_poll(poll=poll, user=staff)
    return {"session": live_session, "first": first, "second": second, "poll": poll}


def test_a_citizens_page_from_the_shell_is_the_page_rendered_for_them_alone(
    client, busy_session, monkeypatch
):
    session = busy_session["session"]
    path = f"/sessions/{session.pk}/"
    # The first citizen makes the shell; nothing of theirs may reach the second one's page.
    first = UserFactory(first_name="Åse <Første> & Co")
    services.vote(question=busy_session["second"], user=first)
    second = UserFactory(first_name="Bo Anden")
    services.vote(question=busy_session["first"], user=second)
    poll = busy_session["poll"]
    services.cast_ballot(poll=poll, user=second, choices=[poll.options.first().pk])
    session.refresh_from_db()

    page_of(client, first, path, shared=True, monkeypatch=monkeypatch)
    assert session_pages.shells.entries, "the first citizen's page made no shell"
    from_shell = page_of(client, second, path, shared=True, monkeypatch=monkeypatch)
    whole = page_of(client, second, path, shared=False, monkeypatch=monkeypatch)

    assert comparable(from_shell) == comparable(whole)
    assert "Signed in as Bo Anden" in from_shell
    assert "Første" not in from_shell
    # The second citizen's vote and ballot, not the first one's.
    assert f'"voted": [{busy_session["first"].pk}]' in from_shell
    assert "You have voted in this poll." in from_shell
    assert "The results show once you have voted." not in from_shell
    first_again = page_of(client, first, path, shared=True, monkeypatch=monkeypatch)
    assert "The results show once you have voted." in first_again
    assert "Signed in as Åse &lt;Første&gt; &amp; Co" in first_again


def test_the_shell_keeps_a_name_that_looks_like_a_slot_as_written(
    client, busy_session, monkeypatch
):
    session = busy_session["session"]
    path = f"/sessions/{session.pk}/"
    page_of(client, UserFactory(), path, shared=True, monkeypatch=monkeypatch)
    sly = UserFactory(first_name=f"{session_pages.POLLS_SLOT} {session_pages.VOTED_SLOT}")

    from_shell = page_of(client, sly, path, shared=True, monkeypatch=monkeypatch)
    whole = page_of(client, sly, path, shared=False, monkeypatch=monkeypatch)

    name = f"{session_pages.POLLS_SLOT} {session_pages.VOTED_SLOT}"
    assert comparable(from_shell, name=name) == comparable(whole, name=name)
    assert f"Signed in as {name}" in from_shell


@pytest.mark.parametrize("query", ["", "?ordering=-created", "?ordering=-votes"])
@pytest.mark.parametrize("language", ["da", "en"])
def test_each_ordering_and_language_has_a_shell_of_its_own(
    client, busy_session, monkeypatch, query, language
):
    path = f"/sessions/{busy_session['session'].pk}/{query}"
    client.cookies["django_language"] = language
    page_of(client, UserFactory(), path, shared=True, monkeypatch=monkeypatch)
    reader = UserFactory()

    from_shell = page_of(client, reader, path, shared=True, monkeypatch=monkeypatch)
    whole = page_of(client, reader, path, shared=False, monkeypatch=monkeypatch)

    assert comparable(from_shell) == comparable(whole)


def test_unread_notifications_and_messages_are_the_readers_own(
    client, busy_session, citizen, mayor_user, monkeypatch
):
    session = busy_session["session"]
    path = f"/sessions/{session.pk}/"
    question = PostFactory(session=session, author=citizen, body="Kommer der flere busser?")
    services.answer_question(question=question, author=mayor_user, body="Ja, fra august.")
    session.refresh_from_db()
    page_of(client, UserFactory(), path, shared=True, monkeypatch=monkeypatch)

    from_shell = page_of(client, citizen, path, shared=True, monkeypatch=monkeypatch)
    whole = page_of(client, citizen, path, shared=False, monkeypatch=monkeypatch)

    assert comparable(from_shell) == comparable(whole)
    assert 'aria-label="1 unread"' in from_shell


def test_moderators_staff_and_the_panel_never_get_a_citizens_shell(
    client, busy_session, staff, mayor_user, monkeypatch
):
    path = f"/sessions/{busy_session['session'].pk}/"
    page_of(client, UserFactory(), path, shared=True, monkeypatch=monkeypatch)

    staff_page = page_of(client, staff, path, shared=True, monkeypatch=monkeypatch)
    mayor_page = page_of(client, mayor_user, path, shared=True, monkeypatch=monkeypatch)

    assert "Run the session" in staff_page
    assert "Open questions, most wanted first" in mayor_page
    assert len(session_pages.shells.entries) == 1


def test_each_citizens_reminder_button_is_their_own_from_the_shell(client, mayor, monkeypatch):
    """Remind me (issue 15) for one with an address, Take back for one who asked, a link to add
    an address for one without: each from the same shell as the page rendered whole."""
    starts = timezone.now() + timedelta(days=2)
    session = SessionFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
    path = f"/sessions/{session.pk}/"
    asked = UserFactory(email="asked@example.dk")
    services.remind_me(session=session, user=asked)
    not_yet = UserFactory(email="not-yet@example.dk")
    no_address = UserFactory()

    page_of(client, asked, path, shared=True, monkeypatch=monkeypatch)
    for reader, shows in (
        (not_yet, 'data-field="remind-me"'),
        (asked, 'data-field="forget-reminder"'),
        (no_address, "Add your e-mail address first"),
    ):
        from_shell = page_of(client, reader, path, shared=True, monkeypatch=monkeypatch)
        whole = page_of(client, reader, path, shared=False, monkeypatch=monkeypatch)
        assert comparable(from_shell) == comparable(whole)
        assert shows in from_shell
    assert len(session_pages.shells.entries) == 1
