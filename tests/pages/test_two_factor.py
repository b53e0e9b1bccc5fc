"""Two-factor sign-in: staff and moderators with only a password reach nothing but the enrolment
page; with their authenticator app's code (or a recovery code, once) they reach everything."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from sessions.models import RecoveryCode, RecoveryCodes
from tests.factories import ModeratorFactory, SessionFactory, UserFactory
from tests.two_factor import app_code, enrolled_app

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-123"
ENROL = "/accounts/two-factor/"
# As the recovery-codes page shows them: ten base-32 characters in two groups.
RECOVERY_CODE = r"<code>([a-z2-7]{5}-[a-z2-7]{5})</code>"


def sign_in_with_password(username: str) -> Client:
    """A browser that typed the right password on the login page, and nothing more yet."""
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = browser.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def enter_code(browser: Client, code: str, next_url: str = "/"):
    return browser.post(ENROL, {"code": code, "next": next_url})


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_staff_with_only_a_password_reaches_only_the_enrolment_page(staff):
    session = SessionFactory()
    browser = sign_in_with_password("editor")

    for path in (
        "/admin/",
        "/admin/auth/user/",
        f"/sessions/{session.pk}/moderation/",
        f"/sessions/{session.pk}/report/",
        f"/municipalities/{session.municipality.slug}/report/",
        "/",
    ):
        response = browser.get(path)
        assert (response.status_code, response["Location"]) == (302, f"{ENROL}?next={path}")

    page = browser.get(ENROL)
    assert page.status_code == 200
    assert "Scan this QR code" in text_of(page)
    assert b"<svg" in page.content


def test_staff_with_only_a_password_is_refused_by_the_api_with_a_pointer(staff):
    session = SessionFactory()
    browser = sign_in_with_password("editor")

    response = browser.get(f"/api/sessions/{session.pk}/report/")

    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    assert response.json()["enrol"] == f"http://testserver{ENROL}"
    assert ENROL in response.json()["detail"]


def test_moderator_with_only_a_password_cannot_open_the_moderation_view():
    session = SessionFactory()
    ModeratorFactory(municipality=session.municipality, user=UserFactory(username="mads"))
    browser = sign_in_with_password("mads")

    response = browser.get(f"/sessions/{session.pk}/moderation/")

    assert response["Location"] == f"{ENROL}?next=/sessions/{session.pk}/moderation/"


def test_staff_enrols_an_app_by_scanning_and_confirming_a_code_then_gets_recovery_codes(staff):
    browser = sign_in_with_password("editor")
    browser.get(ENROL)
    device = TOTPDevice.objects.get(user=staff)
    assert not device.confirmed

    page = enter_code(browser, app_code(device), next_url="/admin/")

    assert page.status_code == 200
    assert "Your authenticator app is set up" in text_of(page)
    codes = re.findall(RECOVERY_CODE, page.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert browser.get("/admin/").status_code == 200


def test_a_wrong_code_at_enrolment_changes_nothing(staff):
    browser = sign_in_with_password("editor")
    browser.get(ENROL)

    page = enter_code(browser, "000000")

    assert page.status_code == 400
    assert "That code is not right" in text_of(page)
    assert not TOTPDevice.objects.get(user=staff).confirmed
    assert not RecoveryCode.objects.filter(device__user=staff).exists()
    assert browser.get("/admin/").status_code == 302


def test_enrolled_staff_signs_in_with_password_and_app_code(staff):
    app = enrolled_app(staff)
    browser = sign_in_with_password("editor")

    response = enter_code(browser, app_code(app), next_url="/admin/")

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert browser.get("/admin/").status_code == 200


def test_a_code_used_once_is_refused_the_second_time(staff):
    app = enrolled_app(staff)
    code = app_code(app)
    assert enter_code(sign_in_with_password("editor"), code).status_code == 302

    second = sign_in_with_password("editor")
    page = enter_code(second, code)

    assert page.status_code == 400
    assert "That code is not right, or it has been used already." in text_of(page)
    assert second.get("/admin/").status_code == 302


def test_a_code_from_someone_elses_app_is_refused(staff):
    enrolled_app(staff)
    other = enrolled_app(UserFactory(username="other-editor", is_staff=True))

    browser = sign_in_with_password("editor")
    page = enter_code(browser, app_code(other))

    assert page.status_code == 400
    assert browser.get("/admin/").status_code == 302


def test_a_recovery_code_signs_in_once(staff):
    browser = sign_in_with_password("editor")
    browser.get(ENROL)
    page = enter_code(browser, app_code(TOTPDevice.objects.get(user=staff)))
    recovery = re.findall(RECOVERY_CODE, page.content.decode())[0]

    first = sign_in_with_password("editor")
    assert enter_code(first, recovery).status_code == 302
    assert first.get("/admin/").status_code == 200
    assert RecoveryCode.objects.filter(device__user=staff).count() == 9

    second = sign_in_with_password("editor")
    page = enter_code(second, recovery)
    assert page.status_code == 400
    assert "it has been used already" in text_of(page)
    assert RecoveryCode.objects.filter(device__user=staff).count() == 9


def test_wrong_codes_count_toward_the_login_lockout(staff, settings):
    enrolled_app(staff)
    browser = sign_in_with_password("editor")

    answers = [
        enter_code(browser, "000000").status_code for _ in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert answers == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Signed out, and the password no longer opens the account from this address.
    assert browser.get("/admin/")["Location"].startswith("/admin/login/")
    locked = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": "editor", "password": PASSWORD}
    )
    assert locked.status_code == 429


def test_citizens_are_not_asked_for_a_second_factor(citizen):
    browser = sign_in_with_password("anna")

    assert browser.get("/").status_code == 200


def test_a_citizen_who_set_up_an_app_is_asked_for_its_code(citizen):
    app = enrolled_app(citizen)
    browser = sign_in_with_password("anna")

    assert browser.get("/")["Location"] == f"{ENROL}?next=/"
    assert enter_code(browser, app_code(app)).status_code == 302
    assert browser.get("/").status_code == 200


def test_with_enforcement_off_for_a_demo_staff_sign_in_with_the_password_alone(staff, settings):
    settings.TOWNHALL_REQUIRE_STAFF_2FA = False
    browser = sign_in_with_password("editor")

    assert browser.get("/admin/").status_code == 200


def enrol(staff) -> list[str]:
    """Enrol the app through the page; the recovery codes it shows, this once."""
    browser = sign_in_with_password("editor")
    browser.get(ENROL)
    page = enter_code(browser, app_code(TOTPDevice.objects.get(user=staff)))
    return re.findall(RECOVERY_CODE, page.content.decode())


def test_the_database_holds_no_recovery_code_as_shown(staff):
    codes = enrol(staff)
    assert len(set(codes)) == 10

    stored = []
    for model in (RecoveryCodes, RecoveryCode):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            stored += [str(value).lower() for row in cursor.fetchall() for value in row]

    assert RecoveryCode.objects.filter(device__user=staff).count() == 10
    for code in codes:
        plain = code.replace("-", "")
        assert not any(plain in value or code in value for value in stored)


def test_a_recovery_code_is_accepted_typed_in_capitals_and_without_the_dash(staff):
    code = enrol(staff)[3]

    browser = sign_in_with_password("editor")
    assert enter_code(browser, code.upper().replace("-", " ")).status_code == 302
    assert browser.get("/admin/").status_code == 200
    assert RecoveryCode.objects.filter(device__user=staff).count() == 9


def test_the_recovery_codes_page_is_not_shown_again(staff):
    enrol(staff)
    browser = sign_in_with_password("editor")
    enter_code(browser, app_code(TOTPDevice.objects.get(user=staff), steps_ahead=1))

    page = browser.get(ENROL)

    assert re.findall(RECOVERY_CODE, page.content.decode()) == []


def test_codes_saved_before_hashing_still_sign_in_once_and_their_clear_copies_are_gone(staff):
    import importlib

    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    enrolled_app(staff)
    static = StaticDevice.objects.create(user=staff, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcdefgh")
    migration = importlib.import_module("sessions.migrations.0017_recovery_codes_hashed")

    migration.hash_static_codes(apps, None)

    assert not StaticToken.objects.exists()
    assert RecoveryCode.objects.filter(device__user=staff).count() == 1
    first = sign_in_with_password("editor")
    assert enter_code(first, "abcdefgh").status_code == 302
    second = sign_in_with_password("editor")
    assert enter_code(second, "abcdefgh").status_code == 400
