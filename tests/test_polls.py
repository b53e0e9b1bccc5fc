"""Polls: drafts, opening and closing, one ballot per person, counts that stay exact."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions import selectors, services
from sessions.models import Ballot, Event, Poll, PollTally, WatchedKeyword

from .factories import ModeratorFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(live_session):
    user = UserFactory(username="mette")
    ModeratorFactory(municipality=live_session.municipality, user=user)
    return user


def draft(session, user, **fields) -> Poll:
    fields = {"question": "Which first?", "kind": "single", "options": ["Bad", "Skole"], **fields}
    return services.create_poll(session=session, user=user, **fields)


def opened(session, user, **fields) -> Poll:
    return services.open_poll(poll=draft(session, user, **fields), user=user)


def option_ids(poll) -> list[int]:
    return [option.pk for option in poll.options.all()]


def counts(poll) -> dict[str, int]:
    poll.refresh_from_db()
    return selectors.poll_results(poll)["counts"]


def test_moderator_prepares_a_draft_that_the_public_does_not_see(live_session, moderator):
    poll = draft(live_session, moderator, options=["Svømmehal", "Bibliotek", "Cykelsti"])

    assert poll.status == Poll.Status.DRAFT
    assert [o.text for o in poll.options.all()] == ["Svømmehal", "Bibliotek", "Cykelsti"]
    assert list(selectors.session_polls(live_session, with_drafts=False)) == []
    assert Event.objects.filter(session=live_session).count() == 0


def test_citizen_cannot_create_a_poll(live_session, citizen):
    with pytest.raises(PermissionDenied, match="Only moderators and staff can prepare polls"):
        draft(live_session, citizen)
    assert Poll.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"options": []}, "at least two options"),
        ({"options": ["Bad", " bad "]}, "Each option must differ"),
        ({"options": ["Bad", ""]}, "cannot be empty"),
        ({"question": "  "}, "cannot be empty"),
        ({"kind": "ranking"}, "Choose single, multiple, scale or words"),
        ({"kind": "multiple", "max_choices": 3}, "between 1 and 2 choices"),
        ({"kind": "scale", "options": [], "scale_min": 5, "scale_max": 1}, "A scale rises"),
        ({"kind": "scale", "options": [], "scale_min": 0, "scale_max": 20}, "A scale rises"),
        ({"kind": "words", "options": ["a", "b"]}, "Only single and multiple choice"),
        ({"secret": True, "allow_change": True}, "secret ballot keeps no choice"),
        ({"results": "never"}, "Choose live, after_vote"),
    ],
)
def test_bad_poll_is_refused_and_nothing_is_stored(live_session, moderator, fields, message):
    with pytest.raises(ValidationError, match=message):
        draft(live_session, moderator, **fields)
    assert Poll.objects.count() == 0


def test_opening_broadcasts_the_poll_without_counts(
    live_session, moderator, django_capture_on_commit_callbacks
):
    poll = draft(live_session, moderator)
    with django_capture_on_commit_callbacks(execute=True) as broadcasts:
        services.open_poll(poll=poll, user=moderator)

    event = Event.objects.get(session=live_session)
    assert event.type == "poll.opened"
    assert event.data["id"] == poll.pk
    assert event.data["status"] == "open"
    assert event.data["options"] == [
        {"id": pk, "text": t} for pk, t in zip(option_ids(poll), ["Bad", "Skole"], strict=True)
    ]
    assert "counts" not in event.data
    assert len(broadcasts) == 1


def test_panel_politician_opens_and_closes_a_poll(live_session, moderator, mayor_user):
    poll = draft(live_session, moderator)

    services.open_poll(poll=poll, user=mayor_user)
    services.close_poll(poll=poll, user=mayor_user)

    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED
    assert [e.type for e in Event.objects.order_by("seq")] == [
        "poll.opened",
        "poll.closed",
        "poll.results",
    ]


def test_citizen_cannot_open_a_poll(live_session, moderator, citizen):
    poll = draft(live_session, moderator)
    with pytest.raises(PermissionDenied):
        services.open_poll(poll=poll, user=citizen)
    poll.refresh_from_db()
    assert poll.status == Poll.Status.DRAFT


def test_poll_cannot_open_in_a_closed_session(moderator, live_session):
    poll = draft(live_session, moderator)
    later = live_session.ends_at + timedelta(minutes=1)
    with pytest.raises(ValidationError, match="only while the session takes questions"):
        services.open_poll(poll=poll, user=moderator, now=later)
    poll.refresh_from_db()
    assert poll.status == Poll.Status.DRAFT


def test_closing_the_session_closes_its_open_polls(live_session, moderator, staff):
    poll = opened(live_session, moderator)

    services.close_session(session=live_session, user=staff)

    poll.refresh_from_db()
    assert poll.status == Poll.Status.CLOSED
    assert Event.objects.filter(session=live_session, type="poll.closed").count() == 1


def test_citizen_votes_once_and_the_count_is_exact(
    live_session, moderator, citizen, django_capture_on_commit_callbacks
):
    poll = opened(live_session, moderator)
    first, second = option_ids(poll)

    # The results are recorded once the ballot is committed.
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_ballot(poll=poll, user=citizen, choices=[first])

    assert counts(poll) == {str(first): 1, str(second): 0}
    assert poll.voter_count == 1
    event = Event.objects.filter(type="poll.results").get()
    assert event.data == {"poll": poll.pk, "counts": {str(first): 1, str(second): 0}, "voters": 1}


def test_second_ballot_is_refused_when_changes_are_off(live_session, moderator, citizen):
    poll = opened(live_session, moderator)
    first, second = option_ids(poll)
    services.cast_ballot(poll=poll, user=citizen, choices=[first])

    with pytest.raises(ValidationError, match="You have voted in this poll already"):
        services.cast_ballot(poll=poll, user=citizen, choices=[second])

    assert counts(poll) == {str(first): 1, str(second): 0}
    assert Ballot.objects.count() == 1


def test_changing_a_ballot_moves_the_count(live_session, moderator, citizen):
    poll = opened(live_session, moderator, allow_change=True)
    first, second = option_ids(poll)
    services.cast_ballot(poll=poll, user=citizen, choices=[first])

    services.cast_ballot(poll=poll, user=citizen, choices=[second])

    assert counts(poll) == {str(first): 0, str(second): 1}
    assert poll.voter_count == 1


def test_the_database_keeps_one_ballot_per_person(live_session, moderator, citizen):
    poll = opened(live_session, moderator)
    Ballot.objects.create(poll=poll, voter=citizen)
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(poll=poll, voter=citizen)


@pytest.mark.parametrize(
    ("kind_fields", "answer", "message"),
    [
        ({}, {"choices": []}, "Choose an option"),
        ({}, {"choices": "both"}, "Choose an option"),
        ({"kind": "multiple", "max_choices": 1}, {"choices": "first-two"}, "at most 1"),
        ({}, {"choices": [10**9]}, "not an option of this poll"),
        ({}, {"value": 3}, "This poll takes choices"),
        ({"kind": "scale", "options": []}, {"value": 6}, "from 1 to 5"),
        ({"kind": "scale", "options": []}, {"value": True}, "whole number"),
        ({"kind": "words", "options": []}, {"words": [""]}, "cannot be empty"),
        ({"kind": "words", "options": []}, {"words": ["x" * 41]}, "40 characters"),
        ({"kind": "words", "options": []}, {"words": ["a", "b", "c", "d"]}, "one to 3 words"),
    ],
)
def test_bad_ballot_is_refused_and_nothing_counted(
    live_session, moderator, citizen, kind_fields, answer, message
):
    poll = opened(live_session, moderator, **kind_fields)
    ids = option_ids(poll)
    if answer.get("choices") == "first-two":
        answer = {"choices": ids[:2]}
    with pytest.raises(ValidationError, match=message):
        services.cast_ballot(poll=poll, user=citizen, **answer)
    assert Ballot.objects.count() == 0
    assert sum(PollTally.objects.values_list("count", flat=True)) == 0


def test_ballot_for_another_polls_option_is_refused(live_session, moderator, citizen):
    poll = opened(live_session, moderator)
    other = opened(live_session, moderator, question="Another?", options=["Ja", "Nej"])
    with pytest.raises(ValidationError, match="not an option of this poll"):
        services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(other)[0]])
    assert Ballot.objects.count() == 0


def test_ballot_for_a_draft_or_closed_poll_is_refused(live_session, moderator, citizen):
    poll = draft(live_session, moderator)
    with pytest.raises(ValidationError, match="not open for votes"):
        services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[0]])
    services.open_poll(poll=poll, user=moderator)
    services.close_poll(poll=poll, user=moderator)
    with pytest.raises(ValidationError, match="not open for votes"):
        services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[0]])
    assert Ballot.objects.count() == 0


def test_anonymous_and_banned_users_cannot_vote(live_session, moderator, citizen):
    from django.contrib.auth.models import AnonymousUser

    poll = opened(live_session, moderator)
    with pytest.raises(PermissionDenied, match="Sign in"):
        services.cast_ballot(poll=poll, user=AnonymousUser(), choices=[option_ids(poll)[0]])
    services.ban_user(
        municipality=live_session.municipality, user=moderator, target=citizen, reason="spam"
    )
    with pytest.raises(services.Banned):
        services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[0]])
    assert Ballot.objects.count() == 0


def test_scale_counts_per_value(live_session, moderator, citizen, other_citizen):
    poll = opened(
        live_session,
        moderator,
        kind="scale",
        options=[],
        scale_min=0,
        scale_max=3,
        min_label="Slet ikke",
        max_label="Helt",
    )
    services.cast_ballot(poll=poll, user=citizen, value=3)
    services.cast_ballot(poll=poll, user=other_citizen, value=0)

    assert counts(poll) == {"0": 1, "1": 0, "2": 0, "3": 1}


def test_word_cloud_counts_normalised_words_and_holds_watched_ones(
    live_session, moderator, citizen, other_citizen
):
    services.add_watched_keyword(
        municipality=live_session.municipality,
        user=moderator,
        phrase="idiot",
        action=WatchedKeyword.Action.HOLD,
    )
    poll = opened(live_session, moderator, kind="words", options=[])
    services.cast_ballot(poll=poll, user=citizen, words=["Cykelstier", "idiot"])
    services.cast_ballot(poll=poll, user=other_citizen, words=["  cykelstier ", "Bad", "BAD"])

    assert counts(poll) == {"cykelstier": 2, "bad": 1}
    assert PollTally.objects.get(poll=poll, key="idiot").held is True


def test_secret_ballot_keeps_no_choice_with_the_voter(live_session, moderator, citizen):
    poll = opened(live_session, moderator, secret=True)
    first, _second = option_ids(poll)

    services.cast_ballot(poll=poll, user=citizen, choices=[first])

    ballot = Ballot.objects.get(poll=poll)
    assert ballot.voter == citizen
    assert ballot.choices is None
    assert counts(poll)[str(first)] == 1
    assert [f.name for f in PollTally._meta.get_fields()] == ["id", "poll", "key", "count", "held"]


def test_results_not_public_go_only_to_moderators(
    live_session, moderator, citizen, django_capture_on_commit_callbacks
):
    poll = opened(live_session, moderator, results="staff")
    seq_before = Event.objects.count()

    with django_capture_on_commit_callbacks() as callbacks:
        services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[0]])

    assert Event.objects.count() == seq_before, "nothing in the public log"
    assert len(callbacks) == 1
    services.close_poll(poll=poll, user=moderator)
    assert not Event.objects.filter(type="poll.results").exists()


def test_after_close_results_become_public_when_the_poll_closes(live_session, moderator, citizen):
    poll = opened(live_session, moderator, results="after_close")
    services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[0]])
    assert not Event.objects.filter(type="poll.results").exists()

    services.close_poll(poll=poll, user=moderator)

    event = Event.objects.filter(type="poll.results").get()
    assert event.data["voters"] == 1


def test_who_sees_results(live_session, moderator, citizen):
    poll = opened(live_session, moderator, results="after_vote")
    assert not selectors.may_see_results(citizen, poll, voted=False, runs_polls=False)
    assert selectors.may_see_results(citizen, poll, voted=True, runs_polls=False)
    assert selectors.may_see_results(moderator, poll, voted=False, runs_polls=True)
    poll.results = Poll.Results.STAFF
    poll.status = Poll.Status.CLOSED
    assert not selectors.may_see_results(citizen, poll, voted=True, runs_polls=False)


def test_poll_cannot_be_voted_in_after_the_session_ends_by_the_clock(
    live_session, moderator, citizen
):
    poll = opened(live_session, moderator)
    later = timezone.now() + timedelta(hours=2)
    with pytest.raises(ValidationError, match="the poll with it"):
        services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[0]], now=later)
    assert Ballot.objects.count() == 0


def test_a_poll_left_open_closes_at_the_session_end_by_the_clock_and_not_a_second_before(
    live_session, moderator, citizen, other_citizen, django_capture_on_commit_callbacks
):
    poll = opened(live_session, moderator, results="after_close")
    end = live_session.ends_at
    last_moment = end - timedelta(microseconds=1)

    assert services.close_polls_of_ended_sessions(now=last_moment) == 0
    services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[0]], now=last_moment)
    with pytest.raises(ValidationError, match="the poll with it"):
        services.cast_ballot(poll=poll, user=other_citizen, choices=[option_ids(poll)[1]], now=end)
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        closed = services.close_polls_of_ended_sessions(now=end + timedelta(seconds=40))

    poll.refresh_from_db()
    assert closed == 1
    assert (poll.status, poll.closed_at, poll.voter_count) == (Poll.Status.CLOSED, end, 1)
    # Nobody watched signed in (no socket in this process): turnout's base is zero.
    assert poll.viewers_at_close == 0
    closing = Event.objects.filter(session=live_session, type="poll.closed").get()
    assert (closing.data["id"], closing.data["status"]) == (poll.pk, "closed")
    assert closing.data["closed_at"] == end.isoformat().replace("+00:00", "Z")
    # after_close: the results are everyone's now, and said so.
    results = Event.objects.filter(session=live_session, type="poll.results").get()
    assert (results.data["voters"], results.seq) == (1, closing.seq + 1)
    assert len(callbacks) == 2, "both published after the commit"
    assert services.close_polls_of_ended_sessions(now=end + timedelta(minutes=2)) == 0
    assert Event.objects.filter(type="poll.closed").count() == 1


def test_the_clock_closes_only_the_polls_of_sessions_that_ended(live_session, moderator):
    running = opened(live_session, moderator)
    later_session = SessionFactory(
        municipality=live_session.municipality,
        starts_at=live_session.starts_at,
        ends_at=live_session.ends_at + timedelta(hours=1),
    )
    ModeratorFactory(municipality=later_session.municipality, user=UserFactory(username="m2"))
    still_running = opened(later_session, moderator)
    a_draft = draft(live_session, moderator, question="Kladde?")

    assert services.close_polls_of_ended_sessions(now=live_session.ends_at) == 1

    statuses = dict(Poll.objects.values_list("pk", "status"))
    assert statuses == {
        running.pk: "closed",
        still_running.pk: "open",
        a_draft.pk: "draft",
    }


def test_close_ended_polls_command_closes_them_and_says_how_many(live_session, moderator):
    import io

    from django.core.management import call_command

    poll = opened(live_session, moderator)
    out = io.StringIO()

    with time_machine.travel(live_session.ends_at + timedelta(seconds=1), tick=False):
        call_command("close_ended_polls", stdout=out)

    poll.refresh_from_db()
    assert out.getvalue() == "1 poll(s) closed at their session's end.\n"
    assert (poll.status, poll.closed_at) == (Poll.Status.CLOSED, live_session.ends_at)


def test_many_ballots_keep_the_count_equal_to_the_voters():
    session = SessionFactory()
    staff = UserFactory(username="staff-many", is_staff=True)
    poll = opened(session, staff, kind="multiple", options=["A", "B", "C"], max_choices=2)
    a, b, c = option_ids(poll)
    voters = [UserFactory(username=f"voter-{n}") for n in range(30)]
    for n, voter in enumerate(voters):
        services.cast_ballot(poll=poll, user=voter, choices=[a, b] if n % 3 else [c])

    assert counts(poll) == {str(a): 20, str(b): 20, str(c): 10}
    assert poll.voter_count == Ballot.objects.filter(poll=poll).count() == 30


def test_retention_moves_ballots_to_the_pseudonyms(citizen):
    from sessions.models import Municipality
    from sessions.services.retention import apply_retention

    started = timezone.now() - timedelta(days=400)
    municipality = Municipality.objects.create(
        name="Gammel Kommune", slug="gammel", retention_days=365
    )
    session = SessionFactory(
        municipality=municipality, starts_at=started, ends_at=started + timedelta(hours=1)
    )
    staff = UserFactory(username="staff-old", is_staff=True)
    poll = opened_at(session, staff, started + timedelta(minutes=5))
    services.cast_ballot(
        poll=poll, user=citizen, choices=[option_ids(poll)[0]], now=started + timedelta(minutes=6)
    )

    apply_retention()

    ballot = Ballot.objects.get(poll=poll)
    assert ballot.voter != citizen
    assert ballot.voter.username.startswith("participant-")
    assert counts(poll)[str(option_ids(poll)[0])] == 1


def opened_at(session, user, now) -> Poll:
    poll = services.create_poll(
        session=session,
        user=user,
        question="Hvad først?",
        kind="single",
        options=["A", "B"],
        now=now,
    )
    return services.open_poll(poll=poll, user=user, now=now)


def test_report_gives_totals_per_answer_and_never_a_ballot(live_session, moderator, citizen):
    from sessions import exports
    from sessions.reports import load_session, session_report

    poll = opened(live_session, moderator, question="Hvad først?", options=["Bad", "Skole"])
    services.cast_ballot(poll=poll, user=citizen, choices=[option_ids(poll)[1]])
    draft(live_session, moderator, question="Kladde?")
    services.close_poll(poll=poll, user=moderator)

    report = session_report(load_session(live_session.pk))

    assert [p["question"] for p in report["polls"]] == ["Hvad først?"]
    assert report["polls"][0]["voters"] == 1
    assert report["polls"][0]["answers"] == [
        {"answer": "Bad", "count": 0},
        {"answer": "Skole", "count": 1},
    ]
    assert citizen.username not in str(report["polls"])
    # Nobody watched signed in when it closed (no socket here): turnout unknown.
    assert (report["polls"][0]["signed_in_viewers"], report["polls"][0]["turnout"]) == (0, None)
    polls_table = next(t for t in exports.report_tables(report) if t.name == "Polls")
    assert polls_table.rows == [
        ["Hvad først?", "single", "closed", 1, 0, None, "Bad", 0, 0.0],
        ["Hvad først?", "single", "closed", 1, 0, None, "Skole", 1, 1.0],
    ]


def test_turnout_is_the_voters_as_a_share_of_signed_in_viewers_when_the_poll_closed(
    live_session, moderator, citizen, other_citizen
):
    from sessions import exports
    from sessions.reports import load_session, session_report

    poll = opened(live_session, moderator, question="Hvad først?")
    for voter in (citizen, other_citizen):
        services.cast_ballot(poll=poll, user=voter, choices=[option_ids(poll)[0]])
    # Eight people watched signed in when it closed (as sessions.audience counted them).
    Poll.objects.filter(pk=poll.pk).update(status="closed", viewers_at_close=8)
    unknown = opened(live_session, moderator, question="Og så?")
    Poll.objects.filter(pk=unknown.pk).update(status="closed", viewers_at_close=None)
    still_open = opened(live_session, moderator, question="Nu?")

    report = session_report(load_session(live_session.pk))

    figures = {
        row["question"]: (row["voters"], row["signed_in_viewers"], row["turnout"])
        for row in report["polls"]
    }
    assert figures == {
        "Hvad først?": (2, 8, 0.25),
        "Og så?": (0, None, None),
        "Nu?": (0, None, None),
    }
    assert still_open.viewers_at_close is None
    polls_table = next(t for t in exports.report_tables(report) if t.name == "Polls")
    assert polls_table.headers[3:6] == ["Voters", "Signed-in viewers when closed", "Turnout"]
    assert [row[3:6] for row in polls_table.rows if row[0] == "Hvad først?"] == [[2, 8, 0.25]] * 2
    csv_text = exports.to_csv(exports.report_tables(report))
    assert "Hvad først?,single,closed,2,8,0.25,Bad,2,1.0" in csv_text
    assert "Og så?,single,closed,0,,,Bad,0," in csv_text


def test_where_only_verified_citizens_take_part_an_unverified_one_cannot_vote(
    live_session, moderator, citizen, api_client
):
    live_session.municipality.verified_only = True
    live_session.municipality.save()
    poll = opened(live_session, moderator)
    first, _second = option_ids(poll)

    with pytest.raises(services.VerificationRequired):
        services.cast_ballot(poll=poll, user=citizen, choices=[first])
    api_client.force_authenticate(citizen)
    response = api_client.post(f"/api/polls/{poll.pk}/ballot/", {"choices": [first]}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "verification_required"
    assert counts(poll) == {str(first): 0, str(_second): 0}
    assert not Ballot.objects.filter(poll=poll).exists()
