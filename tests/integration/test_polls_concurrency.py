"""Ballots racing on PostgreSQL: one person's two ballots never make two, and counts stay exact
however many voters cast at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from sessions import selectors, services
from sessions.models import Ballot, Event, Poll
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def open_poll(**fields) -> Poll:
    session = SessionFactory()
    staff = UserFactory(username="staff-racing", is_staff=True)
    poll = services.create_poll(
        session=session,
        user=staff,
        question="Hvad først?",
        kind="multiple",
        options=["Bad", "Skole", "Vej"],
        max_choices=2,
        **fields,
    )
    return services.open_poll(poll=poll, user=staff)


def race(count: int, cast) -> list[str]:
    """Run cast(n) in `count` threads released together; the refusals' codes."""
    start = threading.Barrier(count)
    refused: list[str] = []

    def run(n: int) -> None:
        start.wait()
        try:
            cast(n)
        except ValidationError as error:
            refused.append(error.code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(run, range(count)))
    return refused


def test_one_voters_racing_ballots_make_one_ballot_and_one_count():
    poll = open_poll()
    citizen = UserFactory(username="anna")
    first = poll.options.first().pk

    refused = race(8, lambda n: services.cast_ballot(poll=poll, user=citizen, choices=[first]))

    assert refused == ["already_voted"] * 7
    assert Ballot.objects.filter(poll=poll).count() == 1
    poll.refresh_from_db()
    assert poll.voter_count == 1
    assert selectors.poll_results(poll)["counts"][str(first)] == 1


def test_twenty_voters_at_once_are_each_counted_exactly_once():
    poll = open_poll(allow_change=True)
    bad, school, road = (option.pk for option in poll.options.all())
    voters = [UserFactory(username=f"voter-{n}") for n in range(20)]

    def cast(n: int) -> None:
        services.cast_ballot(poll=poll, user=voters[n], choices=[bad, school] if n % 2 else [road])
        # Half change their mind at once: the counts must follow, not double.
        if n % 4 == 1:
            services.cast_ballot(poll=poll, user=voters[n], choices=[road])

    assert race(20, cast) == []
    poll.refresh_from_db()
    results = selectors.poll_results(poll)
    assert results["voters"] == Ballot.objects.filter(poll=poll).count() == 20
    assert results["counts"] == {str(bad): 5, str(school): 5, str(road): 15}
    # What viewers were sent: the counts as they stood after commits, in seq order, never
    # going back, ending on the stored results.
    sent = [
        event.data
        for event in Event.objects.filter(session=poll.session, type="poll.results").order_by("seq")
    ]
    assert [data["voters"] for data in sent] == sorted(data["voters"] for data in sent)
    assert sent[-1] == results


def test_voters_changing_their_ballots_across_each_other_all_count_and_none_deadlock():
    poll = open_poll(allow_change=True)
    bad, school, road = (option.pk for option in poll.options.all())
    voters = [UserFactory(username=f"changer-{n}") for n in range(16)]
    for n, voter in enumerate(voters):
        services.cast_ballot(poll=poll, user=voter, choices=[bad, road] if n % 2 else [school])

    def change(n: int) -> None:
        # Each change lowers one tally and raises another, half of them the other way round:
        # taken in different orders, two of them would each wait for the other.
        for _ in range(3):
            services.cast_ballot(poll=poll, user=voters[n], choices=[school] if n % 2 else [road])
            services.cast_ballot(
                poll=poll, user=voters[n], choices=[bad, road] if n % 2 else [school]
            )

    assert race(16, change) == []
    results = selectors.poll_results(Poll.objects.get(pk=poll.pk))
    assert results == {
        "poll": poll.pk,
        "counts": {str(bad): 8, str(school): 8, str(road): 8},
        "voters": 16,
    }
