"""Staff edit sessions through services, in the admin too: the rules hold, viewers are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sessions import services
from sessions.models import Event, Session

from .factories import MunicipalityFactory, PoliticianFactory

pytestmark = pytest.mark.django_db


def test_staff_edit_title_and_panel_and_viewers_get_session_updated(live_session, staff, mayor):
    deputy = PoliticianFactory(name="Lene Madsen", municipality=mayor.municipality)

    services.update_session(
        session=live_session, user=staff, title="Ny titel", politicians=[mayor, deputy]
    )

    live_session.refresh_from_db()
    assert live_session.title == "Ny titel"
    event = Event.objects.get()
    assert event.type == "session.updated"
    assert event.data["title"] == "Ny titel"
    assert [p["name"] for p in event.data["panel"]] == ["Lene Madsen", "Tomas Breddam"]


def test_citizen_cannot_edit_a_session(live_session, citizen):
    with pytest.raises(PermissionDenied):
        services.update_session(session=live_session, user=citizen, title="Hacked")
    live_session.refresh_from_db()
    assert live_session.title == "Digital spørgetime"
    assert Event.objects.count() == 0


def test_politician_of_another_municipality_cannot_join_the_panel(live_session, staff, mayor):
    stranger = PoliticianFactory(
        name="Anne Mette Skovgaard",
        municipality=MunicipalityFactory(name="Faaborg-Midtfyn Kommune", slug="faaborg-midtfyn"),
    )
    with pytest.raises(ValidationError) as refusal:
        services.update_session(session=live_session, user=staff, politicians=[mayor, stranger])
    assert refusal.value.message_dict == {
        "politicians": ["Not politicians of Roskilde Kommune: Anne Mette Skovgaard."]
    }
    assert list(live_session.politicians.all()) == [mayor]
    assert Event.objects.count() == 0


def test_an_edit_from_a_stale_copy_keeps_the_event_log_intact(live_session, staff, citizen):
    stale = Session.objects.get(pk=live_session.pk)
    services.post_question(session=live_session, author=citizen, body="Hej")

    services.update_session(session=stale, user=staff, title="Ny titel")

    assert list(Event.objects.order_by("seq").values_list("seq", "type")) == [
        (1, "question.created"),
        (2, "session.updated"),
    ]


@pytest.mark.parametrize(
    ("shift", "length", "field", "message"),
    [
        (timedelta(0), timedelta(days=32), "ends_at", "A session can last at most 31 days."),
        (
            timedelta(days=365 * 7000),
            timedelta(hours=1),
            "starts_at",
            "Choose a start within five years from today.",
        ),
        (timedelta(0), -timedelta(hours=1), "ends_at", "The end must be after the start."),
    ],
    ids=["longer-than-31-days", "year-9999", "end-before-start"],
)
def test_impossible_times_are_refused(staff, mayor, shift, length, field, message):
    starts_at = timezone.now() + shift
    with pytest.raises(ValidationError) as refusal:
        services.create_session(
            user=staff,
            municipality=mayor.municipality,
            title="Borgermøde",
            starts_at=starts_at,
            ends_at=starts_at + length,
        )
    assert refusal.value.message_dict == {field: [message]}
    assert Session.objects.count() == 0


def test_extending_past_31_days_is_refused(live_session, staff):
    planned_end = live_session.ends_at
    with pytest.raises(ValidationError) as refusal:
        services.extend_session(
            session=live_session, user=staff, until=live_session.starts_at + timedelta(days=40)
        )
    assert refusal.value.message_dict == {"until": ["A session can last at most 31 days."]}
    live_session.refresh_from_db()
    assert live_session.ends_at == planned_end


def test_admin_edit_goes_through_the_service(client, staff, live_session, mayor):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    stranger = PoliticianFactory(
        name="Anne Mette Skovgaard",
        municipality=MunicipalityFactory(name="Faaborg-Midtfyn Kommune", slug="faaborg-midtfyn"),
    )
    url = f"/admin/townhall_sessions/session/{live_session.pk}/change/"
    local = timezone.localtime
    form = {
        "municipality": mayor.municipality.pk,
        "title": "Digital spørgetime",
        "description": "",
        "starts_at_0": local(live_session.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": local(live_session.starts_at).strftime("%H:%M:%S"),
        "ends_at_0": local(live_session.ends_at).strftime("%Y-%m-%d"),
        "ends_at_1": local(live_session.ends_at).strftime("%H:%M:%S"),
        "moderation_mode": "post",
        "politicians": [mayor.pk, stranger.pk],
    }

    refused = client.post(url, form)

    assert refused.status_code == 200
    assert "Not politicians of Roskilde Kommune: Anne Mette Skovgaard." in refused.content.decode()
    assert list(live_session.politicians.all()) == [mayor]

    form["politicians"] = [mayor.pk]
    form["title"] = "Digital spørgetime med borgmesteren"
    saved = client.post(url, form)

    assert saved.status_code == 302
    live_session.refresh_from_db()
    assert live_session.title == "Digital spørgetime med borgmesteren"
    assert Event.objects.get().data["title"] == "Digital spørgetime med borgmesteren"


def test_posts_are_read_only_in_the_admin(client, staff, live_session, citizen):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    question = services.post_question(session=live_session, author=citizen, body="Hej")
    url = f"/admin/townhall_sessions/post/{question.pk}/change/"

    assert client.get(url).status_code == 200
    client.post(url, {"body": "Rewritten", "status": "hidden"})

    question.refresh_from_db()
    assert (question.body, question.status) == ("Hej", "published")
