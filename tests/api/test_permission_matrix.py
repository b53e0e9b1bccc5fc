"""Who may call what: every API endpoint times every kind of user, with the status each must get.

One row per endpoint (ROWS); each row names the status for each role. A role that must be
refused gets exactly that refusal, and the refusal changes nothing that is stored. Every status
is listed, so an unexpected 2xx fails the test as surely as an unexpected 403.

To add an endpoint, add a Row: its path may use {session}, {scheduled}, {question},
{municipality}, {ban} (a ban in force) and {keyword} (a watched word); `body` may be a function
of the world and the role; `prepare` runs first as the role (e.g. to vote before taking the vote
back). "other_moderator" moderates another municipality: for this one it is a citizen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from sessions import selectors, services
from sessions.models import (
    Ban,
    Event,
    ExportLog,
    ModerationAction,
    Moderator,
    Municipality,
    Politician,
    Post,
    PostReport,
    Reminder,
    Session,
    Vote,
    WatchedKeyword,
)
from tests.factories import (
    ModeratorFactory,
    MunicipalityFactory,
    PoliticianFactory,
    PostFactory,
    SessionFactory,
    UserFactory,
    api_token,
)
from tests.two_factor import app_code, enrolled_app

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "citizen",
    "panel_politician",
    "other_politician",
    "moderator",
    "other_moderator",
    "staff",
)
PASSWORD = "demo-password-123"


def anyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    return {**anyone(status), "anonymous": 401}


def staff_only(status: int) -> dict[str, int]:
    return {**anyone(403), "anonymous": 401, "staff": status}


def moderators(status: int) -> dict[str, int]:
    """The municipality's moderators and staff; a moderator of another municipality gets 403."""
    return {**staff_only(status), "moderator": status}


@dataclass
class World:
    users: dict[str, Any]
    session: Session
    scheduled: Session
    question: Post
    municipality: Municipality
    ban: Ban
    keyword: WatchedKeyword

    def path(self, template: str) -> str:
        return template.format(
            session=self.session.pk,
            scheduled=self.scheduled.pk,
            question=self.question.pk,
            municipality=self.municipality.pk,
            ban=self.ban.pk,
            keyword=self.keyword.pk,
        )


@dataclass
class Row:
    name: str
    method: str
    path: str
    expect: dict[str, int]
    body: dict[str, Any] | Callable[[World, str], dict[str, Any]] | None = None
    prepare: Callable[[World, str], None] | None = field(default=None)


def session_fields(world: World, role: str) -> dict[str, Any]:
    starts = timezone.now() + timedelta(days=3)
    return {
        "municipality": world.municipality.pk,
        "title": "Borgermøde om havnen",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "politicians": [world.users["panel_politician"].politician.pk],
    }


def own_credentials(world: World, role: str) -> dict[str, str]:
    # Anyone may ask for a token: the anonymous caller signs in as the citizen.
    user = world.users["citizen" if role == "anonymous" else role]
    credentials = {"username": user.username, "password": PASSWORD}
    if selectors.second_factor_required(user):
        # Staff and moderators add their authenticator app's code.
        credentials["otp"] = app_code(enrolled_app(user))
    return credentials


def vote_first(world: World, role: str) -> None:
    if role != "anonymous":
        services.vote(question=world.question, user=world.users[role])


def on_air_first(world: World, role: str) -> None:
    services.put_on_air(question=world.question, user=world.users["staff"])


def with_email(world: World, role: str) -> None:
    # A reminder comes by e-mail: every signed-in role has an address.
    if role != "anonymous":
        world.users[role].email = f"{role}@example.dk"
        world.users[role].save(update_fields=["email"])


def remind_first(world: World, role: str) -> None:
    with_email(world, role)
    if role != "anonymous":
        services.remind_me(session=world.scheduled, user=world.users[role])


# On air (issue 12): the session's panel politicians, the municipality's moderators and staff.
ON_AIR = {**moderators(200), "panel_politician": 200}

