"""Calendar files: one session to add, a municipality's feed to subscribe to. Every file is read
back with icalendar, as a calendar client would read it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone

from sessions import services
from sessions.models import Session

from ..factories import MunicipalityFactory, SessionFactory

pytestmark = pytest.mark.django_db

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def summer_meeting(mayor) -> Session:
    """A session next summer, 19:00 to 21:00 in Copenhagen (daylight saving: UTC+2)."""
    year = timezone.now().year + 1
    starts = datetime(year, 7, 2, 19, 0, tzinfo=COPENHAGEN)
    return SessionFactory(
        title="Borgermøde om havnen",
        description="Kom og spørg om havnebadet.",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        politicians=[mayor],
    )


def read_calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def only_event(calendar: icalendar.Calendar) -> icalendar.Event:
    assert len(calendar.events) == 1
    return calendar.events[0]


def test_a_session_file_has_everything_a_calendar_needs(client, summer_meeting):
    response = client.get(f"/sessions/{summer_meeting.pk}/calendar.ics")
    calendar = read_calendar(response)
    event = only_event(calendar)
    url = f"http://testserver/sessions/{summer_meeting.pk}/"

    assert response["Content-Disposition"] == (
        f'attachment; filename="session-{summer_meeting.pk}.ics"'
    )
    assert str(event["UID"]) == f"session-{summer_meeting.pk}@testserver"
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Borgermøde om havnen"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == url
    assert str(event["DESCRIPTION"]) == (
        f"Kom og spørg om havnebadet.\n\nAsk, vote and follow it live: {url}"
    )
    # Local time in Copenhagen, named by its TZID, with the zone's rules in the file.
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert event["DTEND"].params["TZID"] == "Europe/Copenhagen"
    assert event.start.replace(tzinfo=None) == datetime(summer_meeting.starts_at.year, 7, 2, 19, 0)
    assert event.start.utcoffset() == timedelta(hours=2)
    assert event.start == summer_meeting.starts_at
    assert event.end == summer_meeting.ends_at
    assert [str(zone["TZID"]) for zone in calendar.timezones] == ["Europe/Copenhagen"]
    [alarm] = event.subcomponents
    assert alarm.name == "VALARM"
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(minutes=-30)


def test_editing_the_title_keeps_uid_and_sequence(client, summer_meeting, staff):
    before = only_event(read_calendar(client.get(f"/sessions/{summer_meeting.pk}/calendar.ics")))

    services.update_session(session=summer_meeting, user=staff, title="Havnebadet")

    after = only_event(read_calendar(client.get(f"/sessions/{summer_meeting.pk}/calendar.ics")))
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] == 0
    assert str(after["SUMMARY"]) == "Havnebadet"


def test_moving_the_time_raises_the_sequence_under_the_same_uid(client, summer_meeting, staff):
    before = only_event(read_calendar(client.get(f"/sessions/{summer_meeting.pk}/calendar.ics")))
    later = summer_meeting.starts_at + timedelta(hours=1)

    services.update_session(
        session=summer_meeting, user=staff, starts_at=later, ends_at=later + timedelta(hours=2)
    )

    after = only_event(read_calendar(client.get(f"/sessions/{summer_meeting.pk}/calendar.ics")))
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] == 1
    assert after.start == later
    assert after.start.astimezone(COPENHAGEN).hour == 20


def test_extending_raises_the_sequence_too(client, live_session, staff):
    services.extend_session(session=live_session, user=staff, minutes=15)
    event = only_event(read_calendar(client.get(f"/sessions/{live_session.pk}/calendar.ics")))
    assert event["SEQUENCE"] == 1
    # iCalendar times are to the second.
    planned_end = live_session.ends_at.replace(microsecond=0)
    assert event.end == planned_end + timedelta(minutes=15)


def test_a_cancelled_session_is_cancelled_in_the_calendar_not_dropped(
    client, summer_meeting, staff
):
    services.cancel_session(session=summer_meeting, user=staff)

    event = only_event(read_calendar(client.get(f"/sessions/{summer_meeting.pk}/calendar.ics")))
    assert str(event["UID"]) == f"session-{summer_meeting.pk}@testserver"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["DESCRIPTION"]).startswith(
        "This session has been cancelled. It will not take place."
    )
    # Nobody is reminded of a meeting that will not take place.
    assert event.subcomponents == []


def test_the_municipality_feed_lists_upcoming_and_recent_sessions(client, summer_meeting, staff):
    now = timezone.now()
    recent = SessionFactory(
        title="Sidste måneds møde",
        starts_at=now - timedelta(days=30),
        ends_at=now - timedelta(days=30) + timedelta(hours=1),
    )
    SessionFactory(
        title="Møde for et år siden",
        starts_at=now - timedelta(days=365),
        ends_at=now - timedelta(days=365) + timedelta(hours=1),
    )
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    SessionFactory(title="Odenses møde", municipality=odense, starts_at=now + timedelta(days=3))
    cancelled = SessionFactory(
        title="Aflyst møde",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=1),
    )
    services.cancel_session(session=cancelled, user=staff)

    calendar = read_calendar(client.get("/municipalities/roskilde/calendar.ics"))

    assert calendar.calendar_name == "Roskilde Kommune: digital town hall"
    assert calendar.refresh_interval == timedelta(hours=1)
    assert [(str(e["SUMMARY"]), str(e["STATUS"])) for e in calendar.events] == [
        ("Sidste måneds møde", "CONFIRMED"),
        ("Aflyst møde", "CANCELLED"),
        ("Borgermøde om havnen", "CONFIRMED"),
    ]
    assert {str(e["UID"]) for e in calendar.events} == {
        f"session-{s.pk}@testserver" for s in (recent, cancelled, summer_meeting)
    }
    assert [str(zone["TZID"]) for zone in calendar.timezones] == ["Europe/Copenhagen"]
    for event in calendar.events:
        assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
        assert str(event["URL"]) in str(event["DESCRIPTION"])


def test_an_empty_feed_is_still_a_calendar(client):
    MunicipalityFactory(name="Ærø Kommune", slug="aeroe")
    calendar = read_calendar(client.get("/municipalities/aeroe/calendar.ics"))
    assert calendar.events == []
    assert calendar.calendar_name == "Ærø Kommune: digital town hall"


@pytest.mark.parametrize(
    "path", ["/sessions/999999/calendar.ics", "/municipalities/nowhere/calendar.ics"]
)
def test_unknown_session_or_municipality_is_404(client, path):
    assert client.get(path).status_code == 404


def test_session_page_offers_add_to_calendar_and_the_subscription(client, summer_meeting):
    html = client.get(f"/sessions/{summer_meeting.pk}/").content.decode()
    assert f'href="/sessions/{summer_meeting.pk}/calendar.ics"' in html
    assert "Add to calendar" in html
    assert 'href="webcal://testserver/municipalities/roskilde/calendar.ics"' in html
    assert "Subscribe to all sessions of Roskilde Kommune" in html


def test_home_page_offers_add_to_calendar_for_upcoming_sessions(client, summer_meeting):
    html = client.get("/").content.decode()
    assert f'href="/sessions/{summer_meeting.pk}/calendar.ics"' in html
    assert 'href="webcal://testserver/municipalities/roskilde/calendar.ics"' in html
    assert "Calendars to subscribe to" in html


def test_the_feed_speaks_danish_by_default(summer_meeting):
    from django.test import Client

    calendar = read_calendar(Client().get("/municipalities/roskilde/calendar.ics"))
    assert calendar.calendar_name == "Roskilde Kommune: digitalt rådhus"
    assert "Spørg, stem og følg med direkte:" in str(calendar.events[0]["DESCRIPTION"])
