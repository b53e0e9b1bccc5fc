"""A citizen signs in with MitID in Chromium, through a real OIDC provider on loopback, asks,
and a page left open shows their question live with the verified mark; logout ends the
provider's session too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import SessionFactory
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from tests.servers import DaphneServer

from .pages import never_reloaded, open_live, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def daphne_with_oidc(transactional_db, provider: Provider) -> Iterator[DaphneServer]:
    server = DaphneServer(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=CLIENT_ID,
        OIDC_CLIENT_SECRET=CLIENT_SECRET,
        OIDC_PROVIDER_NAME="MitID",
    ).start()
    yield server
    server.stop()


def test_a_citizen_signs_in_with_mitid_and_their_question_arrives_marked_verified(
    daphne_with_oidc: DaphneServer, provider: Provider, browser: Browser
):
    base = daphne_with_oidc.url
    session = SessionFactory(title="Digital spørgetime")
    viewer = visit(browser)
    open_live(viewer, f"{base}/sessions/{session.pk}/")

    citizen = visit(browser)
    citizen.goto(f"{base}/accounts/login/?next=/sessions/{session.pk}/")
    citizen.get_by_role("button", name="Log in with MitID").click()
    expect(citizen.get_by_role("heading", name="Choose your name")).to_be_visible()
    citizen.get_by_label("The name others see").fill("Karen fra Roskilde")
    citizen.get_by_role("button", name="Continue").click()
    expect(citizen.get_by_text("Signed in as Karen fra Roskilde")).to_be_visible()
    expect(citizen).to_have_url(f"{base}/sessions/{session.pk}/")
    citizen.get_by_label("Your question").fill("Hvornår kommer bussen?")
    citizen.get_by_role("button", name="Ask").click()

    question = viewer.locator(".question", has_text="Hvornår kommer bussen?")
    expect(question.locator('[data-field="author"]')).to_have_text("Karen fra Roskilde")
    expect(question.locator('[data-field="author-verified"]')).to_be_visible()
    assert never_reloaded(viewer)

    citizen.get_by_role("button", name="Log out").click()
    expect(citizen.get_by_role("link", name="Log in")).to_be_visible()
    assert [logout["client_id"] for logout in provider.logouts] == [CLIENT_ID]
