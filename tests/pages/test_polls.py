"""Polls on the pages: vote without JavaScript, results only where the poll allows them, the
cached anonymous page changing with every poll event and never showing anyone's ballot."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sessions import services
from sessions.models import Ballot, Poll
from tests.factories import ModeratorFactory, UserFactory
from tests.two_factor import SecondFactorClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(live_session):
    user = UserFactory(username="mette")
    ModeratorFactory(municipality=live_session.municipality, user=user)
    return user


def poll_in(session, moderator, *, open_it=True, **fields) -> Poll:
    fields = {
        "question": "Hvad skal vi bygge først?",
        "kind": "single",
        "options": ["Svømmehal", "Cykelsti"],
        **fields,
    }
    poll = services.create_poll(session=session, user=moderator, **fields)
    return services.open_poll(poll=poll, user=moderator) if open_it else poll


def page(client: Client, session) -> str:
    response = client.get(f"/sessions/{session.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# Committed for real: the ballot's results are recorded after its commit, before the answer.
@pytest.mark.django_db(transaction=True)
def test_citizen_votes_without_javascript_and_sees_the_live_results(
    live_session, moderator, citizen, client
):
    poll = poll_in(live_session, moderator)
    first = poll.options.first()
    client.force_login(citizen)
    assert 'name="choices"' in page(client, live_session)

    response = client.post(f"/polls/{poll.pk}/ballot/", {"choices": [str(first.pk)]}, follow=True)

    html = response.content.decode()
    assert "Thank you for voting." in html
    assert "You have voted in this poll." in html
    assert "1 (100 %)" in html
    assert Ballot.objects.filter(poll=poll, voter=citizen).count() == 1


def test_bad_ballot_from_the_page_shows_a_message_and_counts_nothing(
    live_session, moderator, citizen, client
):
    poll = poll_in(live_session, moderator, kind="scale", options=[])
    client.force_login(citizen)

    response = client.post(f"/polls/{poll.pk}/ballot/", {"value": "9"}, follow=True)

    assert "Choose a value from 1 to 5." in response.content.decode()
    assert Ballot.objects.count() == 0


def test_anonymous_page_shows_the_open_poll_with_a_sign_in_link_and_no_form(
    live_session, moderator
):
    poll_in(live_session, moderator)
    html = page(english(), live_session)
    assert "Hvad skal vi bygge først?" in html
    assert "to vote in this poll." in html
    assert 'name="choices"' not in html


def test_cached_anonymous_page_changes_when_a_poll_opens_closes_and_counts(
    live_session, moderator, citizen, django_capture_on_commit_callbacks
):
    poll = poll_in(live_session, moderator, open_it=False)
    assert "Hvad skal vi bygge først?" not in page(english(), live_session), "a draft is hidden"

    services.open_poll(poll=poll, user=moderator)
    assert "Hvad skal vi bygge først?" in page(english(), live_session)

    with django_capture_on_commit_callbacks(execute=True):
        services.cast_ballot(poll=poll, user=citizen, choices=[poll.options.first().pk])
    assert "1 voter" in page(english(), live_session)

    services.close_poll(poll=poll, user=moderator)
    assert "poll-closed" in page(english(), live_session)


def test_own_ballot_never_reaches_the_cached_anonymous_page(
    live_session, moderator, citizen, client
):
    poll = poll_in(live_session, moderator, allow_change=True)
    services.cast_ballot(poll=poll, user=citizen, choices=[poll.options.first().pk])
    client.force_login(citizen)
    assert "Change my vote" in page(client, live_session)

    anonymous = page(english(), live_session)

    assert "You have voted" not in anonymous
    assert "Change my vote" not in anonymous
    assert " checked" not in anonymous


@pytest.mark.parametrize("results", ["staff", "after_close", "after_vote"])
def test_results_not_public_are_not_in_the_page(live_session, moderator, citizen, results):
    poll = poll_in(live_session, moderator, results=results)
    services.cast_ballot(poll=poll, user=citizen, choices=[poll.options.first().pk])

    html = page(english(), live_session)

    assert "poll-bars" not in html
    assert "1 voter" not in html


def test_after_vote_results_show_to_the_voter(live_session, moderator, citizen, client):
    poll = poll_in(live_session, moderator, results="after_vote")
    services.cast_ballot(poll=poll, user=citizen, choices=[poll.options.first().pk])
    client.force_login(citizen)
    assert "1 (100 %)" in page(client, live_session)


def test_word_cloud_shows_a_cloud_and_a_ranked_list(live_session, moderator, citizen):
    poll = poll_in(live_session, moderator, kind="words", options=[])
    services.cast_ballot(poll=poll, user=citizen, words=["Cykelstier", "Bad"])
    services.cast_ballot(poll=poll, user=UserFactory(username="bo"), words=["cykelstier"])

    html = page(english(), live_session)

    assert 'class="cloud-word cloud-size-5">cykelstier' in html
    ranking = html[html.index('class="word-ranking"') :]
    assert ranking.index("cykelstier") < ranking.index("bad")


def test_moderator_prepares_opens_and_closes_from_the_moderation_view(
    live_session, moderator, client
):
    client.force_login(moderator)
    response = client.post(
        f"/sessions/{live_session.pk}/polls/new/",
        {"question": "Hvor tilfreds er du?", "kind": "scale", "min": "1", "max": "5"},
        follow=True,
    )
    assert "The poll is ready as a draft." in response.content.decode()
    poll = Poll.objects.get()
    assert (poll.scale_min, poll.scale_max, poll.status) == (1, 5, "draft")

    client.post(f"/polls/{poll.pk}/control/", {"op": "open", "from": "moderation"})
    poll.refresh_from_db()
    assert poll.status == "open"
    client.post(f"/polls/{poll.pk}/control/", {"op": "close", "from": "moderation"})
    poll.refresh_from_db()
    assert poll.status == "closed"


def test_citizen_cannot_create_a_poll_from_the_page(live_session, citizen, client):
    client.force_login(citizen)
    response = client.post(
        f"/sessions/{live_session.pk}/polls/new/",
        {"question": "Mine?", "kind": "single", "options": "a\nb"},
        follow=True,
    )
    assert "Only moderators and staff can prepare polls." in response.content.decode()
    assert Poll.objects.count() == 0


def test_presenter_shows_the_open_poll_and_its_results(live_session, moderator, citizen):
    poll = poll_in(live_session, moderator)
    services.cast_ballot(poll=poll, user=citizen, choices=[poll.options.first().pk])

    html = english().get(f"/sessions/{live_session.pk}/present/").content.decode()

    assert "Hvad skal vi bygge først?" in html
    assert "1 (100 %)" in html


def test_session_page_reads_polls_in_a_fixed_number_of_queries(
    live_session,
    moderator,
    citizen,
    client,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    first = poll_in(live_session, moderator, question="Først?")
    client.force_login(citizen)
    page(client, live_session)  # the login's own first-request work
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_ballot(poll=first, user=moderator, choices=[first.options.first().pk])
    # The first reading at this seq (the questions' snapshot is read once per seq).
    with CaptureQueriesContext(connection) as one:
        page(client, live_session)
    for n in range(4):
        poll = poll_in(
            live_session, moderator, question=f"Spørgsmål {n}?", kind="words", options=[]
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.cast_ballot(poll=poll, user=UserFactory(username=f"v{n}"), words=["bad"])

    with django_assert_num_queries(len(one.captured_queries)):
        page(client, live_session)


def test_a_poll_left_open_reads_closed_once_the_session_ends_by_the_clock(
    live_session, moderator, citizen, client
):

    poll_in(live_session, moderator)
    client.force_login(citizen)
    with time_machine.travel(live_session.ends_at + timedelta(minutes=1)):
        html = page(client, live_session)
    poll_html = html[html.index('class="poll card') :]
    assert 'name="choices"' not in poll_html
    assert "Closed" in poll_html[: poll_html.index("</p>")]


def test_public_record_shows_polls_whose_results_everyone_may_see(live_session, moderator, citizen):
    shown = poll_in(live_session, moderator, results="after_close")
    hidden = poll_in(live_session, moderator, question="Kun for panelet?", results="staff")
    for poll in (shown, hidden):
        services.cast_ballot(poll=poll, user=citizen, choices=[poll.options.first().pk])
        services.close_poll(poll=poll, user=moderator)

    html = english().get(f"/sessions/{live_session.pk}/record/").content.decode()
    api = english().get(f"/api/sessions/{live_session.pk}/record/").json()

    assert "Hvad skal vi bygge først?" in html
    assert '<th scope="row">Svømmehal</th><td>1</td><td>100 %</td>' in html
    assert "Kun for panelet?" not in html
    assert [entry["poll"]["id"] for entry in api["polls"]] == [shown.pk]
    assert api["polls"][0]["results"]["voters"] == 1


def test_a_ballot_form_resent_with_its_key_is_one_ballot(live_session, moderator, citizen, client):
    poll = poll_in(live_session, moderator)
    first = poll.options.first()
    client.force_login(citizen)
    url = f"/polls/{poll.pk}/ballot/"

    sent = client.post(url, {"choices": [str(first.pk)]}, headers={"Idempotency-Key": "form-1"})
    again = client.post(
        url, {"choices": [str(first.pk)]}, headers={"Idempotency-Key": "form-1"}, follow=True
    )

    assert sent.status_code == 302
    html = again.content.decode()
    assert "You have voted in this poll already." not in html
    assert "Thank you for voting." in html
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert Poll.objects.get(pk=poll.pk).voter_count == 1


def test_a_ballot_form_with_a_reused_key_and_another_choice_is_refused_422(
    live_session, moderator, citizen, client
):
    poll = poll_in(live_session, moderator, allow_change=True)
    first, second = poll.options.all()
    client.force_login(citizen)
    url = f"/polls/{poll.pk}/ballot/"
    client.post(url, {"choices": [str(first.pk)]}, headers={"Idempotency-Key": "form-1"})

    response = client.post(
        url, {"choices": [str(second.pk)]}, headers={"Idempotency-Key": "form-1"}
    )

    assert response.status_code == 422
    assert "This Idempotency-Key was already used for a different request." in (
        response.content.decode()
    )
    assert Ballot.objects.get(poll=poll).choices == [str(first.pk)]


def test_a_ballot_form_key_of_another_voter_is_their_own(
    live_session, moderator, citizen, other_citizen, client
):
    poll = poll_in(live_session, moderator)
    first = poll.options.first()
    url = f"/polls/{poll.pk}/ballot/"
    for voter in (citizen, other_citizen):
        client.force_login(voter)
        client.post(url, {"choices": [str(first.pk)]}, headers={"Idempotency-Key": "form-1"})

    assert Ballot.objects.filter(poll=poll).count() == 2
    assert Poll.objects.get(pk=poll.pk).voter_count == 2


def test_statistics_page_shows_each_polls_turnout_or_a_dash(live_session, moderator, staff):
    counted = poll_in(live_session, moderator, question="Hvad først?")
    for n in range(3):
        services.cast_ballot(
            poll=counted, user=UserFactory(username=f"v{n}"), choices=[counted.options.first().pk]
        )
    Poll.objects.filter(pk=counted.pk).update(status="closed", viewers_at_close=4)
    poll_in(live_session, moderator, question="Og så?")
    client = SecondFactorClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)

    response = client.get(f"/sessions/{live_session.pk}/report/")

    html = response.content.decode()
    table = html[
        html.index('data-table="polls"') : html.index("</table>", html.index('data-table="polls"'))
    ]
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr data-poll=.*?</tr>", table)
    ]
    assert rows == ["Hvad først? Closed 3 4 75 %", "Og så? Open 0 \N{EN DASH} \N{EN DASH}"]
