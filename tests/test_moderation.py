"""Moderation through the services: hide, restore, reject, approve, bans, reports, keywords.

What the public sees is the event log; what moderators see is the database. Each refused
action leaves both unchanged.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from sessions import selectors, services
from sessions.models import (
    Ban,
    Event,
    ModerationAction,
    Post,
    PostReport,
    Session,
    Vote,
    WatchedKeyword,
)
from sessions.payloads import question_payload
from sessions.services.moderation import Banned, normalize
from tests.live.test_event_protocol import apply as apply_public
from tests.live.test_event_protocol import comparable, page_state
from tests.two_factor import SecondFactorClient
from tests.waiting import Communicator
from townhall.asgi import application

from .factories import (
    ModeratorFactory,
    MunicipalityFactory,
    PostFactory,
    ReplyFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request in Danish leaves Danish active in this thread; the next test starts in English."""
    with translation.override("en"):
        yield


START = datetime(2025, 3, 4, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
DURING = START + timedelta(minutes=20)
LATER = DURING + timedelta(minutes=5)


@pytest.fixture
def session(mayor) -> Session:
    return SessionFactory(starts_at=START, ends_at=END, politicians=[mayor])


@pytest.fixture
def premoderated(mayor) -> Session:
    return SessionFactory(
        starts_at=START,
        ends_at=END,
        politicians=[mayor],
        moderation_mode=Session.ModerationMode.PRE,
    )


@pytest.fixture
def moderator(session):
    return ModeratorFactory(
        municipality=session.municipality, user=UserFactory(username="mads", first_name="Mads")
    ).user


@pytest.fixture
def question(session, other_citizen) -> Post:
    return PostFactory(
        session=session, author=other_citizen, body="Hvornår åbner svømmehallen?", created_at=DURING
    )


def log(session: Session) -> list[tuple[str, dict]]:
    return [(e.type, e.data) for e in Event.objects.filter(session=session).order_by("seq")]


def snapshot() -> dict:
    return {
        "posts": list(Post.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "actions": ModerationAction.objects.count(),
        "bans": list(Ban.objects.values()),
        "reports": PostReport.objects.count(),
        "votes": Vote.objects.count(),
        "keywords": WatchedKeyword.objects.count(),
    }


# Hide, restore, reject, approve -------------------------------------------------------------


def test_moderator_hides_a_post_and_everyone_is_told_without_its_body(session, question, moderator):
    services.hide_post(
        post=question, user=moderator, reason="off_topic", note="Not about the budget", now=LATER
    )

    question.refresh_from_db()
    assert question.status == Post.Status.HIDDEN
    assert question.moderation_reason == "off_topic"
    assert question.moderation_note == "Not about the budget"
    assert log(session) == [
        (
            "post.removed",
            {"id": question.pk, "parent": None, "status": "hidden", "reason": "off_topic"},
        ),
        ("moderation.tally", {"hidden": 1, "reasons": [{"reason": "off_topic", "count": 1}]}),
    ]
    action = ModerationAction.objects.get()
    assert (action.action, action.moderator, action.post, action.reason, action.session) == (
        "hide",
        moderator,
        question,
        "off_topic",
        session,
    )
    assert list(selectors.published_questions(session)) == []


def test_staff_moderate_every_municipality(session, question, staff):
    services.hide_post(post=question, user=staff, reason="spam", now=LATER)
    question.refresh_from_db()
    assert question.status == Post.Status.HIDDEN


def test_hiding_needs_a_reason_from_the_list(session, question, moderator):
    before = snapshot()
    with pytest.raises(ValidationError) as missing:
        services.hide_post(post=question, user=moderator, reason="", now=LATER)
    assert missing.value.message_dict == {"reason": ["Choose a reason."]}
    with pytest.raises(ValidationError) as unknown:
        services.hide_post(post=question, user=moderator, reason="ugly", now=LATER)
    assert unknown.value.message_dict == {"reason": ["Choose one of the listed reasons."]}
    assert snapshot() == before


def test_restore_publishes_the_question_again_with_its_replies(
    session, question, moderator, citizen
):
    reply = ReplyFactory(parent=question, author=citizen, body="Også mig.", created_at=DURING)
    services.hide_post(post=question, user=moderator, reason="off_topic", now=LATER)

    services.restore_post(post=question, user=moderator, note="Misread it", now=LATER)

    question.refresh_from_db()
    assert (question.status, question.moderation_reason) == ("published", "")
    assert log(session)[-2:] == [
        ("question.created", question_payload(question, [reply], LATER)),
        ("moderation.tally", {"hidden": 0, "reasons": []}),
    ]
    assert [a.action for a in ModerationAction.objects.order_by("id")] == ["hide", "restore"]


def test_only_a_hidden_or_rejected_post_can_be_restored(session, question, moderator):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.restore_post(post=question, user=moderator, now=LATER)
    assert refused.value.code == "not_removed"
    assert snapshot() == before


def test_a_moderator_of_another_municipality_cannot_touch_the_post(session, question):
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    stranger = ModeratorFactory(municipality=odense).user
    before = snapshot()

    for service in (services.hide_post, services.reject_post):
        with pytest.raises(PermissionDenied) as refused:
            service(post=question, user=stranger, reason="spam", now=LATER)
        assert str(refused.value) == "Only moderators of this municipality can do that."
    for service in (services.restore_post, services.approve_post):
        with pytest.raises(PermissionDenied):
            service(post=question, user=stranger, now=LATER)
    with pytest.raises(PermissionDenied):
        services.ban_user(
            municipality=session.municipality,
            user=stranger,
            target=question.author,
            reason="spam",
            now=LATER,
        )
    with pytest.raises(PermissionDenied):
        services.add_watched_keyword(
            municipality=session.municipality, user=stranger, phrase="svømmehal"
        )
    assert snapshot() == before


def test_citizens_and_anonymous_visitors_cannot_moderate(session, question, citizen):
    before = snapshot()
    for user in (citizen, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            services.hide_post(post=question, user=user, reason="spam", now=LATER)
    assert snapshot() == before


def test_premoderated_question_waits_out_of_the_public_log_until_approved(
    premoderated, citizen, moderator
):
    question = services.post_question(
        session=premoderated, author=citizen, body="Må jeg spørge om vejene?", now=DURING
    )

    assert question.status == Post.Status.PENDING
    assert log(premoderated) == []
    assert selectors.pending_posts(premoderated) == [question]
    assert list(selectors.published_questions(premoderated)) == []

    services.approve_post(post=question, user=moderator, now=LATER)

    question.refresh_from_db()
    assert question.status == Post.Status.PUBLISHED
    assert log(premoderated) == [("question.created", question_payload(question, [], LATER))]


def test_premoderated_reply_is_approved_as_reply_created(premoderated, citizen, other_citizen):
    moderator = ModeratorFactory(municipality=premoderated.municipality).user
    question = PostFactory(session=premoderated, author=other_citizen, created_at=DURING)

    reply = services.post_reply(post=question, author=citizen, body="Godt spørgsmål.", now=DURING)
    assert reply.status == Post.Status.PENDING
    assert log(premoderated) == []

    services.approve_post(post=reply, user=moderator, now=LATER)
    assert [event_type for event_type, _data in log(premoderated)] == ["reply.created"]


def test_panel_politicians_are_not_premoderated(premoderated, mayor_user, other_citizen):
    question = PostFactory(session=premoderated, author=other_citizen, created_at=DURING)
    answer = services.answer_question(
        question=question, author=mayor_user, body="Til foråret.", now=DURING
    )
    assert answer.status == Post.Status.PUBLISHED


def test_rejecting_a_pending_post_keeps_it_private_and_counts_it(premoderated, citizen):
    moderator = ModeratorFactory(municipality=premoderated.municipality).user
    question = services.post_question(
        session=premoderated, author=citizen, body="Du er en idiot", now=DURING
    )

    services.reject_post(post=question, user=moderator, reason="personal_attack", now=LATER)

    question.refresh_from_db()
    assert (question.status, question.moderation_reason) == ("rejected", "personal_attack")
    assert log(premoderated) == [
        (
            "moderation.tally",
            {"hidden": 1, "reasons": [{"reason": "personal_attack", "count": 1}]},
        )
    ]


def test_only_pending_posts_can_be_rejected(session, question, moderator):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.reject_post(post=question, user=moderator, reason="spam", now=LATER)
    assert refused.value.code == "not_pending"
    assert snapshot() == before


def test_approving_a_flagged_post_clears_the_flag_quietly(session, question, moderator):
    Post.objects.filter(pk=question.pk).update(flagged=True)
    services.approve_post(post=question, user=moderator, now=LATER)
    question.refresh_from_db()
    assert (question.status, question.flagged) == ("published", False)
    assert log(session) == []


def test_moderate_post_refuses_an_unknown_action(session, question, moderator):
    with pytest.raises(ValidationError) as refused:
        services.moderate_post(post=question, user=moderator, action="delete", reason="spam")
    assert refused.value.message_dict == {"action": ["Choose hide, restore, reject or approve."]}


# The public tally, and what the author sees -------------------------------------------------


def test_public_tally_counts_removed_posts_by_reason(session, moderator, citizen):
    posts = [PostFactory(session=session, author=citizen, created_at=DURING) for _ in range(4)]
    services.hide_post(post=posts[0], user=moderator, reason="off_topic", now=LATER)
    services.hide_post(post=posts[1], user=moderator, reason="personal_attack", now=LATER)
    services.hide_post(post=posts[2], user=moderator, reason="off_topic", now=LATER)

    assert selectors.moderation_tally(session) == {
        "hidden": 3,
        "reasons": [
            {"reason": "off_topic", "count": 2},
            {"reason": "personal_attack", "count": 1},
        ],
    }


def test_author_sees_own_removed_posts_others_do_not(session, question, moderator, citizen):
    services.hide_post(post=question, user=moderator, reason="names_person", now=LATER)
    assert list(selectors.own_unpublished_posts(question.author, session)) == [question]
    assert list(selectors.own_unpublished_posts(citizen, session)) == []
    assert list(selectors.own_unpublished_posts(AnonymousUser(), session)) == []


# Reports ------------------------------------------------------------------------------------


def test_report_is_counted_once_per_user(session, question, citizen):
    services.report_post(post=question, reporter=citizen, reason="spam", now=LATER)
    before = snapshot()
    with pytest.raises(ValidationError) as again:
        services.report_post(post=question, reporter=citizen, reason="spam", now=LATER)
    assert again.value.messages == ["You have already reported this post."]
    assert again.value.code == "already_reported"
    assert snapshot() == before
    question.refresh_from_db()
    assert question.report_count == 1


def test_reports_from_three_different_users_hold_the_post(session, question, settings):
    settings.TOWNHALL_REPORTS_TO_HOLD = 3
    reporters = [UserFactory() for _ in range(3)]

    for reporter in reporters[:2]:
        services.report_post(post=question, reporter=reporter, reason="hate_speech", now=LATER)
    question.refresh_from_db()
    assert (question.status, question.report_count) == ("published", 2)
    assert log(session) == []

    services.report_post(post=question, reporter=reporters[2], reason="spam", now=LATER)

    question.refresh_from_db()
    assert (question.status, question.report_count) == ("pending", 3)
    assert log(session) == [
        ("post.removed", {"id": question.pk, "parent": None, "status": "pending", "reason": ""})
    ]
    hold = ModerationAction.objects.get()
    assert (hold.action, hold.moderator, hold.reason, hold.note) == (
        "hold",
        None,
        "hate_speech",
        "Reported by 3 people.",
    )


def test_threshold_is_configurable(session, question, citizen, settings):
    settings.TOWNHALL_REPORTS_TO_HOLD = 1
    services.report_post(post=question, reporter=citizen, reason="spam", now=LATER)
    question.refresh_from_db()
    assert question.status == Post.Status.PENDING


def test_an_approved_post_is_not_held_again_by_more_reports(session, question, moderator, settings):
    settings.TOWNHALL_REPORTS_TO_HOLD = 2
    for _ in range(2):
        services.report_post(post=question, reporter=UserFactory(), reason="spam", now=LATER)
    services.approve_post(post=question, user=moderator, now=LATER)

    services.report_post(post=question, reporter=UserFactory(), reason="spam", now=LATER)

    question.refresh_from_db()
    assert (question.status, question.report_count) == ("published", 3)


def test_author_cannot_report_own_post(session, question):
    with pytest.raises(ValidationError) as refused:
        services.report_post(post=question, reporter=question.author, reason="spam", now=LATER)
    assert refused.value.code == "own_post"
    assert PostReport.objects.count() == 0


def test_reporting_needs_a_signed_in_user(session, question):
    with pytest.raises(PermissionDenied):
        services.report_post(post=question, reporter=AnonymousUser(), reason="spam", now=LATER)


# Bans ---------------------------------------------------------------------------------------


BANNED_UNTIL = (
    "You are banned from posting, voting and reporting in Roskilde Kommune's sessions "
    "until March 5, 2025, 18:20. Reason: personal attack. You can still read."
)


@pytest.fixture
def banned(session, citizen, moderator):
    services.ban_user(
        municipality=session.municipality,
        user=moderator,
        target=citizen,
        reason="personal_attack",
        ends_at=DURING + timedelta(days=1),
        session=session,
        now=DURING,
    )
    return citizen


def test_ban_is_logged_for_the_session(session, banned, moderator):
    action = ModerationAction.objects.get()
    assert (action.action, action.user, action.moderator, action.session) == (
        "ban",
        banned,
        moderator,
        session,
    )


def test_banned_user_cannot_ask_reply_vote_or_report(session, question, banned):
    before = snapshot()
    attempts = [
        lambda: services.post_question(session=session, author=banned, body="Hej", now=LATER),
        lambda: services.post_reply(post=question, author=banned, body="Hej", now=LATER),
        lambda: services.vote(question=question, user=banned, now=LATER),
        lambda: services.report_post(post=question, reporter=banned, reason="spam", now=LATER),
    ]
    for attempt in attempts:
        with pytest.raises(Banned) as refused:
            attempt()
        assert str(refused.value) == BANNED_UNTIL
        assert refused.value.code == "banned"
    assert snapshot() == before


def test_a_permanent_ban_says_so(session, citizen, moderator):
    services.ban_user(
        municipality=session.municipality, user=moderator, target=citizen, reason="spam"
    )
    with pytest.raises(Banned) as refused:
        services.post_question(session=session, author=citizen, body="Hej", now=DURING)
    assert str(refused.value) == (
        "You are banned from posting, voting and reporting in Roskilde Kommune's sessions. "
        "Reason: spam. You can still read."
    )


def test_ban_ends_at_its_end(session, banned):
    after_ban = DURING + timedelta(days=1)
    session.ends_at = after_ban + timedelta(hours=1)
    session.save()
    question = services.post_question(session=session, author=banned, body="Hej", now=after_ban)
    assert question.status == Post.Status.PUBLISHED


def test_the_ban_question_in_sql_answers_as_the_bans_filter_does():
    """selectors.banned_now is Ban.active_q written out in SQL (the ballot's short question)."""
    roskilde, odense = MunicipalityFactory(), MunicipalityFactory(name="Odense", slug="odense")
    moderator = UserFactory()
    noon = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    bans = {
        "until lifted": {},
        "until one": {"ends_at": noon + hour},
        "ended at eleven": {"ends_at": noon - hour, "created_at": noon - 2 * hour},
        "lifted": {"lifted_at": noon - hour},
        "lifted, timed": {"ends_at": noon + hour, "lifted_at": noon - hour},
    }
    people = {}
    for name, fields in bans.items():
        people[name] = UserFactory()
        Ban.objects.create(
            municipality=roskilde,
            user=people[name],
            reason="spam",
            created_by=moderator,
            **{"created_at": noon - 3 * hour, **fields},
        )
    people["never banned"] = UserFactory()

    for at in (noon - 2 * hour, noon, noon + hour, noon + hour + timedelta(microseconds=1)):
        for municipality in (roskilde, odense):
            for name, person in people.items():
                expected = Ban.objects.filter(
                    Ban.active_q(at), user=person, municipality=municipality
                ).exists()
                answer = selectors.banned_now(person.pk, municipality.pk, at)
                assert answer == expected, (name, municipality.name, at)
    assert selectors.banned_now(people["until one"].pk, roskilde.pk, noon)
    assert not selectors.banned_now(people["until one"].pk, roskilde.pk, noon + hour)


def test_ban_applies_only_in_its_municipality(banned):
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    elsewhere = SessionFactory(municipality=odense, starts_at=START, ends_at=END)
    question = services.post_question(session=elsewhere, author=banned, body="Hej", now=DURING)
    assert question.status == Post.Status.PUBLISHED


def test_lifted_ban_lets_the_user_post_again(session, banned, moderator):
    ban = Ban.objects.get()
    services.lift_ban(ban=ban, user=moderator, note="Apologised", session=session, now=LATER)
    question = services.post_question(session=session, author=banned, body="Undskyld", now=LATER)
    assert question.status == Post.Status.PUBLISHED
    assert [a.action for a in ModerationAction.objects.order_by("id")] == ["ban", "unban"]
    with pytest.raises(ValidationError) as again:
        services.lift_ban(ban=ban, user=moderator, now=LATER)
    assert again.value.code == "ban_not_active"


def test_one_ban_in_force_at_a_time(session, banned, moderator):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.ban_user(
            municipality=session.municipality,
            user=moderator,
            target=banned,
            reason="spam",
            now=LATER,
        )
    assert refused.value.code == "already_banned"
    assert snapshot() == before


def test_moderators_and_staff_cannot_be_banned(session, moderator, staff):
    other_moderator = ModeratorFactory(municipality=session.municipality).user
    for target in (moderator, other_moderator, staff):
        with pytest.raises(ValidationError):
            services.ban_user(
                municipality=session.municipality, user=moderator, target=target, reason="spam"
            )
    assert Ban.objects.count() == 0


def test_a_ban_must_end_in_the_future(session, citizen, moderator):
    with pytest.raises(ValidationError) as refused:
        services.ban_user(
            municipality=session.municipality,
            user=moderator,
            target=citizen,
            reason="spam",
            ends_at=DURING - timedelta(minutes=1),
            now=DURING,
        )
    assert refused.value.message_dict == {"ends_at": ["The ban must end in the future."]}


# Watched keywords ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("Søren Hansen", "Sagsbehandler SØREN HANSEN er doven", True),
        ("Søren Hansen", "soren   hansen lyver", True),
        ("Søren", "Spørg Soren", True),
        ("soren", "Spørg Søren", True),
        ("Ærø", "Færgen til aero", True),
        ("Åse", "Spørg ase", True),
        ("café", "CAFE", True),
        ("Søren", "Soeren", False),  # a transliteration is another word: watch it as well
        ("ass", "Min klasse er for stor", False),
        ("ass", "class", False),
        ("ass", "du er en ass!", True),
        ("idiot", "idioter", False),
        ("idiot", "«Idiot»", True),
    ],
)
def test_keyword_matching_is_case_and_accent_insensitive_and_whole_word(
    session, moderator, phrase, text, matches
):
    keyword = services.add_watched_keyword(
        municipality=session.municipality, user=moderator, phrase=phrase
    )
    found = services.moderation.matching_keywords(session.municipality_id, text)
    assert found == ([keyword] if matches else [])


def test_normalize_folds_danish_letters():
    assert normalize("  Ærø   Å  Øster ") == "aero a oster"


def test_hold_keyword_holds_the_post_and_logs_why(session, citizen, moderator):
    services.add_watched_keyword(
        municipality=session.municipality, user=moderator, phrase="Søren Hansen", action="hold"
    )

    question = services.post_question(
        session=session, author=citizen, body="Soren Hansen i byggesager er inkompetent", now=DURING
    )

    assert question.status == Post.Status.PENDING
    assert log(session) == []
    hold = ModerationAction.objects.get()
    assert (hold.action, hold.moderator, hold.note) == ("hold", None, "Søren Hansen")


def test_flag_keyword_publishes_the_post_flagged(session, citizen, moderator):
    services.add_watched_keyword(
        municipality=session.municipality, user=moderator, phrase="kommunaldirektør", action="flag"
    )

    question = services.post_question(
        session=session, author=citizen, body="Hvad siger Kommunaldirektøren?", now=DURING
    )
    assert (question.status, question.flagged) == ("published", False)

    question = services.post_question(
        session=session, author=citizen, body="Hvad siger kommunaldirektør Jensen?", now=DURING
    )
    assert (question.status, question.flagged) == ("published", True)
    assert selectors.posts_needing_attention(session) == [question]
    assert "flagged" not in log(session)[-1][1]


def test_keywords_of_another_municipality_do_not_apply(session, citizen, staff):
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    services.add_watched_keyword(municipality=odense, user=staff, phrase="svømmehal")
    question = services.post_question(
        session=session, author=citizen, body="Hvornår åbner svømmehal?", now=DURING
    )
    assert question.status == Post.Status.PUBLISHED


def test_a_keyword_is_watched_once(session, moderator):
    services.add_watched_keyword(municipality=session.municipality, user=moderator, phrase="Søren")
    with pytest.raises(ValidationError) as refused:
        services.add_watched_keyword(
            municipality=session.municipality, user=moderator, phrase=" SOREN "
        )
    assert refused.value.message_dict == {
        "phrase": ["This municipality already watches that word."]
    }


def test_a_keyword_needs_a_word(session, moderator):
    for phrase in ("", "   ", "!!!"):
        with pytest.raises(ValidationError):
            services.add_watched_keyword(
                municipality=session.municipality, user=moderator, phrase=phrase
            )
    assert WatchedKeyword.objects.count() == 0


def test_removing_a_keyword(session, moderator, citizen):
    keyword = services.add_watched_keyword(
        municipality=session.municipality, user=moderator, phrase="svømmehal"
    )
    with pytest.raises(PermissionDenied):
        services.remove_watched_keyword(keyword=keyword, user=citizen)
    services.remove_watched_keyword(keyword=keyword, user=moderator)
    assert WatchedKeyword.objects.count() == 0


# Live: the public socket and the moderators' socket ----------------------------------------

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def open_socket(path: str, user=None) -> Communicator:
    headers = [ORIGIN]
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = Communicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def session_cookie(user) -> str:
    client = SecondFactorClient()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def receive(communicator: Communicator) -> dict:
    return json.loads(await communicator.receive_from())


@database_sync_to_async
def live_moderated_session(mode: str = Session.ModerationMode.POST):
    session = SessionFactory(moderation_mode=mode)
    moderator = ModeratorFactory(municipality=session.municipality).user
    citizen = UserFactory(username="anna", first_name="Anna Jensen")
    return session, moderator, citizen


@pytest.mark.django_db(transaction=True)
async def test_a_hidden_post_disappears_from_a_watching_socket():
    session, moderator, citizen = await live_moderated_session()
    question = await database_sync_to_async(services.post_question)(
        session=session, author=citizen, body="Køb billige ure her"
    )
    socket = await open_socket(f"/ws/sessions/{session.pk}/?since=1")

    await database_sync_to_async(services.hide_post)(post=question, user=moderator, reason="spam")

    assert await receive(socket) == {
        "type": "post.removed",
        "seq": 2,
        "data": {"id": question.pk, "parent": None, "status": "hidden", "reason": "spam"},
    }
    assert await receive(socket) == {
        "type": "moderation.tally",
        "seq": 3,
        "data": {"hidden": 1, "reasons": [{"reason": "spam", "count": 1}]},
    }
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_premoderated_question_reaches_the_public_socket_only_when_approved():
    session, moderator, citizen = await live_moderated_session(Session.ModerationMode.PRE)
    public = await open_socket(f"/ws/sessions/{session.pk}/")
    moderation = await open_socket(f"/ws/sessions/{session.pk}/moderation/", moderator)
    assert await receive(moderation) == {"type": "ready"}

    question = await database_sync_to_async(services.post_question)(
        session=session, author=citizen, body="Hvornår kommer cykelstien?"
    )

    assert await receive(moderation) == {"type": "changed"}
    assert await public.receive_nothing(timeout=0.3)

    await database_sync_to_async(services.approve_post)(post=question, user=moderator)

    event = await receive(public)
    assert (event["type"], event["seq"], event["data"]["body"]) == (
        "question.created",
        1,
        "Hvornår kommer cykelstien?",
    )
    assert {(await receive(moderation))["type"] for _ in range(2)} == {"changed"}
    await public.disconnect()
    await moderation.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_moderation_socket_refuses_citizens_and_strangers():
    session, _moderator, citizen = await live_moderated_session()
    odense = await database_sync_to_async(MunicipalityFactory)(name="Odense Kommune", slug="odense")
    stranger = (await database_sync_to_async(ModeratorFactory)(municipality=odense)).user
    for user in (None, citizen, stranger):
        socket = await open_socket(f"/ws/sessions/{session.pk}/moderation/", user)
        assert await receive(socket) == {
            "type": "error",
            "data": {"message": "Only moderators of this municipality can watch this."},
        }
        assert await socket.receive_output() == {"type": "websocket.close", "code": 4403}


# Pages ------------------------------------------------------------------------------------


def visible_text(response) -> str:
    """The page's text as a reader gets it: tags dropped, entities decoded, spaces collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|template)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return visible_text(response)


@pytest.fixture
def live(mayor) -> Session:
    return SessionFactory(politicians=[mayor])


@pytest.fixture
def live_moderator(live):
    return ModeratorFactory(
        municipality=live.municipality, user=UserFactory(username="mads", first_name="Mads")
    ).user


def test_author_sees_own_hidden_post_with_the_reason_others_do_not(
    client, live, live_moderator, citizen, other_citizen
):
    question = PostFactory(session=live, author=citizen, body="Sagsbehandler Jens er doven")
    services.hide_post(
        post=question, user=live_moderator, reason="names_person", note="Nævn ikke ansatte"
    )
    url = f"/sessions/{live.pk}/"

    client.force_login(citizen)
    mine = page_text(client, url)
    assert "Your posts that others do not see" in mine
    assert (
        "Hidden by a moderator. Reason: names an employee or private person. Nævn ikke ansatte"
        in mine
    )
    assert "Sagsbehandler Jens er doven" in mine

    client.force_login(other_citizen)
    theirs = page_text(client, url)
    assert "Sagsbehandler Jens er doven" not in client.get(url).content.decode()
    assert "Nævn ikke ansatte" not in theirs
    assert "1 post hidden: names an employee or private person 1" in theirs


def test_session_page_shows_the_public_tally(client, live, live_moderator, citizen):
    posts = [PostFactory(session=live, author=citizen) for _ in range(3)]
    for post, reason in zip(posts, ["off_topic", "personal_attack", "off_topic"], strict=True):
        services.hide_post(post=post, user=live_moderator, reason=reason)
    assert "3 posts hidden: off-topic 2, personal attack 1" in page_text(
        client, f"/sessions/{live.pk}/"
    )


def test_author_sees_pending_post_as_awaiting_approval(client, mayor, citizen):
    session = SessionFactory(politicians=[mayor], moderation_mode=Session.ModerationMode.PRE)
    services.post_question(session=session, author=citizen, body="Hvad med vejene?")
    client.force_login(citizen)
    text = page_text(client, f"/sessions/{session.pk}/")
    assert "Awaiting approval: only you can see it until a moderator approves it." in text
    assert "Hvad med vejene?" in text


def test_banned_citizen_sees_why_and_the_form_refuses_with_the_message(
    client, live, live_moderator, citizen
):
    services.ban_user(
        municipality=live.municipality, user=live_moderator, target=citizen, reason="spam"
    )
    client.force_login(citizen)
    message = (
        "You are banned from posting, voting and reporting in Roskilde Kommune's sessions. "
        "Reason: spam. You can still read."
    )
    assert message in page_text(client, f"/sessions/{live.pk}/")
    response = client.post(f"/sessions/{live.pk}/ask/", {"body": "Hej"})
    assert response.status_code == 400
    assert message in visible_text(response)
    assert Post.objects.count() == 0


def test_report_form_without_javascript(client, live, citizen, other_citizen):
    question = PostFactory(session=live, author=other_citizen, body="Et spørgsmål om havnen")
    client.force_login(citizen)
    session_page = client.get(f"/sessions/{live.pk}/").content.decode()
    # The report box links to the report page; the form is on the session page once, for the
    # script to place under the post it reports.
    assert f'href="/posts/{question.pk}/report/"' in session_page
    assert session_page.count('class="report-form"') == 1
    assert '<template id="report-form-template"><form method="post" action="/posts/0/report/"' in (
        session_page
    )

    form_page = client.get(f"/posts/{question.pk}/report/")
    assert form_page.status_code == 200
    text = visible_text(form_page)
    assert "Et spørgsmål om havnen" in text
    assert "Why should moderators look at this?" in text
    assert f'action="/posts/{question.pk}/report/"' in form_page.content.decode()

    response = client.post(f"/posts/{question.pk}/report/", {"reason": "spam"}, follow=True)
    assert "Thank you. Moderators will look at it." in response.content.decode()
    assert PostReport.objects.get().reason == "spam"


def test_the_report_page_is_for_signed_in_readers_of_published_posts(
    client, live, citizen, other_citizen
):
    question = PostFactory(session=live, author=other_citizen)
    hidden = PostFactory(session=live, author=other_citizen, status=Post.Status.HIDDEN)
    assert client.get(f"/posts/{question.pk}/report/").status_code == 302  # to the login page
    client.force_login(citizen)
    assert client.get(f"/posts/{hidden.pk}/report/").status_code == 404
    assert client.get("/posts/999999/report/").status_code == 404
    assert client.put(f"/posts/{question.pk}/report/").status_code == 405
    assert PostReport.objects.count() == 0


def test_moderation_page_is_for_moderators_of_the_municipality(
    client, live, live_moderator, citizen, staff
):
    url = f"/sessions/{live.pk}/moderation/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(citizen)
    assert client.get(url).status_code == 403
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    client.force_login(ModeratorFactory(municipality=odense).user)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 200
    client.force_login(live_moderator)
    assert client.get(url).status_code == 200
    assert "Open the moderation view" in page_text(client, f"/sessions/{live.pk}/")


def test_moderation_page_shows_queue_reports_and_log(client, mayor, citizen, other_citizen):
    session = SessionFactory(politicians=[mayor], moderation_mode=Session.ModerationMode.PRE)
    moderator = ModeratorFactory(municipality=session.municipality).user
    services.post_question(session=session, author=citizen, body="Venter på godkendelse")
    reported = PostFactory(session=session, author=citizen, body="Et anmeldt indlæg")
    services.report_post(post=reported, reporter=other_citizen, reason="spam")
    services.hide_post(post=reported, user=moderator, reason="spam", note="Reklame")

    client.force_login(moderator)
    text = page_text(client, f"/sessions/{session.pk}/moderation/")

    assert "Awaiting approval (1)" in text
    assert "Venter på godkendelse" in text
    assert "1 report" in text
    assert "Reklame" in text
    assert "Moderation log" in text


def test_moderation_forms_work_without_javascript(client, live, live_moderator, citizen):
    question = PostFactory(session=live, author=citizen)
    client.force_login(live_moderator)
    url = f"/sessions/{live.pk}/moderation/"

    response = client.post(
        url, {"op": "post", "post": question.pk, "action": "hide", "reason": "spam"}, follow=True
    )
    assert "Done." in response.content.decode()
    question.refresh_from_db()
    assert question.status == Post.Status.HIDDEN

    client.post(url, {"op": "ban", "username": "anna", "reason": "spam", "hours": "24"})
    ban = Ban.objects.get()
    assert (ban.user, ban.reason) == (citizen, "spam")
    client.post(url, {"op": "lift", "ban": ban.pk})
    ban.refresh_from_db()
    assert ban.lifted_at is not None

    client.post(url, {"op": "keyword-add", "phrase": "Søren", "action": "flag"})
    keyword = WatchedKeyword.objects.get()
    client.post(url, {"op": "keyword-remove", "keyword": keyword.pk})
    assert WatchedKeyword.objects.count() == 0

    response = client.post(url, {"op": "post", "post": question.pk, "action": "hide"}, follow=True)
    assert "Choose a reason." in response.content.decode()


# The event protocol stays complete with moderation -----------------------------------------


def apply_with_moderation(state: dict, event: dict) -> None:
    """session.js with moderation: post.removed drops a post, moderation.tally sets the tally."""
    data = event["data"]
    if event["type"] == "post.removed":
        if data["parent"] is None:
            state["questions"] = [q for q in state["questions"] if q["id"] != data["id"]]
        else:
            for question in state["questions"]:
                question["replies"] = [r for r in question["replies"] if r["id"] != data["id"]]
        state["seq"] = event["seq"]
    elif event["type"] == "moderation.tally":
        state["tally"] = data
        state["seq"] = event["seq"]
    else:
        apply_public(state, event)


def test_initial_state_plus_moderation_events_equals_a_fresh_fetch(
    live, live_moderator, citizen, other_citizen, settings
):
    settings.TOWNHALL_REPORTS_TO_HOLD = 2
    first = services.post_question(session=live, author=citizen, body="Før siden blev åbnet")
    state = page_state(live.pk)
    state["tally"] = selectors.moderation_tally(live)

    services.add_watched_keyword(
        municipality=live.municipality, user=live_moderator, phrase="idiot", action="hold"
    )
    reply = services.post_reply(post=first, author=other_citizen, body="Enig")
    held = services.post_question(session=live, author=other_citizen, body="Du er en idiot")
    second = services.post_question(session=live, author=other_citizen, body="Cykelstien?")
    services.hide_post(post=first, user=live_moderator, reason="off_topic")
    services.hide_post(post=reply, user=live_moderator, reason="spam")
    services.restore_post(post=first, user=live_moderator)
    for reporter in (citizen, UserFactory()):
        services.report_post(post=second, reporter=reporter, reason="spam")
    services.reject_post(post=held, user=live_moderator, reason="personal_attack")
    services.approve_post(post=second, user=live_moderator)

    events = Event.objects.filter(session=live, seq__gt=state["seq"]).order_by("seq")
    assert "idiot" not in json.dumps([e.data for e in events])
    for event in events:
        apply_with_moderation(state, {"type": event.type, "seq": event.seq, "data": event.data})
    fresh = page_state(live.pk)
    assert comparable(state) == comparable(fresh)
    assert state["tally"] == selectors.moderation_tally(live)
    assert state["tally"] == {
        "hidden": 2,
        "reasons": [{"reason": "personal_attack", "count": 1}, {"reason": "spam", "count": 1}],
    }


@pytest.mark.parametrize("model", ["moderationaction", "ban", "postreport", "watchedkeyword"])
def test_admin_lists_moderation_records_read_only(
    client, live, live_moderator, citizen, other_citizen, model
):
    question = PostFactory(session=live, author=other_citizen)
    services.report_post(post=question, reporter=citizen, reason="spam")
    services.hide_post(post=question, user=live_moderator, reason="spam")
    services.ban_user(
        municipality=live.municipality, user=live_moderator, target=citizen, reason="spam"
    )
    services.add_watched_keyword(municipality=live.municipality, user=live_moderator, phrase="x1")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.get(f"/admin/townhall_sessions/{model}/")

    assert response.status_code == 200
    assert client.get(f"/admin/townhall_sessions/{model}/add/").status_code == 403


def test_tally_and_own_post_state_in_danish(client, live, live_moderator, citizen):
    posts = [PostFactory(session=live, author=citizen) for _ in range(3)]
    for post, reason in zip(posts, ["off_topic", "personal_attack", "off_topic"], strict=True):
        services.hide_post(post=post, user=live_moderator, reason=reason)
    client.force_login(citizen)
    response = client.get(f"/sessions/{live.pk}/", HTTP_ACCEPT_LANGUAGE="da")
    text = visible_text(response)
    assert "3 indlæg skjult: uden for emnet 2, personangreb 1" in text
    assert "Skjult af en moderator. Begrundelse: personangreb." in text


def test_a_timed_ban_ends_within_five_years(session, citizen, moderator):
    with pytest.raises(ValidationError) as refused:
        services.ban_user(
            municipality=session.municipality,
            user=moderator,
            target=citizen,
            reason="spam",
            ends_at=datetime(9999, 12, 31, tzinfo=UTC),
            now=DURING,
        )
    assert refused.value.message_dict == {
        "ends_at": ["End a ban within five years, or leave the end empty: until lifted."]
    }
    assert Ban.objects.count() == 0


def test_notes_and_phrases_refuse_nul_characters(session, question, moderator):
    with pytest.raises(ValidationError):
        services.hide_post(post=question, user=moderator, reason="spam", note="a\x00b")
    with pytest.raises(ValidationError):
        services.add_watched_keyword(
            municipality=session.municipality, user=moderator, phrase="a\x00b"
        )
    question.refresh_from_db()
    assert question.status == Post.Status.PUBLISHED
    assert WatchedKeyword.objects.count() == 0


def test_moderation_page_reads_in_a_fixed_number_of_queries(
    client, live, live_moderator, django_assert_num_queries
):
    def fill(count: int) -> None:
        for _ in range(count):
            question = PostFactory(session=live, author=UserFactory())
            reply = ReplyFactory(parent=question, author=UserFactory())
            services.report_post(post=question, reporter=UserFactory(), reason="spam")
            services.hide_post(post=reply, user=live_moderator, reason="spam")
            services.ban_user(
                municipality=live.municipality,
                user=live_moderator,
                target=reply.author,
                reason="spam",
                session=live,
            )

    client.force_login(live_moderator)
    url = f"/sessions/{live.pk}/moderation/"
    fill(2)
    client.get(url)  # a first request, so both counted ones start alike
    # Each counted one the first at its session's state: the suggested duplicate pairs are
    # worked out (one query on PostgreSQL) once per state.
    fill(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    fill(10)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_a_moderator_login_without_the_second_factor_cannot_watch_the_moderation_socket():
    session, moderator, _citizen = await live_moderated_session()
    cookie = await database_sync_to_async(password_only_cookie)(moderator)
    socket = Communicator(
        application,
        f"/ws/sessions/{session.pk}/moderation/",
        headers=[ORIGIN, (b"cookie", f"sessionid={cookie}".encode())],
    )
    assert (await socket.connect())[0]

    assert await receive(socket) == {
        "type": "error",
        "data": {"message": "Only moderators of this municipality can watch this."},
    }
    await socket.disconnect()


def password_only_cookie(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)
async def test_a_moderator_login_left_idle_past_its_limit_cannot_watch_the_moderation_socket():
    session, moderator, _citizen = await live_moderated_session()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        cookie = await database_sync_to_async(signed_in_cookie)(moderator)
        clock.move_to(start + timedelta(minutes=31))
        socket = await open_socket_with_cookie(f"/ws/sessions/{session.pk}/moderation/", cookie)

        assert await receive(socket) == {
            "type": "error",
            "data": {"message": "Only moderators of this municipality can watch this."},
        }
    await socket.disconnect()


def signed_in_cookie(user) -> str:
    """A login made through the pages (so its clocks have started), with the second factor."""
    client = SecondFactorClient()
    client.force_login(user)
    assert client.get("/").status_code == 200
    return client.cookies["sessionid"].value


async def open_socket_with_cookie(path: str, cookie: str) -> Communicator:
    socket = Communicator(
        application, path, headers=[ORIGIN, (b"cookie", f"sessionid={cookie}".encode())]
    )
    assert (await socket.connect())[0]
    return socket
