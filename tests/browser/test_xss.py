"""Fifty XSS payloads as questions, replies and display names, in a real Chromium: none runs.

The page is opened with its Content Security Policy bypassed, so only the escaping protects it:
the CSP is a second wall, not the reason these pass. Each payload either calls alert() (a
Playwright `dialog` event), sets window.__xss, or carries a data-xss attribute that exists only
if its markup became elements; and every payload must show as the literal text that was sent.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from sessions import services
from tests.factories import SessionFactory, UserFactory, api_token
from tests.servers import DaphneServer

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2) data-xss>",
    "<svg onload=alert(3) data-xss>",
    "<svg><script>alert(4)</script></svg>",
    '"><script>alert(5)</script>',
    "'><img src=x onerror=alert(6) data-xss>",
    '<iframe src="javascript:alert(7)" data-xss></iframe>',
    "<body onload=alert(8)>",
    '<a href="javascript:alert(9)" data-xss>klik her</a>',
    "<details open ontoggle=alert(10) data-xss>",
    "<input autofocus onfocus=alert(11) data-xss>",
    "<marquee onstart=alert(12) data-xss>x</marquee>",
    "<video><source onerror=alert(13) data-xss></video>",
    "<audio src=x onerror=alert(14) data-xss>",
    '<object data="javascript:alert(15)" data-xss></object>',
    '<embed src="javascript:alert(16)" data-xss>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(17) data-xss>",
    "<style>@import 'javascript:alert(18)';</style>",
    '<div style="background:url(javascript:alert(19))" data-xss>',
    "javascript:alert(20)",
    "{{ 7|add:42 }}{% debug %}",
    "${alert(22)}",
    "</textarea><script>alert(23)</script>",
    "</template><script>alert(24)</script>",
    '<!--<img src="--><img src=x onerror=alert(25) data-xss//">',
    "<scr<script>ipt>alert(26)</scr</script>ipt>",
    "<SCRIPT SRC=//xss.invalid/x.js></SCRIPT>",
    '<img src="x" onerror="&#97;&#108;&#101;&#114;&#116;(28)" data-xss>',
    "<img src=x:alert(29) onerror=eval(src) data-xss>",
    '"onmouseover="alert(30)',
    "' onfocus='alert(31)' autofocus='",
    "<form><button formaction=javascript:alert(32) data-xss>x</button></form>",
    '<base href="javascript:alert(33)//" data-xss>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(34)" data-xss>',
    '<link rel=import href="data:text/html,<script>alert(35)</script>" data-xss>',
    "<isindex action=javascript:alert(36) type=image data-xss>",
    '<table background="javascript:alert(37)" data-xss>',
    "<select autofocus onfocus=alert(38) data-xss>",
    "<textarea autofocus onfocus=alert(39) data-xss>",
    "<keygen autofocus onfocus=alert(40) data-xss>",
    "<x contenteditable onblur=alert(41) data-xss>x",
    "<img src=x onerror=window.__xss=42 data-xss>",
    "<script>window.__xss=43</script>",
    "\\u003cscript\\u003ealert(44)\\u003c/script\\u003e",
    "</script><script>alert(45)</script>",
    "<svg/onload=alert(46) data-xss>",
    "<img src=x onerror=alert`47` data-xss>",
    '<a href="&#106;avascript:alert(48)" data-xss>x</a>',
    '<iframe srcdoc="<script>parent.alert(49)</script>" data-xss>',
    '<noscript><p title="</noscript><img src=x onerror=alert(50) data-xss>">',
]

# Elements no post may turn into, and the attributes no post may add.
FIND_INJECTED = """() => {
  const main = document.querySelector("main");
  const found = [];
  const forbidden = new Set(["SCRIPT", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH", "MARQUEE",
    "BASE", "META", "LINK", "STYLE", "VIDEO", "AUDIO", "IMG", "ISINDEX", "KEYGEN", "X",
    "DETAILS-XSS", "NOSCRIPT", "TABLE", "SELECT"]);
  for (const element of main.querySelectorAll("*")) {
    const tag = element.tagName.toUpperCase();
    const jsonState = tag === "SCRIPT" && element.type === "application/json";
    if (forbidden.has(tag) && !jsonState) found.push(element.outerHTML.slice(0, 80));
    for (const attribute of element.attributes) {
      if (attribute.name.startsWith("on") || attribute.name === "data-xss") {
        found.push(element.outerHTML.slice(0, 80));
      }
    }
  }
  return {found, flag: window.__xss ?? null};
}"""


def post_json(server: DaphneServer, path: str, token: str, payload: dict) -> dict:
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())


def watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def dismiss(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


def shown_texts(page: Page) -> tuple[list[str], list[str]]:
    bodies = page.locator('main [data-field="body"]').all_text_contents()
    authors = page.locator('main [data-field="author"]').all_text_contents()
    return bodies, authors


def test_fifty_payloads_never_run_on_first_render_or_live(daphne: DaphneServer, browser: Browser):
    session = SessionFactory(title="Digital spørgetime")
    # Display names are payloads too: each author is named after one.
    people = [
        UserFactory(username=f"xss{number}", first_name=payload[:150])
        for number, payload in enumerate(PAYLOADS)
    ]
    for person, payload in zip(people, PAYLOADS, strict=True):
        question = services.post_question(session=session, author=person, body=payload)
        services.post_reply(post=question, author=people[-1], body=payload)

    page = browser.new_context(locale="en-GB", bypass_csp=True).new_page()
    dialogs = watch_dialogs(page)
    page.goto(f"{daphne.url}/sessions/{session.pk}/")

    expect(page.locator("article.question")).to_have_count(50)
    assert page.evaluate(FIND_INJECTED) == {"found": [], "flag": None}
    assert dialogs == []
    bodies, authors = shown_texts(page)
    assert sorted(bodies) == sorted(PAYLOADS * 2)
    assert set(authors) == {payload[:150] for payload in PAYLOADS}
    expect(page.locator("#session")).to_have_attribute("data-connected", "true")

    # The same fifty again, arriving live over the socket while the page is open.
    tokens = [api_token(person) for person in people]
    for token, payload in zip(tokens, PAYLOADS, strict=True):
        question = daphne.ask(session.pk, token, f"{payload} (live)")
        post_json(daphne, f"/api/posts/{question['id']}/replies/", tokens[0], {"body": payload})

    expect(page.locator("article.question")).to_have_count(100)
    expect(page.locator("main .reply")).to_have_count(100)
    bodies, authors = shown_texts(page)
    assert sorted(bodies) == sorted(PAYLOADS * 3 + [f"{payload} (live)" for payload in PAYLOADS])
    assert set(authors) == {payload[:150] for payload in PAYLOADS}
    assert page.evaluate(FIND_INJECTED) == {"found": [], "flag": None}
    assert dialogs == []
