"""sessions.reports: the figures staff quote the morning after, from aggregate queries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sessions.models import Politician, Post, Vote
from sessions.reports import (
    citizen_pseudonym,
    load_session,
    municipality_overview,
    session_report,
)

from .faaborg import ENDS_AT, STARTS_AT, build_meeting
from .factories import (
    MunicipalityFactory,
    PoliticianFactory,
    PostFactory,
    ReplyFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


@pytest.fixture
def meeting():
    return build_meeting()


def _session(**kwargs):
    return SessionFactory(starts_at=T0, ends_at=T0 + timedelta(hours=1), **kwargs)


def test_faaborg_meeting_totals(meeting):
    report = session_report(load_session(meeting.session.pk))

    assert report["totals"] == {
        "citizen_comments": 152,
        "citizens": 44,
        "politician_comments": 169,
        "politicians": 15,
        "comments": 321,
        "questions": 44,
        "citizen_questions": 44,
        "replies": 277,
        "answered_questions": 30,
        "answer_rate": 0.6818,
        "questions_answered_live": 25,
        "questions_answered_afterwards": 5,
        "questions_not_answered": 14,
        "questions_online": 44,
        "questions_room": 0,
        "questions_phone": 0,
        "questions_with_politician_reply": 44,
        "questions_on_air": 0,
        "median_first_answer_seconds": 2835,
        "votes": 60,
        "citizen_replies_to_citizens": 64,
        "first_time_citizens": 44,
        "returning_citizens": 0,
        "top_citizens": 5,
        "top_citizens_comment_share": round(53 / 152, 4),
        "comments_before_start": 0,
        "comments_after_end": 0,
        "removed_comments": 4,
        "pending_comments": 1,
    }


def test_faaborg_meeting_per_citizen_and_per_politician(meeting):
    report = session_report(meeting.session)

    assert len(report["per_citizen"]) == 44
    assert sum(row["comments"] for row in report["per_citizen"]) == 152
    assert report["per_citizen"][0] == {
        "name": "Borger 00 Hansen",
        "comments": 20,
        "questions": 1,
        "replies": 19,
        "replies_to_citizens": 18,
        "votes_received": 3,
        "returning": False,
    }
    assert [row["comments"] for row in report["per_citizen"][:5]] == [20, 12, 10, 8, 3]
    assert "Troll" not in {row["name"] for row in report["per_citizen"]}
    # The 15 who wrote, then the panel member who wrote nothing, with zeros.
    assert len(report["per_politician"]) == 16
    assert sum(row["comments"] for row in report["per_politician"]) == 169
    assert report["per_politician"][0]["name"] == "Politiker 00"
    assert report["per_politician"][0]["comments"] == 12
    assert report["per_politician"][0]["role"] == "Borgmester"
    assert report["per_politician"][-1] == {
        "name": "Politiker 15",
        "party": "Venstre",
        "role": "Byrådsmedlem",
        "comments": 0,
        "questions_answered": 0,
        "median_response_seconds": None,
    }


def test_faaborg_meeting_timeline_splits_citizens_and_politicians(meeting):
    timeline = session_report(meeting.session)["timeline"]

    assert len(timeline) == 90
    assert timeline[0] == {
        "minute": "2026-11-26T18:00:00+00:00",
        "offset": 0,
        "citizens": 1,
        "politicians": 0,
    }
    assert sum(row["citizens"] for row in timeline) == 152
    assert sum(row["politicians"] for row in timeline) == 169


def test_report_names_citizens_by_display_name_never_email(meeting):
    text = json.dumps(session_report(meeting.session))

    assert "Borger 07 Hansen" in text
    assert "@example.org" not in text
    assert "borger7" not in text


def test_citizen_without_full_name_appears_by_username():
    session = _session()
    PostFactory(session=session, author=UserFactory(username="anonym42", first_name=""))

    assert [row["name"] for row in session_report(session)["per_citizen"]] == ["anonym42"]


def test_empty_session():
    mayor = PoliticianFactory(name="Tomas Breddam")
    session = _session(politicians=[mayor])

    report = session_report(session)

    assert report["totals"]["citizen_comments"] == 0
    assert report["totals"]["citizens"] == 0
    assert report["totals"]["politician_comments"] == 0
    assert report["totals"]["politicians"] == 0
    assert report["totals"]["questions"] == 0
    assert report["totals"]["votes"] == 0
    assert report["totals"]["answer_rate"] is None
    assert report["totals"]["median_first_answer_seconds"] is None
    assert report["totals"]["top_citizens"] == 0
    assert report["totals"]["top_citizens_comment_share"] is None
    assert report["per_citizen"] == []
    assert [row["name"] for row in report["per_politician"]] == ["Tomas Breddam"]
    assert len(report["timeline"]) == 60
    assert {(row["citizens"], row["politicians"]) for row in report["timeline"]} == {(0, 0)}


def test_session_with_only_politicians(mayor):
    session = _session(politicians=[mayor])
    question = PostFactory(session=session, author=mayor.user, politician=mayor, created_at=T0)
    ReplyFactory(parent=question, author=mayor.user, politician=mayor, created_at=T0)

    report = session_report(session)

    assert report["totals"]["citizen_comments"] == 0
    assert report["totals"]["citizens"] == 0
    assert report["totals"]["politician_comments"] == 2
    assert report["totals"]["politicians"] == 1
    assert report["totals"]["questions"] == 1
    assert report["totals"]["top_citizens_comment_share"] is None
    assert report["per_citizen"] == []
    assert report["per_politician"][0]["comments"] == 2


def test_citizen_who_became_a_politician_counts_per_post():
    """Posts written before joining the panel count as a citizen's; those after, as the
    politician's."""
    user = UserFactory(username="karen", first_name="Karen Holm")
    session = _session()
    PostFactory(session=session, author=user, created_at=T0)
    PostFactory(session=session, author=user, created_at=T0 + timedelta(minutes=1))
    politician = PoliticianFactory(
        municipality=session.municipality, name="Karen Holm", party="Venstre", user=user
    )
    session.politicians.add(politician)
    PostFactory(
        session=session, author=user, politician=politician, created_at=T0 + timedelta(minutes=2)
    )

    report = session_report(session)

    assert report["totals"]["citizen_comments"] == 2
    assert report["totals"]["citizens"] == 1
    assert report["totals"]["politician_comments"] == 1
    assert report["totals"]["politicians"] == 1
    assert [(row["name"], row["comments"]) for row in report["per_citizen"]] == [("Karen Holm", 2)]
    assert [(row["name"], row["comments"]) for row in report["per_politician"]] == [
        ("Karen Holm", 1)
    ]
    assert [(row["citizens"], row["politicians"]) for row in report["timeline"][:3]] == [
        (1, 0),
        (1, 0),
        (0, 1),
    ]