ROWS = [
    Row("token", "post", "/api/auth/token/", anyone(200), body=own_credentials),
    Row("tokens_list", "get", "/api/auth/tokens/", signed_in(200)),
    Row("token_revoke_unknown", "delete", "/api/auth/tokens/nosuchtokenkey/", signed_in(404)),
    Row("tokens_revoke_all", "delete", "/api/auth/tokens/", signed_in(200)),
    Row("sessions_list", "get", "/api/sessions/", anyone(200)),
    Row("sessions_create", "post", "/api/sessions/", staff_only(201), body=session_fields),
    Row("sessions_retrieve", "get", "/api/sessions/{session}/", anyone(200)),
    Row("sessions_open", "post", "/api/sessions/{scheduled}/open/", staff_only(200)),
    Row(
        "sessions_extend",
        "post",
        "/api/sessions/{session}/extend/",
        staff_only(200),
        body={"minutes": 15},
    ),
    Row("sessions_close", "post", "/api/sessions/{session}/close/", staff_only(200)),
    # Calendars and the widget (issue 15): staff cancel a scheduled session.
    Row("sessions_cancel", "post", "/api/sessions/{scheduled}/cancel/", staff_only(200)),
    # After the hour (issue 13): staff edit; anyone reads the public record.
    Row(
        "sessions_partial_update",
        "patch",
        "/api/sessions/{session}/",
        staff_only(200),
        body={"title": "Spørgetime om havnen", "follow_up_until": None},
    ),
    Row("sessions_record", "get", "/api/sessions/{session}/record/", anyone(200)),
    # Issue 15: anyone signed in asks to be reminded of an upcoming session, or takes it back.
    Row(
        "reminders_create",
        "post",
        "/api/sessions/{scheduled}/reminder/",
        signed_in(200),
        prepare=with_email,
    ),
    Row(
        "reminders_destroy",
        "delete",
        "/api/sessions/{scheduled}/reminder/",
        signed_in(200),
        prepare=remind_first,
    ),
    Row(
        "sessions_similar",
        "get",
        "/api/sessions/{session}/similar/?text=Hvorn%C3%A5r+%C3%A5bner+sv%C3%B8mmehallen",
        anyone(200),
    ),
    Row(
        "posts_merge",
        "post",
        "/api/posts/{question}/merge/",
        moderators(200),
        body=lambda world, role: {"into": PostFactory(session=world.session).pk},
    ),
    Row("questions_list", "get", "/api/sessions/{session}/questions/", anyone(200)),
    Row(
        "questions_create",
        "post",
        "/api/sessions/{session}/questions/",
        signed_in(201),
        body={"body": "Hvornår åbner svømmehallen?"},
    ),
    Row(
        "questions_create_room",
        "post",
        "/api/sessions/{session}/questions/",
        moderators(201),
        body={"body": "Hvad med biblioteket?", "channel": "room", "asked_by": "Jens"},
    ),
    Row(
        "replies_create",
        "post",
        "/api/posts/{question}/replies/",
        signed_in(201),
        body={"body": "Det vil jeg også gerne vide."},
    ),
    Row(
        "replies_create_answer",
        "post",
        "/api/posts/{question}/replies/",
        {**anyone(403), "anonymous": 401, "panel_politician": 201},
        body={"body": "Den åbner 1. juni.", "mark_answered": True},
    ),
    Row("vote_create", "post", "/api/posts/{question}/vote/", signed_in(200)),
    Row(
        "vote_destroy",
        "delete",
        "/api/posts/{question}/vote/",
        signed_in(200),
        prepare=vote_first,
    ),
    Row(
        "answered_create",
        "post",
        "/api/posts/{question}/answered/",
        {**anyone(403), "anonymous": 401, "panel_politician": 200, "staff": 200},
        body={"answered": True},
    ),
    Row("municipalities_list", "get", "/api/municipalities/", anyone(200)),
    Row(
        "municipalities_create",
        "post",
        "/api/municipalities/",
        staff_only(201),
        body={"name": "Ærø Kommune", "slug": "aeroe"},
    ),
    # Issue 15: one municipality; staff change its embed origins and other settings.
    Row("municipalities_retrieve", "get", "/api/municipalities/{municipality}/", anyone(200)),
    Row(
        "municipalities_partial_update",
        "patch",
        "/api/municipalities/{municipality}/",
        staff_only(200),
        body={"embed_origins": ["https://www.roskilde.dk"], "verified_only": True},
    ),
    Row(
        "oembed",
        "get",
        "/api/oembed/?url=http%3A%2F%2Ftestserver%2Fsessions%2F{session}%2F&format=json",
        anyone(200),
    ),
    Row("politicians_list", "get", "/api/politicians/", anyone(200)),
    Row(
        "politicians_create",
        "post",
        "/api/politicians/",
        staff_only(201),
        body=lambda world, role: {"municipality": world.municipality.pk, "name": "Jens Ø"},
    ),
    # Statistics (issue 4): staff only, in every format.
    Row("sessions_report", "get", "/api/sessions/{session}/report/", staff_only(200)),
    Row(
        "sessions_report_csv",
        "get",
        "/api/sessions/{session}/report/?format=csv&pseudonymise=1",
        staff_only(200),
    ),
    Row(
        "sessions_report_xlsx",
        "get",
        "/api/sessions/{session}/report/?format=xlsx",
        staff_only(200),
    ),
    # Moderation (issue 7): the municipality's moderators and staff; reporting, anyone signed in.
    Row(
        "posts_moderate",
        "post",
        "/api/posts/{question}/moderate/",
        moderators(200),
        body={"action": "hide", "reason": "spam"},
    ),
    Row(
        "posts_report",
        "post",
        "/api/posts/{question}/report/",
        signed_in(201),
        body={"reason": "spam"},
    ),
    Row("sessions_moderation", "get", "/api/sessions/{session}/moderation/", moderators(200)),
    Row("bans_list", "get", "/api/municipalities/{municipality}/bans/", moderators(200)),
    Row(
        "bans_create",
        "post",
        "/api/municipalities/{municipality}/bans/",
        moderators(201),
        body={"username": "troll", "reason": "spam", "hours": 24},
    ),
    Row("bans_destroy", "delete", "/api/bans/{ban}/", moderators(200), body={"note": "Undskyldte"}),
    Row("keywords_list", "get", "/api/municipalities/{municipality}/keywords/", moderators(200)),
    Row(
        "keywords_create",
        "post",
        "/api/municipalities/{municipality}/keywords/",
        moderators(201),
        body={"phrase": "svømmehal", "action": "flag"},
    ),
    Row("keywords_destroy", "delete", "/api/keywords/{keyword}/", moderators(204)),
    Row("on_air_create", "post", "/api/posts/{question}/on-air/", ON_AIR),
    Row(
        "on_air_destroy",
        "delete",
        "/api/posts/{question}/on-air/",
        ON_AIR,
        prepare=on_air_first,
    ),
]


