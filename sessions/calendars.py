"""Sessions as iCalendar files (RFC 5545), written with the icalendar library.

What calendar clients need to keep one entry per session and keep it right:
- a UID per session that never changes (`session-<id>@<host>`), so an edited session replaces
  the entry instead of adding a second one;
- SEQUENCE from Session.calendar_sequence, raised whenever the session's time moves or it is
  cancelled, since clients ignore an update that does not raise it;
- STATUS:CANCELLED for a cancelled session, so the entry is struck out, not silently dropped;
- DTSTART/DTEND in the site's time zone (Europe/Copenhagen) with its VTIMEZONE, so the time
  stays right across daylight saving wherever the reader is;
- the session's address in URL and again in DESCRIPTION (most clients show no URL);
- a VALARM 30 minutes before the start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils.translation import gettext as _

from .models import Session

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Townhall//Digital town hall//EN"
REMINDER_BEFORE = timedelta(minutes=30)
# How often a subscribed calendar should fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)


def session_uid(session: Session, host: str) -> str:
    """The session's UID in every calendar file: the same across edits and cancellation."""
    return f"session-{session.pk}@{host.split(':')[0]}"


def calendar_file(
    sessions: Iterable[Session],
    *,
    host: str,
    url_for: Callable[[Session], str],
    now: datetime,
    name: str | None = None,
) -> bytes:
    """One VCALENDAR with a VEVENT per session; `name` makes it a feed to subscribe to.

    `url_for` gives a session's absolute address (the caller knows the site's host and paths);
    `host` the domain the UIDs carry.
    """
    time_zone = ZoneInfo(settings.TIME_ZONE)
    calendar = icalendar.Calendar.new(prodid=PRODID, method="PUBLISH")
    if name:
        calendar.calendar_name = name
        calendar.refresh_interval = REFRESH_INTERVAL
        # Outlook and older Apple clients read the X- form of the refresh interval.
        calendar.add("X-PUBLISHED-TTL", REFRESH_INTERVAL)
    events = [_event(session, host, url_for(session), now, time_zone) for session in sessions]
    for event in events:
        calendar.add_component(event)
    if events:
        # A VTIMEZONE covering the years of the sessions: enough for every client to place them,
        # without the 70 years of daylight-saving rules the library writes by default.
        first = min(event.start for event in events).year
        last = max(event.end for event in events).year
        calendar.add_missing_timezones(first_date=date(first, 1, 1), last_date=date(last, 12, 31))
    return calendar.to_ical()


def _event(
    session: Session, host: str, url: str, now: datetime, time_zone: ZoneInfo
) -> icalendar.Event:
    cancelled = session.cancelled_at is not None
    description = "\n\n".join(
        part
        for part in (
            _("This session has been cancelled. It will not take place.") if cancelled else "",
            session.description.strip(),
            _("Ask, vote and follow it live: %(url)s") % {"url": url},
        )
        if part
    )
    event = icalendar.Event.new(
        uid=session_uid(session, host),
        sequence=session.calendar_sequence,
        stamp=now,
        start=session.starts_at.astimezone(time_zone),
        end=session.ends_at.astimezone(time_zone),
        summary=session.title,
        description=description,
        location=session.municipality.name,
        url=url,
        status="CANCELLED" if cancelled else "CONFIRMED",
    )
    if not cancelled:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -REMINDER_BEFORE)
        alarm.add("description", session.title)
        event.add_component(alarm)
    return event