def test_posts_exactly_at_start_and_end_are_counted_in_their_minutes():
    session = _session()
    PostFactory(session=session, created_at=session.starts_at)
    PostFactory(session=session, created_at=session.ends_at)

    report = session_report(session)

    assert report["totals"]["citizen_comments"] == 2
    timeline = report["timeline"]
    assert timeline[0] == {
        "minute": "2026-11-26T18:00:00+00:00",
        "offset": 0,
        "citizens": 1,
        "politicians": 0,
    }
    # The end is exclusive, so 19:00 is listed only because a post was written in it.
    assert len(timeline) == 61
    assert report["totals"]["comments_after_end"] == 1
    assert timeline[-1] == {
        "minute": "2026-11-26T19:00:00+00:00",
        "offset": 60,
        "citizens": 1,
        "politicians": 0,
    }


def test_questions_asked_before_the_start_are_in_the_timeline():
    session = _session(accepts_questions_early=True)
    PostFactory(session=session, created_at=T0 - timedelta(minutes=2))

    report = session_report(session)

    timeline = report["timeline"]
    # Outside the session only the minutes with posts are listed.
    assert timeline[0] == {
        "minute": "2026-11-26T17:58:00+00:00",
        "offset": -2,
        "citizens": 1,
        "politicians": 0,
    }
    assert timeline[1]["offset"] == 0
    assert len(timeline) == 61
    assert report["totals"]["comments_before_start"] == 1
    assert report["totals"]["comments_after_end"] == 0


