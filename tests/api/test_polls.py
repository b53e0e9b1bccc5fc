"""The polls API: who may prepare, run and vote, bad input answered 4xx with a message, and
results that only those allowed to see them get."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from sessions import services
from sessions.models import Ballot, Event, Poll, PollTally
from tests.factories import ModeratorFactory, PoliticianFactory, UserFactory, api_token
from tests.two_factor import SecondFactorAPIClient

pytestmark = pytest.mark.django_db

POLL = {"question": "Hvad skal vi bygge først?", "kind": "single", "options": ["Bad", "Skole"]}


@pytest.fixture
def moderator(live_session):
    user = UserFactory(username="mette")
    ModeratorFactory(municipality=live_session.municipality, user=user)
    return user


@pytest.fixture
def people(live_session, moderator, mayor_user, citizen, staff):
    other_politician = UserFactory(username="other-politician")
    PoliticianFactory(municipality=live_session.municipality, user=other_politician)
    return {
        "anonymous": None,
        "citizen": citizen,
        "other_politician": other_politician,
        "panel_politician": mayor_user,
        "moderator": moderator,
        "staff": staff,
    }


def as_(user) -> APIClient:
    client = SecondFactorAPIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        client.force_authenticate(user)
    return client


def new_poll(session, moderator, **fields) -> Poll:
    return services.create_poll(session=session, user=moderator, **{**POLL, **fields})


def open_poll(session, moderator, **fields) -> Poll:
    return services.open_poll(poll=new_poll(session, moderator, **fields), user=moderator)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("citizen", 403),
        ("other_politician", 403),
        ("panel_politician", 403),
        ("moderator", 201),
        ("staff", 201),
    ],
)
def test_who_may_prepare_a_poll(live_session, people, role, expected):
    response = as_(people[role]).post(
        f"/api/sessions/{live_session.pk}/polls/", POLL, format="json"
    )

    assert response.status_code == expected
    assert Poll.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        body = response.json()
        assert body["status"] == "draft"
        assert [o["text"] for o in body["options"]] == ["Bad", "Skole"]
        assert (body["results"], body["secret"], body["allow_change"]) == ("live", False, False)
    else:
        assert response.json()["detail"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("citizen", 403),
        ("other_politician", 403),
        ("panel_politician", 200),
        ("moderator", 200),
        ("staff", 200),
    ],
)
def test_who_may_open_and_close_a_poll(live_session, people, moderator, role, expected):
    poll = new_poll(live_session, moderator)
    client = as_(people[role])

    opened = client.post(f"/api/polls/{poll.pk}/open/")
    closed = client.post(f"/api/polls/{poll.pk}/close/")

    assert (opened.status_code, closed.status_code) == (expected, expected)
    poll.refresh_from_db()
    assert poll.status == ("closed" if expected == 200 else "draft")
    if expected == 200:
        assert closed.json()["status"] == "closed"


def test_list_shows_drafts_only_to_those_who_run_polls(live_session, moderator, citizen):
    new_poll(live_session, moderator, question="Draft?")
    open_poll(live_session, moderator, question="Open?")

    public = as_(None).get(f"/api/sessions/{live_session.pk}/polls/")
    running = as_(moderator).get(f"/api/sessions/{live_session.pk}/polls/")

    assert [p["question"] for p in public.json()] == ["Open?"]
    assert [p["question"] for p in running.json()] == ["Draft?", "Open?"]
    assert "counts" not in public.json()[0]


def test_citizen_votes_and_reads_live_results(live_session, moderator, citizen):
    poll = open_poll(live_session, moderator)
    bad, school = (o.pk for o in poll.options.all())

    response = as_(citizen).post(f"/api/polls/{poll.pk}/ballot/", {"choices": [bad]}, format="json")

    assert response.status_code == 200
    expected = {"poll": poll.pk, "counts": {str(bad): 1, str(school): 0}, "voters": 1}
    assert response.json() == {"poll": poll.pk, "voted": True, "results": expected}
    assert as_(None).get(f"/api/polls/{poll.pk}/results/").json() == expected


def test_a_storms_ballot_costs_the_token_the_ban_check_and_its_count(
    live_session, moderator, citizen, django_assert_max_num_queries
):
    poll = open_poll(live_session, moderator)
    option = poll.options.first().pk
    first = UserFactory(username="first-voter")
    send = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    send.credentials(HTTP_AUTHORIZATION=f"Token {api_token(first)}")
    first_ballot = send.post(f"/api/polls/{poll.pk}/ballot/", {"choices": [option]}, format="json")
    assert first_ballot.status_code == 200
    send.credentials(HTTP_AUTHORIZATION=f"Token {api_token(citizen)}")

    # The token and the ban check (the poll with its session was read by the first ballot of
    # this moment); then, in the ballot's transaction (a savepoint here), the ballot, the
    # tally, the voter count under the poll's lock, and the counts read back.
    with django_assert_max_num_queries(8) as queries:
        response = send.post(f"/api/polls/{poll.pk}/ballot/", {"choices": [option]}, format="json")

    assert response.json()["results"]["voters"] == 2
    poll_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "townhall_sessions_poll"' in query["sql"]
    ]
    assert poll_reads == []


@pytest.mark.parametrize("closing", ["the poll", "the session"])
def test_a_ballot_after_closing_is_refused_though_its_poll_was_read_open_a_moment_before(
    closing, live_session, moderator, citizen, staff
):
    poll = open_poll(live_session, moderator)
    option = poll.options.first().pk
    url = f"/api/polls/{poll.pk}/ballot/"
    assert as_(UserFactory()).post(url, {"choices": [option]}, format="json").status_code == 200
    if closing == "the poll":
        services.close_poll(poll=poll, user=moderator)
    else:
        services.close_session(session=live_session, user=staff)

    response = as_(citizen).post(url, {"choices": [option]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "This poll is not open for votes.", "code": "not_open"}
    poll.refresh_from_db()
    assert (poll.status, poll.voter_count, Ballot.objects.count()) == ("closed", 1, 1)
    assert counted(poll)[str(option)] == 1


def test_anonymous_cannot_vote(live_session, moderator):
    poll = open_poll(live_session, moderator)
    response = as_(None).post(
        f"/api/polls/{poll.pk}/ballot/", {"choices": [poll.options.first().pk]}, format="json"
    )
    assert response.status_code == 401
    assert Ballot.objects.count() == 0


def test_banned_citizen_cannot_vote(live_session, moderator, citizen):
    poll = open_poll(live_session, moderator)
    services.ban_user(
        municipality=live_session.municipality, user=moderator, target=citizen, reason="spam"
    )
    response = as_(citizen).post(
        f"/api/polls/{poll.pk}/ballot/", {"choices": [poll.options.first().pk]}, format="json"
    )
    assert response.status_code == 403
    assert "banned" in response.json()["detail"]
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize(
    ("results", "voted", "viewer", "expected"),
    [
        ("staff", False, "citizen", 403),
        ("staff", False, "anonymous", 403),
        ("staff", False, "panel_politician", 200),
        ("staff", False, "moderator", 200),
        ("after_vote", False, "citizen", 403),
        ("after_vote", True, "citizen", 200),
        ("after_close", True, "citizen", 403),
        ("after_close", False, "staff", 200),
    ],
)
def test_results_only_to_those_who_may_see_them(
    live_session, people, moderator, results, voted, viewer, expected
):
    poll = open_poll(live_session, moderator, results=results)
    if voted:
        services.cast_ballot(poll=poll, user=people[viewer], choices=[poll.options.first().pk])

    response = as_(people[viewer]).get(f"/api/polls/{poll.pk}/results/")

    assert response.status_code == expected
    if expected == 403:
        assert "counts" not in response.json()
        assert response.json()["detail"] == "You cannot see this poll's results now."


def test_ballot_answer_holds_no_results_the_voter_may_not_see(live_session, moderator, citizen):
    poll = open_poll(live_session, moderator, results="after_close")
    response = as_(citizen).post(
        f"/api/polls/{poll.pk}/ballot/", {"choices": [poll.options.first().pk]}, format="json"
    )
    assert response.json() == {"poll": poll.pk, "voted": True, "results": None}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**POLL, "options": []}, "options"),
        ({**POLL, "options": ["Bad", "bad"]}, "options"),
        ({**POLL, "kind": "ranking"}, "kind"),
        ({**POLL, "secret": "yes"}, "secret"),
        ({**POLL, "colour": "red"}, "non_field_errors"),
        ({**POLL, "kind": "scale", "options": [], "min": 3, "max": 1}, "max"),
        ({"kind": "single", "options": ["a", "b"]}, "question"),
    ],
)
def test_bad_poll_gets_400_with_a_message(live_session, moderator, body, field):
    response = as_(moderator).post(f"/api/sessions/{live_session.pk}/polls/", body, format="json")

    assert response.status_code == 400
    assert response.json()[field][0]
    assert Poll.objects.count() == 0


@pytest.mark.parametrize(
    ("kind_fields", "body", "message"),
    [
        ({}, {"choices": ["a"]}, "A valid integer is required."),
        ({}, {"choices": [1, 2], "value": 3}, "This poll takes choices."),
        ({"kind": "multiple", "max_choices": 1}, "both", "Choose at most 1."),
        ({"kind": "scale", "options": []}, {"value": 9}, "Choose a value from 1 to 5."),
        ({"kind": "words", "options": []}, {"words": [" "]}, "This cannot be empty."),
        ({"kind": "words", "options": []}, {"words": ["x" * 41]}, "Keep it to 40 characters."),
    ],
)
def test_bad_ballot_gets_400_with_a_message_and_nothing_is_counted(
    live_session, moderator, citizen, kind_fields, body, message
):
    poll = open_poll(live_session, moderator, **kind_fields)
    if body == "both":
        body = {"choices": [o.pk for o in poll.options.all()]}

    response = as_(citizen).post(f"/api/polls/{poll.pk}/ballot/", body, format="json")

    assert response.status_code == 400
    assert message in str(response.json())
    assert Ballot.objects.count() == 0
    assert sum(PollTally.objects.values_list("count", flat=True)) == 0


def test_second_ballot_gets_400_and_is_not_counted(live_session, moderator, citizen):
    poll = open_poll(live_session, moderator)
    option = poll.options.first().pk
    client = as_(citizen)
    client.post(f"/api/polls/{poll.pk}/ballot/", {"choices": [option]}, format="json")

    again = client.post(f"/api/polls/{poll.pk}/ballot/", {"choices": [option]}, format="json")

    assert again.status_code == 400
    assert again.json() == {
        "detail": "You have voted in this poll already.",
        "code": "already_voted",
    }
    poll.refresh_from_db()
    assert poll.voter_count == 1


def test_ballot_for_a_draft_gets_400(live_session, moderator, citizen):
    poll = new_poll(live_session, moderator)
    response = as_(citizen).post(
        f"/api/polls/{poll.pk}/ballot/", {"choices": [poll.options.first().pk]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "not_open")


def test_opening_in_a_closed_session_gets_400(live_session, moderator, staff):
    poll = new_poll(live_session, moderator)
    services.close_session(session=live_session, user=staff)
    response = as_(moderator).post(f"/api/polls/{poll.pk}/open/")
    assert (response.status_code, response.json()["code"]) == (400, "session_not_open")


def test_unknown_poll_gets_404(citizen):
    assert as_(citizen).get("/api/polls/999999/results/").status_code == 404
    assert as_(citizen).post("/api/polls/99999999999999999999/ballot/").status_code == 404


def test_bad_items_in_a_list_get_one_flat_list_of_messages(live_session, moderator):
    body = {**POLL, "options": ["Bad", 7, False]}
    response = as_(moderator).post(f"/api/sessions/{live_session.pk}/polls/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"options": ["Not a valid string."]}


def counted(poll: Poll) -> dict[str, int]:
    tallies = PollTally.objects.filter(poll=poll).values_list("key", "count")
    return {key: count for key, count in tallies if count}


def ballot(client: APIClient, poll: Poll, choices: list[int], key: str | None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(
        f"/api/polls/{poll.pk}/ballot/", {"choices": choices}, format="json", headers=headers
    )


def test_a_ballot_resent_with_its_key_gets_the_first_answer_and_counts_once(
    live_session, moderator, citizen
):
    poll = open_poll(live_session, moderator)
    first_option = poll.options.first().pk
    client = as_(citizen)
    first = ballot(client, poll, [first_option], "ballot-1")
    events_before = Event.objects.count()

    again = ballot(client, poll, [first_option], "ballot-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert first.json()["results"] == {
        "poll": poll.pk,
        "counts": {str(first_option): 1, str(poll.options.last().pk): 0},
        "voters": 1,
    }
    assert Ballot.objects.filter(poll=poll).count() == 1
    assert counted(poll) == {str(first_option): 1}
    assert Poll.objects.get(pk=poll.pk).voter_count == 1
    assert Event.objects.count() == events_before


def test_a_ballot_key_reused_with_other_choices_is_refused_422_and_nothing_changes(
    live_session, moderator, citizen
):
    poll = open_poll(live_session, moderator, allow_change=True)
    first_option, second_option = (option.pk for option in poll.options.all())
    client = as_(citizen)
    ballot(client, poll, [first_option], "ballot-1")
    events_before = Event.objects.count()

    response = ballot(client, poll, [second_option], "ballot-1")

    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a different request. "
        "Send a new key with a new request.",
        "code": "idempotency_key_reused",
    }
    assert counted(poll) == {str(first_option): 1}
    assert Ballot.objects.get(poll=poll).choices == [str(first_option)]
    assert Event.objects.count() == events_before


def test_a_ballot_key_used_on_another_poll_is_refused_422(live_session, moderator, citizen):
    poll = open_poll(live_session, moderator)
    other = open_poll(live_session, moderator, question="Og så?")
    client = as_(citizen)
    ballot(client, poll, [poll.options.first().pk], "ballot-1")

    response = ballot(client, other, [other.options.first().pk], "ballot-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Ballot.objects.filter(poll=other).count() == 0
    assert counted(other) == {}


def test_another_voter_with_the_same_key_casts_their_own_ballot(
    live_session, moderator, citizen, other_citizen
):
    poll = open_poll(live_session, moderator)
    first_option = poll.options.first().pk

    mine = ballot(as_(citizen), poll, [first_option], "same-key")
    theirs = ballot(as_(other_citizen), poll, [first_option], "same-key")

    assert (mine.status_code, theirs.status_code) == (200, 200)
    assert not theirs.has_header("Idempotent-Replayed")
    assert theirs.json()["results"]["voters"] == 2
    assert counted(poll) == {str(first_option): 2}


def test_a_refused_ballot_keeps_no_key_so_its_retry_is_judged_afresh(
    live_session, moderator, citizen
):
    poll = open_poll(live_session, moderator)
    client = as_(citizen)

    refused = ballot(client, poll, [999999], "ballot-1")
    retried = ballot(client, poll, [poll.options.first().pk], "ballot-1")

    assert refused.status_code == 400
    assert retried.status_code == 200
    assert not retried.has_header("Idempotent-Replayed")
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_a_ballot_with_a_malformed_key_is_refused_400_and_counts_nothing(
    live_session, moderator, citizen
):
    poll = open_poll(live_session, moderator)

    response = ballot(as_(citizen), poll, [poll.options.first().pk], "med mellemrum")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert Ballot.objects.count() == 0
