"""Sign in with MitID through OpenID Connect, against a real provider on loopback
(tests/oidc_provider.py), through the pages as a visitor would go."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from sessions import services
from sessions.models import Ban, ModerationReason, VerifiedIdentity
from sessions.oidc_settings import url_problem
from sessions.services.identity import subject_hmac
from tests.conftest import ENGLISH
from tests.factories import ModeratorFactory, PostFactory, SessionFactory, UserFactory
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LOW, new_key, running_provider
from tests.servers import PROJECT

pytestmark = pytest.mark.django_db
User = get_user_model()
FAILED = "did not succeed, and nothing was changed here"


@pytest.fixture
def provider(settings):
    with running_provider() as running:
        settings.OIDC_ISSUER = running.issuer
        settings.OIDC_CLIENT_ID = CLIENT_ID
        settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_PROVIDER_NAME = "MitID"
        settings.OIDC_MIN_LOA = ""
        yield running


@pytest.fixture
def visitor() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=ENGLISH)


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def to_provider(visitor: Client, next_url: str = "") -> str:
    """Press "Log in with MitID": the provider's authorization URL we are sent to."""
    response = visitor.get(reverse("oidc-login"), {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def approve(authorize_url: str) -> str:
    """The provider approves the citizen: the callback URL it sends the visitor back to."""
    response = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    return response.headers["Location"]


def come_back(visitor: Client, provider, next_url: str = ""):
    return visitor.get(local(approve(to_provider(visitor, next_url))))


def sign_up(visitor: Client, provider, name: str = "Karen fra Roskilde", next_url: str = ""):
    """A first sign-in to the end: back from the provider, then the display name chosen."""
    response = come_back(visitor, provider, next_url)
    assert response["Location"] == reverse("oidc-welcome")
    return visitor.post(reverse("oidc-welcome"), {"display_name": name})


def verified_only_session():
    """A session live now in a municipality that admits only verified citizens."""
    session = SessionFactory()
    session.municipality.verified_only = True
    session.municipality.save()
    return session


def signed_in_user(visitor: Client):
    user_id = visitor.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# The button -------------------------------------------------------------------------------


def test_login_page_offers_the_provider_only_when_configured(visitor, settings):
    settings.OIDC_ISSUER = ""
    assert "Log in with MitID" not in visitor.get(reverse("login")).text
    assert visitor.get(reverse("oidc-login")).status_code == 404

    settings.OIDC_ISSUER = "https://broker.example.dk"
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_PROVIDER_NAME = "MitID"
    page = visitor.get(reverse("login")).text
    assert "Log in with MitID" in page
    assert f'action="{reverse("oidc-login")}"' in page


def test_the_button_speaks_danish_by_default(provider):
    page = Client().get(reverse("login")).text
    assert "Log ind med MitID" in page


# A good sign-in ---------------------------------------------------------------------------


def test_login_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(visitor, provider):
    query = parse_qs(urlsplit(to_provider(visitor)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/callback/"]
    assert query["scope"] == ["openid"]


def test_first_sign_in_asks_for_a_name_and_makes_a_verified_account(visitor, provider):
    response = come_back(visitor, provider, next_url="/sessions/1/")
    assert response.status_code == 302
    assert response["Location"] == reverse("oidc-welcome")
    assert User.objects.count() == 0  # nothing made before the name is chosen
    welcome = visitor.get(reverse("oidc-welcome"))
    assert "Choose your name" in welcome.text
    assert 'value="Karen' not in welcome.text  # the name field starts empty

    response = visitor.post(reverse("oidc-welcome"), {"display_name": "  Karen fra  Roskilde "})

    assert response.status_code == 302
    assert response["Location"] == "/sessions/1/"
    user = signed_in_user(visitor)
    assert user.get_full_name() == "Karen fra Roskilde"
    assert not user.has_usable_password()
    identity = user.verified_identity
    assert identity.issuer == provider.issuer
    assert identity.subject_hmac == subject_hmac(issuer=provider.issuer, sub=provider.person["sub"])
    assert identity.assurance_level == provider.person["loa"]


def test_nothing_of_the_providers_personal_data_is_kept(visitor, provider):
    sign_up(visitor, provider)
    user = User.objects.get()
    kept = json.dumps(
        [
            list(VerifiedIdentity.objects.values().get().values()),
            [user.username, user.first_name, user.last_name, user.email],
            dict(visitor.session.items()),
        ],
        default=str,
    )
    for value in ("0101701234", provider.person["sub"], "Madsen", "Karen Madsen"):
        assert value not in kept


def test_the_citizen_may_show_their_first_name_if_they_tick_it(visitor, provider):
    come_back(visitor, provider)
    page = visitor.get(reverse("oidc-welcome")).text
    assert "Show my first name, Karen, instead" in page
    visitor.post(reverse("oidc-welcome"), {"display_name": "", "use_first_name": "on"})
    assert signed_in_user(visitor).get_full_name() == "Karen"


def test_a_second_sign_in_finds_the_same_account(visitor, provider):
    sign_up(visitor, provider)
    first = VerifiedIdentity.objects.get()
    visitor.post(reverse("logout"))
    assert signed_in_user(visitor) is None

    response = come_back(visitor, provider)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user(visitor) == first.user
    assert User.objects.count() == 1
    assert VerifiedIdentity.objects.get().verified_at > first.verified_at


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Choose a name to be shown."),
        ("x" * 41, "Keep the name to 40 characters."),
        ("anna", "Someone already goes by that name. Choose another."),
        ("Tomas Breddam", "Someone already goes by that name. Choose another."),
    ],
)
def test_a_display_name_empty_too_long_or_taken_is_refused(visitor, provider, mayor, name, message):
    UserFactory(username="anna")
    response = sign_up(visitor, provider, name=name)
    assert response.status_code == 400
    assert message in response.text
    assert signed_in_user(visitor) is None
    assert not VerifiedIdentity.objects.exists()


# Every check of the flow ------------------------------------------------------------------


def assert_refused(response, visitor) -> None:
    assert response.status_code == 400
    assert f"Signing in with MitID {FAILED}" in response.text
    assert 'href="/accounts/login/"' in response.text
    assert signed_in_user(visitor) is None
    assert User.objects.count() == 0
    assert not VerifiedIdentity.objects.exists()


def test_a_wrong_nonce_is_refused(visitor, provider):
    provider.tamper = {"nonce": "not-the-nonce-we-sent"}
    assert_refused(come_back(visitor, provider), visitor)


def test_a_forged_state_is_refused(visitor, provider):
    callback = urlsplit(approve(to_provider(visitor)))
    query = parse_qs(callback.query)
    forged = f"{callback.path}?code={query['code'][0]}&state=forged-state"
    assert_refused(visitor.get(forged), visitor)


def test_a_callback_without_a_login_first_is_refused(visitor, provider):
    other = Client(HTTP_ACCEPT_LANGUAGE=ENGLISH)
    # The code and state were made for another visitor's login session.
    assert_refused(visitor.get(local(approve(to_provider(other)))), visitor)


def test_a_replayed_code_is_refused(visitor, provider):
    callback = approve(to_provider(visitor))
    visitor.get(local(callback))  # the code is spent at the provider
    code = parse_qs(urlsplit(callback).query)["code"][0]
    # Played again, under the state of a fresh login so that only the provider can tell.
    state = parse_qs(urlsplit(to_provider(visitor)).query)["state"][0]
    response = visitor.get(reverse("oidc-callback"), {"code": code, "state": state})
    assert_refused(response, visitor)


def test_a_token_signed_by_another_key_is_refused(visitor, provider):
    provider.tamper = {"sign_with": new_key("key-1")}  # the same kid, not the provider's key
    assert_refused(come_back(visitor, provider), visitor)


def test_a_token_for_another_client_is_refused(visitor, provider):
    provider.tamper = {"aud": "another-client"}
    assert_refused(come_back(visitor, provider), visitor)


def test_a_token_from_another_issuer_is_refused(visitor, provider):
    provider.tamper = {"iss": "https://impostor.example.dk"}
    assert_refused(come_back(visitor, provider), visitor)


def test_an_expired_token_is_refused(visitor, provider):
    provider.tamper = {"iat": 1_700_000_000, "exp": 1_700_000_300}
    assert_refused(come_back(visitor, provider), visitor)


def test_an_error_from_the_provider_is_shown(visitor, provider):
    state = parse_qs(urlsplit(to_provider(visitor)).query)["state"][0]
    response = visitor.get(reverse("oidc-callback"), {"error": "access_denied", "state": state})
    assert_refused(response, visitor)


def test_a_refusal_logs_a_warning_without_tokens_or_personal_data(visitor, provider, caplog):
    provider.tamper = {"aud": "another-client"}
    callback = approve(to_provider(visitor))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    with caplog.at_level(logging.WARNING, logger="sessions.pages.oidc"):
        visitor.get(local(callback))
    ours = [record for record in caplog.records if record.name == "sessions.pages.oidc"]
    assert [record.levelname for record in ours] == ["WARNING"]
    for secret in (code, provider.person["sub"], "0101701234", "Madsen"):
        assert secret not in caplog.text


def test_a_level_below_the_minimum_is_refused_with_a_clear_page(visitor, provider, settings):
    settings.OIDC_MIN_LOA = "substantial"
    provider.person["loa"] = LOW
    response = come_back(visitor, provider)
    assert response.status_code == 403
    assert "too low an assurance level" in response.text
    assert signed_in_user(visitor) is None
    assert not VerifiedIdentity.objects.exists()


def test_the_minimum_level_admits_a_level_at_or_above_it(visitor, provider, settings):
    settings.OIDC_MIN_LOA = "https://data.gov.dk/concept/core/nsis/Substantial"
    sign_up(visitor, provider)
    assert signed_in_user(visitor).verified_identity.assurance_level.endswith("Substantial")


def test_a_rotated_key_is_fetched_again(visitor, provider):
    sign_up(visitor, provider)
    assert provider.jwks_fetches == 1
    visitor.post(reverse("logout"))
    provider.rotate_key()

    come_back(visitor, provider)

    assert provider.jwks_fetches == 2
    assert signed_in_user(visitor) == User.objects.get()


# The issuer must be https, except on loopback -----------------------------------------------


@pytest.mark.parametrize(
    "issuer",
    ["https://broker.example.dk", "http://127.0.0.1:9000", "http://127.8.0.1", "http://localhost"],
)
def test_https_or_loopback_issuers_are_accepted(issuer):
    assert url_problem(issuer) is None


@pytest.mark.parametrize(
    "issuer", ["http://broker.example.dk", "http://10.0.0.1", "ftp://127.0.0.1", "broker"]
)
def test_other_issuers_are_refused(issuer):
    assert url_problem(issuer) is not None


def test_an_http_issuer_off_loopback_is_refused_at_sign_in(visitor, provider, settings):
    settings.OIDC_ISSUER = "http://broker.example.dk"
    response = visitor.get(reverse("oidc-login"))
    assert response.status_code == 503
    assert "Signing in with MitID is not available right now" in response.text


def test_an_http_issuer_off_loopback_stops_the_server_from_starting():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "OIDC_ISSUER": "http://broker.example.dk"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "OIDC_ISSUER: 'http://broker.example.dk' must use https://" in result.stderr


def test_a_discovery_document_with_a_plain_http_endpoint_off_loopback_is_refused(visitor, provider):
    provider.discovery_changes = {"token_endpoint": "http://broker.example.dk/token"}
    response = visitor.get(reverse("oidc-login"))
    assert response.status_code == 503
    assert "not available right now" in response.text
    assert "_state_" not in "".join(visitor.session.keys())


def test_a_discovery_document_naming_another_issuer_is_refused_until_put_right(visitor, provider):
    provider.issuer_in_discovery = "https://impostor.example.dk"
    response = visitor.get(reverse("oidc-login"))
    assert response.status_code == 503
    assert "not available right now" in response.text

    provider.issuer_in_discovery = None
    assert visitor.get(reverse("oidc-login"))["Location"].startswith(f"{provider.issuer}/")


# Logout -------------------------------------------------------------------------------------


def test_logout_ends_the_providers_session_too(visitor, provider):
    sign_up(visitor, provider)
    response = visitor.post(reverse("logout"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/logout"
    query = parse_qs(location.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://testserver/"]
    assert signed_in_user(visitor) is None


def test_logout_stays_here_when_the_provider_offers_no_logout(visitor, provider):
    provider.offers_logout = False
    sign_up(visitor, provider)
    response = visitor.post(reverse("logout"))
    assert response["Location"] == reverse("home")
    assert signed_in_user(visitor) is None


def test_a_password_login_logs_out_here_only(visitor, provider, citizen):
    visitor.force_login(citizen)
    response = visitor.post(reverse("logout"))
    assert response["Location"] == reverse("home")


# Bans stick to the person -------------------------------------------------------------------


def test_a_ban_on_a_verified_account_follows_the_person_to_their_next_sign_in(
    visitor, provider, live_session
):
    sign_up(visitor, provider)
    banned = User.objects.get(verified_identity__isnull=False)
    moderator = ModeratorFactory(municipality=live_session.municipality).user
    services.ban_user(
        municipality=live_session.municipality,
        user=moderator,
        target=banned,
        reason=ModerationReason.PERSONAL_ATTACK,
    )
    visitor.post(reverse("logout"))

    come_back(visitor, provider)  # the same person signs in again

    assert signed_in_user(visitor) == banned  # no new account: the banned one
    assert User.objects.filter(verified_identity__isnull=False).count() == 1
    response = visitor.post(reverse("ask", args=[live_session.pk]), {"body": "Hello again?"})
    assert "You are banned from posting" in response.text
    assert not live_session.posts.exists()
    assert Ban.objects.get().user == banned


def test_a_second_account_for_the_same_identity_is_never_made(visitor, provider):
    come_back(visitor, provider)
    other_tab = Client(HTTP_ACCEPT_LANGUAGE=ENGLISH)
    come_back(other_tab, provider)
    visitor.post(reverse("oidc-welcome"), {"display_name": "Karen"})

    response = other_tab.post(reverse("oidc-welcome"), {"display_name": "Someone New"})

    assert response.status_code == 409
    assert "This identity already has an account here" in response.text
    assert signed_in_user(other_tab) is None
    assert User.objects.count() == 1


# Only verified citizens, and password sign-up ------------------------------------------------


def test_in_a_verified_only_municipality_a_password_citizen_is_told_how_to_verify(
    visitor, provider, citizen
):
    session = verified_only_session()
    visitor.force_login(citizen)

    response = visitor.post(reverse("ask", args=[session.pk]), {"body": "May I ask?"})

    assert response.status_code == 403
    assert "Only citizens who signed in with MitID may ask, reply and vote" in response.text
    assert not session.posts.exists()


def visible_verified_marks(page: str) -> int:
    marks = re.findall(r'data-field="author-verified"( hidden)? title', page)
    return marks.count("")


def test_in_a_verified_only_municipality_a_verified_citizen_asks_and_is_marked_verified(
    visitor, provider, api_client
):
    session = verified_only_session()
    sign_up(visitor, provider, name="Karen fra Roskilde")

    response = visitor.post(reverse("ask", args=[session.pk]), {"body": "When is the bus?"})

    assert response.status_code == 302
    page = visitor.get(reverse("session", args=[session.pk])).text
    assert "When is the bus?" in page
    assert visible_verified_marks(page) == 1
    [question] = api_client.get(f"/api/sessions/{session.pk}/questions/").json()["results"]
    assert (question["author"], question["author_verified"]) == ("Karen fra Roskilde", True)


def test_a_password_citizens_question_carries_no_verified_mark(client, citizen, live_session):
    client.force_login(citizen)
    client.post(reverse("ask", args=[live_session.pk]), {"body": "Am I verified?"})
    page = client.get(reverse("session", args=[live_session.pk])).text
    assert "Am I verified?" in page
    assert visible_verified_marks(page) == 0


def test_the_api_refuses_an_unverified_citizen_in_a_verified_only_municipality(
    api_client, citizen, provider
):
    session = verified_only_session()
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{session.pk}/questions/", {"body": "Hi?"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "verification_required"
    assert "Only citizens who signed in with MitID" in response.json()["detail"]
    assert not session.posts.exists()


def test_password_sign_up_can_be_turned_off(visitor, settings, provider):
    settings.TOWNHALL_PASSWORD_SIGNUP = False
    page = visitor.get(reverse("signup"))
    assert page.status_code == 403
    assert "Sign-up with a password is closed here. Sign in with MitID" in page.text
    response = visitor.post(
        reverse("signup"),
        {"username": "newbie", "password1": "a-long-pass-9876", "password2": "a-long-pass-9876"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()
    login_page = visitor.get(reverse("login")).text
    assert reverse("signup") not in login_page
    assert "Log in with MitID" in login_page


def test_an_unverified_citizen_is_told_on_the_session_page_how_to_take_part(client, citizen):
    session = verified_only_session()
    client.force_login(citizen)
    page = client.get(reverse("session", args=[session.pk])).text
    assert "Only citizens who signed in with MitID may ask, reply and vote" in page
    assert f'href="{reverse("oidc-login")}?next=' in page


# Accounts that exist ------------------------------------------------------------------------


def test_a_password_citizen_links_a_verified_identity_and_their_posts_get_the_mark(
    visitor, provider, citizen, live_session
):
    visitor.force_login(citizen)
    visitor.post(reverse("ask", args=[live_session.pk]), {"body": "Before I verified?"})
    seq = live_session.events.count()

    response = come_back(visitor, provider)

    assert response.status_code == 302
    assert signed_in_user(visitor) == citizen
    assert User.objects.filter(verified_identity__isnull=False).get() == citizen
    page = visitor.get(reverse("session", args=[live_session.pk])).text
    assert "Your account is now verified with MitID." in page
    assert visible_verified_marks(page) == 1
    [update] = live_session.events.order_by("seq")[seq:]
    assert (update.type, update.data["author_verified"]) == ("post.updated", True)


def test_an_identity_linked_to_one_account_is_not_linked_to_another(visitor, provider, citizen):
    sign_up(Client(HTTP_ACCEPT_LANGUAGE=ENGLISH), provider)
    visitor.force_login(citizen)

    response = come_back(visitor, provider)

    assert response.status_code == 403
    assert "This identity is already linked to another account here." in response.text
    assert signed_in_user(visitor) == citizen
    assert not VerifiedIdentity.objects.filter(user=citizen).exists()


def test_a_verified_citizen_deletes_their_account_and_may_start_afresh(visitor, provider):
    sign_up(visitor, provider)
    page = visitor.get(reverse("account-delete")).text
    assert "Yes, delete my account" in page
    assert 'type="password"' not in page

    response = visitor.post(reverse("account-delete"), {"confirm": "on"})

    assert response.status_code == 302
    assert not VerifiedIdentity.objects.exists()
    assert come_back(visitor, provider)["Location"] == reverse("oidc-welcome")


def test_a_banned_verified_citizen_who_deletes_their_account_cannot_come_back(
    visitor, provider, live_session
):
    sign_up(visitor, provider)
    visitor.post(reverse("ask", args=[live_session.pk]), {"body": "Hateful question?"})
    banned = User.objects.get(verified_identity__isnull=False)
    services.ban_user(
        municipality=live_session.municipality,
        user=ModeratorFactory(municipality=live_session.municipality).user,
        target=banned,
        reason=ModerationReason.PERSONAL_ATTACK,
    )
    visitor.post(reverse("account-delete"), {"confirm": "on"})
    # What was written stays under "deleted user", marked as nobody's.
    page = Client(HTTP_ACCEPT_LANGUAGE=ENGLISH).get(reverse("session", args=[live_session.pk]))
    assert "deleted user" in page.text
    assert visible_verified_marks(page.text) == 0
    stored = [event.data for event in live_session.events.filter(type="question.created")]
    assert [(data["author"], data["author_verified"]) for data in stored] == [
        ("deleted user", False)
    ]

    response = come_back(visitor, provider)

    assert response.status_code == 403
    assert "The account of this identity has been closed." in response.text
    assert signed_in_user(visitor) is None
    assert VerifiedIdentity.objects.get().user == banned


def test_the_data_export_shows_the_verified_identity_without_the_subject(visitor, provider):
    sign_up(visitor, provider)
    exported = json.loads(visitor.get(reverse("account-export")).content)
    assert exported["verified_identity"]["issuer"] == provider.issuer
    assert exported["verified_identity"]["assurance_level"] == provider.person["loa"]
    text = json.dumps(exported)
    assert provider.person["sub"] not in text
    assert VerifiedIdentity.objects.get().subject_hmac not in text


def test_moderators_see_that_an_author_is_verified_never_who(visitor, provider, client):
    session = SessionFactory()
    sign_up(visitor, provider, name="Karen fra Roskilde")
    visitor.post(reverse("ask", args=[session.pk]), {"body": "Moderate me?"})
    moderator = ModeratorFactory(municipality=session.municipality).user
    client.force_login(moderator)

    page = client.get(reverse("moderation", args=[session.pk])).text

    assert "Moderate me?" in page
    assert 'class="badge citizen-verified" title="Verified citizen"' in page
    for secret in ("Madsen", "0101701234", provider.person["sub"]):
        assert secret not in page


def test_the_discovery_document_is_read_again_after_a_day(visitor, provider):
    assert urlsplit(to_provider(visitor)).path == "/authorize"
    provider.discovery_changes = {"authorization_endpoint": f"{provider.issuer}/authorize/v2"}
    assert urlsplit(to_provider(visitor)).path == "/authorize"  # read moments ago: kept

    with time_machine.travel(timedelta(hours=25)):
        assert urlsplit(to_provider(visitor)).path == "/authorize/v2"


def test_the_public_record_marks_a_verified_citizen(visitor, provider, live_session):
    sign_up(visitor, provider, name="Karen fra Roskilde")
    visitor.post(reverse("ask", args=[live_session.pk]), {"body": "On the record?"})
    PostFactory(session=live_session, body="Unverified?")

    page = Client(HTTP_ACCEPT_LANGUAGE=ENGLISH).get(
        reverse("session-record", args=[live_session.pk])
    )

    assert "On the record?" in page.text and "Unverified?" in page.text
    assert page.text.count('class="badge citizen-verified"') == 1