def test_removed_and_pending_posts_are_counted_apart_and_votes_on_them_not_at_all(mayor):
    session = _session(politicians=[mayor])
    hidden = PostFactory(session=session, status=Post.Status.HIDDEN, created_at=T0)
    PostFactory(session=session, status=Post.Status.REJECTED, created_at=T0)
    PostFactory(session=session, status=Post.Status.PENDING, created_at=T0)
    PostFactory(
        session=session,
        author=mayor.user,
        politician=mayor,
        status=Post.Status.HIDDEN,
        created_at=T0,
    )
    Vote.objects.create(post=hidden, user=UserFactory(), created_at=T0)

    report = session_report(session)

    assert report["totals"]["citizen_comments"] == 0
    assert report["totals"]["politician_comments"] == 0
    assert report["totals"]["citizens"] == 0
    assert report["totals"]["votes"] == 0
    assert report["totals"]["removed_comments"] == 3
    assert report["totals"]["pending_comments"] == 1
    assert report["per_citizen"] == []
    assert {(row["citizens"], row["politicians"]) for row in report["timeline"]} == {(0, 0)}


def test_median_times_to_a_politicians_first_answer(mayor):
    deputy = PoliticianFactory(name="Anne Viborg", municipality=mayor.municipality)
    session = _session(politicians=[mayor, deputy])
    first = PostFactory(session=session, created_at=T0)
    second = PostFactory(session=session, created_at=T0)
    PostFactory(session=session, created_at=T0)  # never answered
    for question, politician, seconds in [
        (first, mayor, 60),
        (first, mayor, 500),  # only a politician's first reply in a thread counts
        (first, deputy, 120),
        (second, mayor, 300),
    ]:
        ReplyFactory(
            parent=question,
            author=politician.user or UserFactory(),
            politician=politician,
            created_at=T0 + timedelta(seconds=seconds),
        )
    ReplyFactory(parent=second, created_at=T0 + timedelta(seconds=10))  # a citizen's reply

    report = session_report(session)

    # First answers: 60 s and 300 s.
    assert report["totals"]["median_first_answer_seconds"] == 180
    assert report["totals"]["questions_with_politician_reply"] == 2
    by_name = {row["name"]: row for row in report["per_politician"]}
    assert by_name["Tomas Breddam"]["median_response_seconds"] == 180
    assert by_name["Tomas Breddam"]["questions_answered"] == 2
    assert by_name["Tomas Breddam"]["comments"] == 3
    assert by_name["Anne Viborg"]["median_response_seconds"] == 120


def test_questions_by_fate(mayor):
    session = _session(politicians=[mayor])
    PostFactory(session=session, is_answered=True, answered_at=session.ends_at, created_at=T0)
    PostFactory(
        session=session,
        is_answered=True,
        answered_at=session.ends_at + timedelta(seconds=1),
        created_at=T0,
    )
    PostFactory(session=session, created_at=T0)
    PostFactory(session=session, created_at=T0)

    totals = session_report(session)["totals"]

    assert totals["answered_questions"] == 2
    assert totals["answer_rate"] == 0.5
    assert totals["questions_answered_live"] == 1
    assert totals["questions_answered_afterwards"] == 1
    assert totals["questions_not_answered"] == 2


def test_citizens_answering_each_other(mayor, citizen, other_citizen):
    session = _session(politicians=[mayor])
    anna_asks = PostFactory(session=session, author=citizen, created_at=T0)
    mayor_asks = PostFactory(session=session, author=mayor.user, politician=mayor, created_at=T0)
    ReplyFactory(parent=anna_asks, author=other_citizen, created_at=T0)  # counts
    ReplyFactory(parent=anna_asks, author=citizen, created_at=T0)  # her own thread
    ReplyFactory(parent=mayor_asks, author=other_citizen, created_at=T0)  # a politician's

    report = session_report(session)

    assert report["totals"]["citizen_replies_to_citizens"] == 1
    by_name = {row["name"]: row for row in report["per_citizen"]}
    assert by_name["Bo Hansen"]["replies_to_citizens"] == 1
    assert by_name["Bo Hansen"]["replies"] == 2
    assert by_name["Anna Jensen"]["replies_to_citizens"] == 0


