"""The audit trail of staff access to personal data: opening an account's e-mail in the admin and
resetting someone's two-factor sign-in are rows with who, when, what and whose; nobody edits
them."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from sessions.models import PersonalDataAccess
from tests.factories import UserFactory
from tests.two_factor import enrolled_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


def test_opening_a_citizens_account_in_the_admin_is_recorded(client, administrator):
    anna = UserFactory(username="anna", email="anna@example.dk")

    page = client.get(f"/admin/auth/user/{anna.pk}/change/")

    assert page.status_code == 200
    assert "anna@example.dk" in page.content.decode()
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.subject, row.action) == (administrator, anna, "viewed_email")


def test_the_user_list_shows_no_e_mail_addresses(client, administrator):
    UserFactory(username="anna", email="anna@example.dk")

    page = client.get("/admin/auth/user/")

    assert page.status_code == 200
    assert "anna@example.dk" not in page.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_resetting_two_factor_sign_in_is_recorded(client, administrator):
    editor = UserFactory(username="editor", is_staff=True)
    enrolled_app(editor)

    response = client.post(
        "/admin/auth/user/",
        {"action": "reset_second_factor", "_selected_action": [editor.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()
    row = PersonalDataAccess.objects.get()
    assert (row.actor, row.subject, row.action) == (administrator, editor, "second_factor_reset")


def test_nobody_edits_the_audit_trail(client, administrator):
    anna = UserFactory(username="anna", email="anna@example.dk")
    client.get(f"/admin/auth/user/{anna.pk}/change/")
    row = PersonalDataAccess.objects.get()

    assert client.get("/admin/townhall_sessions/personaldataaccess/").status_code == 200
    assert client.get("/admin/townhall_sessions/personaldataaccess/add/").status_code == 403
    deleted = client.post(
        f"/admin/townhall_sessions/personaldataaccess/{row.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert PersonalDataAccess.objects.count() == 1
