"""The widget on a municipality's own site: a host page on a second origin embeds it with the
snippet; a question asked through the API appears inside the frame live, and the frame grows
with it. A host the municipality did not list is refused by the browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, expect

from sessions.models import Municipality
from tests.factories import SessionFactory, UserFactory, api_token
from tests.servers import DaphneServer

from .pages import visit

pytestmark = pytest.mark.browser


class HostSite:
    """The municipality's web site: one page holding the embed snippet, on its own port (so
    its own origin), served from this process."""

    def __init__(self) -> None:
        self.html = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(site.html)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def page_with_snippet(self, townhall: str, session_id: int) -> str:
        self.html = (
            "<!doctype html><html lang='da'><head><meta charset='utf-8'>"
            "<title>Roskilde Kommune</title></head><body>"
            "<h1>Borgermøde i aften</h1>"
            f'<script src="{townhall}/static/sessions/embed-loader.js" '
            f'data-session="{session_id}" data-height="200" async></script>'
            "</body></html>"
        ).encode()
        return f"{self.origin}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    yield site
    site.stop()


def frame_height(page) -> float:
    return page.locator("iframe").bounding_box()["height"]


def test_a_question_appears_live_in_the_widget_on_the_municipalitys_site(
    daphne: DaphneServer, browser: Browser, host_site: HostSite
):
    session = SessionFactory(title="Borgermøde om havnen")
    Municipality.objects.filter(pk=session.municipality_id).update(embed_origins=[host_site.origin])
    token = api_token(UserFactory(username="anna", first_name="Anna Jensen"))
    page = visit(browser)

    page.goto(host_site.page_with_snippet(daphne.url, session.pk))

    widget = page.frame_locator("iframe").locator("#widget")
    expect(widget).to_have_attribute("data-connected", "true")
    expect(widget.get_by_role("heading", level=1)).to_have_text("Borgermøde om havnen")
    expect(widget.get_by_text("No questions yet.")).to_be_visible()
    # The loader sized the frame to the widget (from the 200 px it started with).
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height > 200")
    before = frame_height(page)

    for number in range(1, 4):
        daphne.ask(session.pk, token, f"Spørgsmål nummer {number}: hvad med havnebadet?")

    expect(widget.locator('[data-field="questions"] li .body')).to_have_count(3)
    expect(widget.locator('[data-field="questions"] li .body').first).to_have_text(
        "Spørgsmål nummer 1: hvad med havnebadet?"
    )
    expect(widget.get_by_text("No questions yet.")).to_be_hidden()
    page.wait_for_function(
        f"document.querySelector('iframe').getBoundingClientRect().height > {before}"
    )
    # Taking part opens the full site in a new tab.
    ask = widget.get_by_role("link", name="Ask and vote on the full site")
    expect(ask).to_have_attribute("href", f"{daphne.url}/sessions/{session.pk}/")
    expect(ask).to_have_attribute("target", "_blank")


def test_a_site_the_municipality_did_not_list_cannot_frame_the_widget(
    daphne: DaphneServer, browser: Browser, host_site: HostSite
):
    session = SessionFactory(title="Borgermøde om havnen")
    Municipality.objects.filter(pk=session.municipality_id).update(
        embed_origins=["https://www.roskilde.dk"]
    )
    page = visit(browser)

    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refusal:
        page.goto(host_site.page_with_snippet(daphne.url, session.pk))

    assert "https://www.roskilde.dk" in refusal.value.text
    expect(page.get_by_role("heading", name="Borgermøde i aften")).to_be_visible()
    expect(page.frame_locator("iframe").locator("#widget")).to_have_count(0)