def test_reach_counts_citizens_back_from_earlier_sessions_of_the_municipality(citizen):
    roskilde = MunicipalityFactory()
    elsewhere = MunicipalityFactory(name="Odense Kommune", slug="odense")
    earlier = SessionFactory(
        municipality=roskilde, starts_at=T0 - timedelta(days=30), ends_at=T0 - timedelta(days=30)
    )
    session = _session(municipality=roskilde)
    later = SessionFactory(
        municipality=roskilde, starts_at=T0 + timedelta(days=30), ends_at=T0 + timedelta(days=30)
    )
    other_town = SessionFactory(
        municipality=elsewhere, starts_at=T0 - timedelta(days=9), ends_at=T0 - timedelta(days=9)
    )
    been_before = UserFactory(first_name="Returning")
    hidden_before = UserFactory(first_name="Hidden before")
    other_town_only = UserFactory(first_name="Other town")
    PostFactory(session=earlier, author=been_before, created_at=earlier.starts_at)
    PostFactory(
        session=earlier,
        author=hidden_before,
        status=Post.Status.HIDDEN,
        created_at=earlier.starts_at,
    )
    PostFactory(session=other_town, author=other_town_only, created_at=other_town.starts_at)
    PostFactory(session=later, author=citizen, created_at=later.starts_at)
    for author in (been_before, hidden_before, other_town_only, citizen):
        PostFactory(session=session, author=author, created_at=T0)

    report = session_report(session)

    assert report["totals"]["returning_citizens"] == 1
    assert report["totals"]["first_time_citizens"] == 3
    assert {row["name"]: row["returning"] for row in report["per_citizen"]} == {
        "Returning": True,
        "Hidden before": False,
        "Other town": False,
        "Anna Jensen": False,
    }


def test_breadth_share_of_the_most_active_tenth():
    session = _session()
    loud = UserFactory(first_name="Loud")
    for minute in range(9):
        PostFactory(session=session, author=loud, created_at=T0 + timedelta(minutes=minute))
    for _ in range(10):
        PostFactory(session=session, created_at=T0)

    totals = session_report(session)["totals"]

    # 11 citizens: the top 10% rounds up to 2 (Loud with 9, one with 1) of 19 comments.
    assert totals["citizens"] == 11
    assert totals["top_citizens"] == 2
    assert totals["top_citizens_comment_share"] == round(10 / 19, 4)


def test_votes_received_by_a_citizens_questions(citizen, other_citizen):
    session = _session()
    question = PostFactory(session=session, author=citizen, created_at=T0)
    for voter in (other_citizen, UserFactory()):
        Vote.objects.create(post=question, user=voter, created_at=T0)

    report = session_report(session)

    assert report["totals"]["votes"] == 2
    assert report["per_citizen"][0]["votes_received"] == 2


def test_pseudonyms_replace_citizens_names_and_are_stable(meeting):
    first = session_report(meeting.session, pseudonymise=True)
    second = session_report(meeting.session, pseudonymise=True)
    text = json.dumps(first)

    assert first["pseudonymised"] is True
    assert "Hansen" not in text
    assert "Borger 00" not in text
    assert [row["name"] for row in first["per_citizen"]] == [
        row["name"] for row in second["per_citizen"]
    ]
    assert first["per_citizen"][0]["name"] == citizen_pseudonym(meeting.citizens[0].pk)
    assert first["per_citizen"][0]["name"].startswith("Citizen ")
    assert len({row["name"] for row in first["per_citizen"]}) == 44
    # Politicians keep their names: they speak in public office.
    assert first["per_politician"][0]["name"] == "Politiker 00"


def test_pseudonyms_depend_on_the_secret_key(settings):
    before = citizen_pseudonym(7)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"

    assert citizen_pseudonym(7) != before


