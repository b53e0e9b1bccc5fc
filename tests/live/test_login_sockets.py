"""A socket opened by a signed-in person ends with that login: signed out, timed out, banned."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.utils import timezone

from sessions import services
from tests.factories import ModeratorFactory, MunicipalityFactory, SessionFactory, UserFactory
from tests.two_factor import SecondFactorClient
from tests.waiting import Communicator
from townhall.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")
# A check that nothing arrives: short, since a slow machine can only make it pass.
QUIET_SECONDS = 0.5
EXPIRED_MESSAGE = "Your session has expired. Sign in again."


@pytest.fixture(autouse=True)
def quick_login_checks(settings):
    settings.TOWNHALL_LOGIN_CHECK_SECONDS = 0.05


def signed_in(user) -> SecondFactorClient:
    """A login through the pages (its clocks started), with the second factor where needed."""
    client = SecondFactorClient()
    client.force_login(user)
    assert client.get("/").status_code == 200
    return client


async def open_socket(path: str, client: SecondFactorClient | None = None) -> Communicator:
    headers = [ORIGIN]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    socket = Communicator(application, path, headers=headers)
    assert (await socket.connect())[0]
    return socket


async def receive(socket: Communicator) -> dict:
    return json.loads(await socket.receive_from())


async def assert_closed_with(socket: Communicator, reason: str, message: str, code: int) -> None:
    assert await receive(socket) == {
        "type": "signed_out",
        "data": {"reason": reason, "message": message},
    }
    assert await socket.receive_output() == {"type": "websocket.close", "code": code}


async def assert_still_open(socket: Communicator) -> None:
    assert await socket.receive_nothing(timeout=QUIET_SECONDS)
    await socket.send_to(text_data=json.dumps({"type": "ping"}))
    assert await receive(socket) == {"type": "pong"}


@database_sync_to_async
def citizen_and_session():
    return UserFactory(username="anna", first_name="Anna Jensen"), SessionFactory()


async def test_signing_out_closes_that_logins_socket_and_no_other():
    citizen, session = await citizen_and_session()
    phone = await database_sync_to_async(signed_in)(citizen)
    laptop = await database_sync_to_async(signed_in)(citizen)
    on_phone = await open_socket(f"/ws/sessions/{session.pk}/", phone)
    on_laptop = await open_socket(f"/ws/sessions/{session.pk}/", laptop)
    anonymous = await open_socket(f"/ws/sessions/{session.pk}/")

    response = await database_sync_to_async(phone.post)("/accounts/logout/")
    assert response.status_code == 302

    await assert_closed_with(
        on_phone, "signed_out", "You have signed out. Sign in again to take part.", 4401
    )
    await assert_still_open(on_laptop)
    await assert_still_open(anonymous)
    await on_laptop.disconnect()
    await anonymous.disconnect()


async def test_a_socket_reopened_after_signing_out_watches_as_anyone():
    citizen, session = await citizen_and_session()
    browser = await database_sync_to_async(signed_in)(citizen)
    cookie_before = browser.cookies["sessionid"].value
    await database_sync_to_async(browser.post)("/accounts/logout/")

    # The old cookie names a login that no longer exists: the socket opens, signed in as nobody.
    socket = Communicator(
        application,
        f"/ws/sessions/{session.pk}/",
        headers=[ORIGIN, (b"cookie", f"sessionid={cookie_before}".encode())],
    )
    assert (await socket.connect())[0]
    question = await database_sync_to_async(services.post_question)(
        session=session, author=await database_sync_to_async(UserFactory)(), body="Still live?"
    )
    event = await receive(socket)
    assert (event["type"], event["data"]["id"]) == ("question.created", question.pk)
    await socket.disconnect()


async def test_a_moderation_socket_closes_when_its_login_has_been_idle_too_long():
    session = await database_sync_to_async(SessionFactory)()
    moderator = await database_sync_to_async(
        lambda: ModeratorFactory(municipality=session.municipality).user
    )()
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        browser = await database_sync_to_async(signed_in)(moderator)
        socket = await open_socket(f"/ws/sessions/{session.pk}/moderation/", browser)
        assert await receive(socket) == {"type": "ready"}

        clock.move_to(start + timedelta(minutes=29))
        await assert_still_open(socket)

        clock.move_to(start + timedelta(minutes=31))
        await assert_closed_with(
            socket, "expired", "Your session has expired. Sign in again.", 4401
        )


async def test_a_login_used_meanwhile_keeps_its_socket_past_the_first_deadline():
    session = await database_sync_to_async(SessionFactory)()
    moderator = await database_sync_to_async(
        lambda: ModeratorFactory(municipality=session.municipality).user
    )()
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        browser = await database_sync_to_async(signed_in)(moderator)
        socket = await open_socket(f"/ws/sessions/{session.pk}/", browser)

        clock.move_to(start + timedelta(minutes=20))
        assert (await database_sync_to_async(browser.get)("/")).status_code == 200
        # 40 minutes after signing in, 20 after the last request: still within 30 idle minutes.
        clock.move_to(start + timedelta(minutes=40))
        await assert_still_open(socket)

        clock.move_to(start + timedelta(minutes=51))
        await assert_closed_with(
            socket, "expired", "Your session has expired. Sign in again.", 4401
        )


async def test_the_absolute_limit_closes_a_socket_however_busy_the_login():
    citizen, session = await citizen_and_session()
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        browser = await database_sync_to_async(signed_in)(citizen)
        socket = await open_socket(f"/ws/sessions/{session.pk}/", browser)
        # A request every 10 hours, within the citizens' 12 idle hours, for 14 days.
        for hours in range(10, 14 * 24, 10):
            clock.move_to(start + timedelta(hours=hours))
            assert (await database_sync_to_async(browser.get)("/")).status_code == 200
        await assert_still_open(socket)

        clock.move_to(start + timedelta(days=14, minutes=1))
        await assert_closed_with(
            socket, "expired", "Your session has expired. Sign in again.", 4401
        )


async def test_a_ban_closes_the_citizens_sockets_on_that_municipalitys_sessions_only():
    citizen, session = await citizen_and_session()
    elsewhere = await database_sync_to_async(
        lambda: SessionFactory(
            municipality=MunicipalityFactory(name="Faaborg-Midtfyn Kommune", slug="faaborg")
        )
    )()
    moderator = await database_sync_to_async(
        lambda: ModeratorFactory(municipality=session.municipality).user
    )()
    browser = await database_sync_to_async(signed_in)(citizen)
    here = await open_socket(f"/ws/sessions/{session.pk}/", browser)
    there = await open_socket(f"/ws/sessions/{elsewhere.pk}/", browser)

    await database_sync_to_async(services.ban_user)(
        municipality=session.municipality, user=moderator, target=citizen, reason="spam"
    )

    await assert_closed_with(
        here,
        "banned",
        "You have been banned from taking part in this municipality's sessions.",
        4403,
    )
    await assert_still_open(there)
    await there.disconnect()


async def test_deleting_the_account_closes_its_sockets():
    citizen, session = await citizen_and_session()
    citizen_password = "demo-password-123"
    await database_sync_to_async(lambda: (citizen.set_password(citizen_password), citizen.save()))()
    browser = await database_sync_to_async(signed_in)(citizen)
    socket = await open_socket(f"/ws/sessions/{session.pk}/", browser)

    response = await database_sync_to_async(browser.post)(
        "/accounts/delete/", {"password": citizen_password}
    )
    assert response.status_code == 302

    await assert_closed_with(
        socket, "signed_out", "You have signed out. Sign in again to take part.", 4401
    )


async def test_the_relay_forgets_a_closed_sockets_login():
    from sessions.live import relay

    citizen, session = await citizen_and_session()
    browser = await database_sync_to_async(signed_in)(citizen)
    socket = await open_socket(f"/ws/sessions/{session.pk}/", browser)
    assert set(relay.get_relay().logins) == {citizen.pk}

    await socket.disconnect()
    assert relay.get_relay().logins == {}
