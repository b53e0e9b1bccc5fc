"""The session page for visitors who are not signed in: rendered once per session state, never
another visitor's token or controls, fresh at the next event and at the clock's turns."""

from __future__ import annotations

import gzip
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone

from sessions import events, services
from sessions.pages.page_cache import SharedPage, stored_blocks
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)" form="language-form"')


def load(client: Client, session, **headers) -> str:
    response = client.get(f"/sessions/{session.pk}/", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def clock_of(html: str) -> str:
    found = re.search(r'<script id="session-clock" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))["server_now"]


def test_a_second_visitor_is_served_the_first_rendering(
    live_session, citizen, django_assert_num_queries, settings
):
    # The published seq outlives a slow machine's pause between the two loads.
    settings.TOWNHALL_PUBLISHED_SEQ_SECONDS = 600
    services.post_question(session=live_session, author=citizen, body="Hvornår åbner svømmehallen?")
    first = load(Client(), live_session)
    # Not even the session's row: its seq is published (events.published_seq), and this
    # process read the session at that seq for the first visitor.
    with django_assert_num_queries(0):
        second = load(Client(), live_session)
    assert "Hvornår åbner svømmehallen?" in second
    assert TOKEN.sub("", first).replace(clock_of(first), "") == TOKEN.sub("", second).replace(
        clock_of(second), ""
    )


def test_the_next_event_shows_at_once(live_session, citizen):
    load(Client(), live_session)
    services.post_question(session=live_session, author=citizen, body="Hvad med cykelstien?")
    assert "Hvad med cykelstien?" in load(Client(), live_session)


def test_a_seq_published_by_a_write_that_rolled_back_shows_nothing_of_it(live_session, citizen):
    load(Client(), live_session)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.post_question(session=live_session, author=citizen, body="Aldrig gemt")
        assert events.published_seq(live_session.pk) == 1
        raise RuntimeError("the write fails after its event")
    assert "Aldrig gemt" not in load(Client(), live_session)
    services.post_question(session=live_session, author=citizen, body="Gemt")
    html = load(Client(), live_session)
    assert "Gemt" in html and "Aldrig gemt" not in html


def test_a_lost_published_seq_costs_a_query_not_freshness(live_session, citizen):
    load(Client(), live_session)
    services.post_question(session=live_session, author=citizen, body="Hvad med havnen?")
    cache.delete(f"{events.PUBLISHED_SEQ_PREFIX}:{live_session.pk}")
    assert "Hvad med havnen?" in load(Client(), live_session)
    assert events.published_seq(live_session.pk) == 1


def test_each_visitor_gets_their_own_csrf_token_and_the_language_switch_works(live_session):
    load(Client(), live_session)  # the page is cached now
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_token = TOKEN.search(load(alice, live_session)).group(1)
    bob_token = TOKEN.search(load(bob, live_session)).group(1)
    assert alice.cookies["csrftoken"].value != bob.cookies["csrftoken"].value
    switch = {"language": "da", "next": f"/sessions/{live_session.pk}/"}
    # Bob's token does not pass with Alice's cookie; her own does.
    assert (
        alice.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": bob_token}).status_code
        == 403
    )
    response = alice.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": alice_token})
    assert response.status_code == 302
    assert '<html lang="da">' in load(alice, live_session)


def test_the_clock_is_this_requests(live_session):
    with time_machine.travel(timezone.now(), tick=False):
        first = clock_of(load(Client(), live_session))
    later = timezone.now() + timedelta(minutes=3)
    with time_machine.travel(later, tick=False):
        second = clock_of(load(Client(), live_session))
    assert first != second
    assert second.startswith(later.strftime("%Y-%m-%dT%H:%M"))


def test_a_gzipped_page_is_the_same_page(live_session, citizen):
    services.post_question(session=live_session, author=citizen, body="Æ, ø og å: også i gzip?")
    plain_client = Client()
    plain = load(plain_client, live_session)
    zipped = Client().get(f"/sessions/{live_session.pk}/", headers={"accept-encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    unzipped = gzip.decompress(zipped.content).decode()
    assert "Æ, ø og å: også i gzip?" in unzipped
    assert unzipped.endswith("</html>\n")
    assert TOKEN.sub("", unzipped).replace(clock_of(unzipped), "") == TOKEN.sub("", plain).replace(
        clock_of(plain), ""
    )


def test_stored_tail_blocks_make_a_valid_stream_of_any_length():
    page = SharedPage.from_html(
        "<p>head</p><!--tail-->" + "x" * 70_000 + "townhall-slot-server-now"
    )
    body = page.body(csrf_token="t", server_now="now", gzip=True)
    assert gzip.decompress(body).decode() == "<p>head</p><!--tail-->" + "x" * 70_000 + "now"
    assert len(stored_blocks(b"")) == 1


def test_the_page_turns_live_when_the_clock_does(citizen):
    session = SessionFactory(starts_at=timezone.now() + timedelta(minutes=5))
    assert 'data-status="scheduled"' in load(Client(), session)
    with time_machine.travel(session.starts_at + timedelta(seconds=1)):
        assert 'data-status="live"' in load(Client(), session)


def test_a_signed_in_citizen_never_gets_the_shared_page(live_session, citizen):
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    load(Client(**english), live_session)
    signed_in = Client(**english)
    signed_in.force_login(citizen)
    html = load(signed_in, live_session)
    assert "Signed in as" in html
    assert 'data-action="ask"' in html
    # And the visitor after them still gets the page for visitors.
    assert "Signed in as" not in load(Client(**english), live_session)


def test_languages_are_kept_apart(live_session):
    english = load(Client(), live_session, **{"accept-language": "en"})
    danish = load(Client(), live_session, **{"accept-language": "da"})
    assert '<html lang="en">' in english
    assert '<html lang="da">' in danish


def test_a_query_the_page_does_not_know_shares_the_page_and_goes_nowhere(
    live_session, django_assert_num_queries, settings
):
    settings.TOWNHALL_PUBLISHED_SEQ_SECONDS = 600
    load(Client(), live_session)
    with django_assert_num_queries(0):
        html = Client().get(f"/sessions/{live_session.pk}/?utm_source=x&junk=<b>").content.decode()
    assert "junk" not in html
    assert f"/accounts/login/?next=/sessions/{live_session.pk}/" in html.replace("%2F", "/")


def test_a_missing_session_is_a_cheap_404(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert Client().get("/sessions/987654/").status_code == 404


def test_with_no_published_seq_each_load_reads_the_session_row(
    live_session, settings, django_assert_num_queries
):
    settings.TOWNHALL_PUBLISHED_SEQ_SECONDS = 0
    load(Client(), live_session)
    with django_assert_num_queries(1):
        load(Client(), live_session)
    assert events.published_seq(live_session.pk) is None