def test_report_queries_are_the_same_for_a_small_and_a_large_session(
    django_assert_num_queries, mayor, meeting
):
    small = _session(politicians=[mayor])
    PostFactory(session=small, created_at=T0)

    # Ten, and three for the polls.
    with django_assert_num_queries(13):
        session_report(load_session(small.pk))
    with django_assert_num_queries(13):
        session_report(load_session(meeting.session.pk))


def test_municipality_overview_per_month(meeting, django_assert_num_queries):
    municipality = meeting.session.municipality
    october = SessionFactory(
        municipality=municipality,
        title="Oktober",
        starts_at=STARTS_AT - timedelta(days=40),
        ends_at=ENDS_AT - timedelta(days=40),
    )
    returning, new = meeting.citizens[0], UserFactory(first_name="Ny i oktober")
    PostFactory(session=october, author=returning, created_at=october.starts_at)
    PostFactory(session=october, author=new, created_at=october.starts_at)
    mayor = Politician.objects.get(name="Politiker 00")
    PostFactory(session=october, author=mayor.user, politician=mayor, created_at=october.starts_at)
    SessionFactory(
        municipality=municipality,
        title="Tom",
        starts_at=STARTS_AT + timedelta(days=1),
        ends_at=ENDS_AT + timedelta(days=1),
    )

    with django_assert_num_queries(3):
        overview = municipality_overview(municipality)

    assert overview["months"] == [
        {
            "month": "2026-11",
            "sessions": 2,
            "citizen_comments": 152,
            "politician_comments": 169,
            "citizens": 44,
            "new_citizens": 43,
            "politicians": 15,
        },
        {
            "month": "2026-10",
            "sessions": 1,
            "citizen_comments": 2,
            "politician_comments": 1,
            "citizens": 2,
            "new_citizens": 2,
            "politicians": 1,
        },
    ]
    assert [(row["title"], row["citizens"]) for row in overview["sessions"]] == [
        ("Tom", 0),
        ("Digitalt borgermøde om budgettet", 44),
        ("Oktober", 2),
    ]


def test_municipality_overview_months_are_local_time():
    municipality = MunicipalityFactory(name="Odense Kommune", slug="odense")
    # 23:30 UTC on 31 October is 00:30 on 1 November in Copenhagen.
    late = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    session = SessionFactory(
        municipality=municipality, starts_at=late, ends_at=late + timedelta(hours=1)
    )
    PostFactory(session=session, created_at=late)

    overview = municipality_overview(municipality)

    assert [
        (row["month"], row["sessions"], row["citizen_comments"]) for row in overview["months"]
    ] == [("2026-11", 1, 1)]


def test_municipality_overview_without_sessions():
    overview = municipality_overview(MunicipalityFactory(name="Ny Kommune", slug="ny"))

    assert overview["months"] == []
    assert overview["sessions"] == []


def test_an_answer_days_later_adds_one_minute_not_days_of_empty_ones():
    session = _session()
    question = PostFactory(session=session, created_at=T0)
    ReplyFactory(parent=question, created_at=session.ends_at + timedelta(days=3, seconds=30))

    report = session_report(session)

    assert len(report["timeline"]) == 61
    assert report["timeline"][-1] == {
        "minute": "2026-11-29T19:00:00+00:00",
        "offset": 60 + 3 * 24 * 60,
        "citizens": 1,
        "politicians": 0,
    }
    assert report["totals"]["comments_after_end"] == 1


def test_deleted_citizen_is_listed_as_deleted_user_and_still_counts_once():
    from sessions.services.accounts import delete_account

    session = _session()
    citizen = UserFactory(username="anna", first_name="Anna Jensen")
    citizen.set_password("anna-password-1")
    citizen.save()
    PostFactory(session=session, author=citizen, created_at=T0 + timedelta(minutes=1))
    PostFactory(session=session, author=citizen, created_at=T0 + timedelta(minutes=2))
    delete_account(user=citizen, password="anna-password-1")

    report = session_report(load_session(session.pk))

    assert report["totals"]["citizens"] == 1
    assert report["totals"]["citizen_comments"] == 2
    assert [row["name"] for row in report["per_citizen"]] == ["deleted user"]