@pytest.fixture
def world() -> World:
    roskilde = MunicipalityFactory()
    citizen = UserFactory(username="anna", first_name="Anna Jensen")
    panel_user = UserFactory(username="mayor", first_name="Tomas Breddam")
    panel_user.politician = PoliticianFactory(
        municipality=roskilde, name="Tomas Breddam", role="Borgmester", user=panel_user
    )
    other_user = UserFactory(username="karen", first_name="Karen Holm")
    PoliticianFactory(municipality=roskilde, name="Karen Holm", user=other_user)
    moderator = UserFactory(username="moderator", first_name="Mette Moderator")
    ModeratorFactory(municipality=roskilde, user=moderator)
    staff = UserFactory(username="editor", first_name="Web Editor", is_staff=True)
    session = SessionFactory(municipality=roskilde, politicians=[panel_user.politician])
    starts = timezone.now() + timedelta(days=1)
    scheduled = SessionFactory(
        municipality=roskilde,
        title="Trafik i midtbyen",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        politicians=[panel_user.politician],
    )
    bo = UserFactory(username="bo")
    question = PostFactory(session=session, author=bo)
    other_moderator = UserFactory(username="odense-moderator")
    ModeratorFactory(
        municipality=MunicipalityFactory(name="Odense Kommune", slug="odense"),
        user=other_moderator,
    )
    UserFactory(username="troll")
    ban = services.ban_user(municipality=roskilde, user=staff, target=bo, reason="spam")
    keyword = services.add_watched_keyword(municipality=roskilde, user=staff, phrase="idiot")
    users = {
        "citizen": citizen,
        "panel_politician": panel_user,
        "other_politician": other_user,
        "moderator": moderator,
        "other_moderator": other_moderator,
        "staff": staff,
    }
    return World(users, session, scheduled, question, roskilde, ban, keyword)


def what_is_stored() -> dict[str, object]:
    return {
        "sessions": list(
            Session.objects.values_list(
                "id", "title", "starts_at", "ends_at", "follow_up_until", "cancelled_at"
            )
        ),
        "posts": list(
            Post.objects.values_list(
                "id",
                "parent",
                "status",
                "is_answered",
                "on_air",
                "vote_count",
                "report_count",
                "merged_into",
            )
        ),
        "votes": Vote.objects.count(),
        "events": Event.objects.count(),
        "municipalities": list(
            Municipality.objects.values_list(
                "id", "embed_origins", "verified_only", "retention_days"
            )
        ),
        "politicians": Politician.objects.count(),
        "tokens": AuthToken.objects.count(),
        "users": get_user_model().objects.count(),
        "moderators": Moderator.objects.count(),
        "bans": list(Ban.objects.values_list("id", "lifted_at")),
        "keywords": WatchedKeyword.objects.count(),
        "reports": PostReport.objects.count(),
        "moderation_actions": ModerationAction.objects.count(),
        "exports": ExportLog.objects.count(),
        "reminders": list(Reminder.objects.values_list("user", "session")),
    }


def test_every_row_names_every_role():
    assert [row.name for row in ROWS if set(row.expect) != set(ROLES)] == []
    assert len({row.name for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_permission_matrix(world, row, role):
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.users[role])}")
    if row.prepare:
        row.prepare(world, role)
    body = row.body(world, role) if callable(row.body) else row.body
    before = what_is_stored()

    response = getattr(client, row.method)(world.path(row.path), body, format="json")

    expected = row.expect[role]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) <= {"detail", "code"}
        assert what_is_stored() == before
