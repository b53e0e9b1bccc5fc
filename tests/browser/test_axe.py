"""WCAG 2.1 AA by machine: axe-core (from the npm registry, `make test` installs it) in Debian's
Chromium, on every page in its states, as each kind of user. No violation of impact serious
or critical may remain; what it found is written to the file the accessibility statement reads
(settings.TOWNHALL_ACCESSIBILITY_CHECK_FILE), and every violation to test-results/axe/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from sessions import services
from sessions.models import Session
from sessions.services import notifications
from tests.factories import (
    ModeratorFactory,
    PoliticianFactory,
    PostFactory,
    ReplyFactory,
    SessionFactory,
    UserFactory,
)
from tests.two_factor import app_code, enrolled_app

from .pages import PASSWORD, log_in, visit

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = Path(settings.BASE_DIR) / "test-results" / "axe"
# The rules of WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


@dataclass
class Checked:
    name: str
    url: str
    violations: list[dict]


def run_axe(page: Page) -> list[dict]:
    """axe's violations on the page as it is now. Injected through the DevTools protocol, which
    the site's Content-Security-Policy does not govern (the page itself stays strict)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
            }));
        }""",
        WCAG_TAGS,
    )


@pytest.fixture(scope="module")
def axe_version() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test` (it runs `npm ci`), or `npm ci` yourself")
    return json.loads((AXE.parent / "package.json").read_text())["version"]


def build_world() -> dict[str, object]:
    """Sessions in every state, with the people who use them."""
    now = timezone.now()
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    moderator = UserFactory(username="moderator", first_name="Mads Moderator")
    ModeratorFactory(municipality=mayor.municipality, user=moderator)
    UserFactory(username="redaktor", first_name="Web Redaktør", is_staff=True)
    # With an address: she sees "Remind me" (and, where she asked, "Take back the reminder").
    citizen = UserFactory(username="borger", first_name="Mette Borger", email="mette@example.dk")
    live = SessionFactory(title="Digital spørgetime", politicians=[mayor])
    first = PostFactory(session=live, author=citizen, body="Hvornår åbner svømmehallen?")
    answered = PostFactory(session=live, body="Hvad koster den nye skole?", vote_count=3)
    ReplyFactory(parent=answered, author=mayor_user, politician=mayor, body="Den koster 80 mio.")
    services.mark_answered(question=answered, user=mayor_user)
    services.put_on_air(question=first, user=mayor_user)
    # Polls: an open one with results, a word cloud and a scale to vote in, a draft for the
    # moderation view.
    for fields in (
        {"kind": "single", "options": ["Svømmehal", "Cykelsti"]},
        {"kind": "words"},
        {"kind": "scale", "scale_min": 1, "scale_max": 5, "min_label": "Slet ikke"},
    ):
        poll = services.create_poll(
            session=live, user=moderator, question=f"Afstemning: {fields['kind']}?", **fields
        )
        services.open_poll(poll=poll, user=moderator)
    services.cast_ballot(poll=poll, user=mayor_user, value=4)
    pre = SessionFactory(
        title="Borgermøde om havnen",
        politicians=[mayor],
        moderation_mode=Session.ModerationMode.PRE,
    )
    services.post_question(session=pre, author=citizen, body="Venter på en moderator")
    services.create_poll(
        session=pre, user=moderator, question="Kladde?", kind="single", options=["Ja", "Nej"]
    )
    big = SessionFactory(title="Budgetmøde", politicians=[mayor])
    for number in range(200):
        PostFactory(session=big, body=f"Spørgsmål nummer {number} om budgettet?")
    scheduled = SessionFactory(
        title="Trafik i midtbyen",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=1),
    )
    closed = SessionFactory(
        title="Borgermøde om trafik",
        starts_at=now - timedelta(days=7),
        ends_at=now - timedelta(days=7) + timedelta(hours=2),
        politicians=[mayor],
    )
    PostFactory(session=closed, body="Hvorfor er der kø på Ringvejen?")
    empty = SessionFactory(title="Ny session uden spørgsmål", politicians=[mayor])
    collecting = SessionFactory(
        title="Spørg før mødet om skolerne",
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=1),
        accepts_questions_early=True,
        politicians=[mayor],
    )
    PostFactory(session=collecting, body="Hvornår kommer der nye skoler?", vote_count=2)
    services.remind_me(session=collecting, user=citizen)
    # Accounts for the two-factor pages: one to set up, one set up already, one to lock out.
    UserFactory(username="ny-redaktor", first_name="Ny Redaktør", is_staff=True)
    enrolled_app(UserFactory(username="redaktor-to", first_name="Anden Redaktør", is_staff=True))
    UserFactory(username="glemsom", first_name="Glemsom Borger")
    cancelled = SessionFactory(
        title="Aflyst borgermøde",
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=1),
    )
    services.cancel_session(session=cancelled, user=UserFactory(username="redaktor"))
    return {
        "cancelled": cancelled,
        "live": live,
        "pre": pre,
        "big": big,
        "scheduled": scheduled,
        "collecting": collecting,
        "closed": closed,
        "empty": empty,
        "municipality": mayor.municipality,
    }


# Every state of a session page, as each kind of user sees it.
SESSION_STATES = ("live", "scheduled", "collecting", "closed", "cancelled", "empty", "big")


def session_url(base: str, session: Session, suffix: str = "") -> str:
    return f"{base}/sessions/{session.pk}/{suffix}"


def wait_for_live(page: Page) -> None:
    live = page.locator("#session, #presenter, #moderation, #widget")
    if live.count():
        expect(live.first).to_have_attribute("data-connected", "true")


def test_no_serious_or_critical_violation_anywhere(daphne_url: str, browser: Browser, axe_version):
    world = build_world()
    base = daphne_url
    checked: list[Checked] = []

    def check(page: Page, name: str, url: str | None = None, then: Callable | None = None) -> None:
        if url:
            page.goto(url)
        wait_for_live(page)
        if then:
            then(page)
        checked.append(Checked(name, page.url, run_axe(page)))

    def every_session_state(page: Page, role: str) -> None:
        check(page, f"home, {role}", f"{base}/")
        for state in SESSION_STATES:
            check(page, f"session {state}, {role}", session_url(base, world[state]))

    anonymous = visit(browser)
    every_session_state(anonymous, "anonymous")
    for state in ("live", "scheduled", "collecting", "closed", "empty"):
        check(anonymous, f"presenter view, {state}", session_url(base, world[state], "present/"))
    check(anonymous, "public record", session_url(base, world["closed"], "record/"))
    check(anonymous, "presenter view, cancelled", session_url(base, world["cancelled"], "present/"))
    check(anonymous, "widget", f"{base}/embed/sessions/{world['live'].pk}/")
    check(anonymous, "accessibility statement", f"{base}/accessibility/")
    check(anonymous, "page not found", f"{base}/sessions/999999/")
    check(anonymous, "signup", f"{base}/accounts/signup/")

    def bad_signup(page: Page) -> None:
        # Past the browser's own checks, refused by the server: a taken name, passwords apart.
        page.get_by_label("Username").fill("borger")
        page.get_by_label("Your name, as others will see it").fill("Mette")
        page.get_by_label("Password:", exact=True).fill("kort")
        page.get_by_label("Password confirmation").fill("anderledes")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main .errorlist").first).to_be_visible()

    check(anonymous, "signup with errors", f"{base}/accounts/signup/", bad_signup)
    check(anonymous, "login", f"{base}/accounts/login/")

    def bad_login(page: Page) -> None:
        page.get_by_label("Username").fill("borger")
        page.get_by_label("Password").fill("wrong-password")
        page.locator("main").get_by_role("button", name="Log in").click()
        expect(page.locator("main .errorlist, main .form-error").first).to_be_visible()

    check(anonymous, "login with errors", f"{base}/accounts/login/", bad_login)

    def locked_out(page: Page) -> None:
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Username").fill("glemsom")
            page.get_by_label("Password").fill("wrong-password")
            page.locator("main").get_by_role("button", name="Log in").click()
        expect(page.locator("main h1")).to_have_count(1)

    check(visit(browser), "locked out", then=locked_out)
    danish = visit(browser, "da-DK")
    check(danish, "home in Danish", f"{base}/")
    check(danish, "session live in Danish", session_url(base, world["live"]))
    check(danish, "accessibility statement in Danish", f"{base}/accessibility/")

    def password_only(username: str) -> Page:
        page = visit(browser)
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("main").get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
        return page

    def wrong_code(page: Page) -> None:
        page.get_by_label("Code").fill("000000")
        page.locator("main").get_by_role("button", name=re.compile("Set up|Continue")).click()
        expect(page.locator("main .errorlist").first).to_be_visible()

    def right_code(page: Page) -> None:
        user = get_user_model().objects.get(username="ny-redaktor")
        page.get_by_label("Code").fill(app_code(TOTPDevice.objects.get(user=user)))
        page.locator("main").get_by_role("button", name="Set up").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()

    enrolling = password_only("ny-redaktor")
    check(enrolling, "two-factor set-up with its QR code")
    check(enrolling, "two-factor set-up with a wrong code", then=wrong_code)
    check(enrolling, "recovery codes, shown once", then=right_code)
    second_factor = password_only("redaktor-to")
    check(second_factor, "two-factor code")
    check(second_factor, "two-factor code with an error", then=wrong_code)
    borger = get_user_model().objects.get(username="borger")
    # One unread notification, for the list and the header's count.
    services.notify(
        user=borger, kind="answered", session=world["closed"], post=world["closed"].posts.first()
    )
    unsubscribe = notifications.unsubscribe_url(borger).replace(settings.TOWNHALL_SITE_URL, base)
    check(anonymous, "unsubscribe", unsubscribe)

    citizen = log_in(browser, base, "borger")
    every_session_state(citizen, "citizen")
    check(citizen, "two-factor set-up, chosen by a citizen", f"{base}/accounts/two-factor/")

    def blank_question(page: Page) -> None:
        page.get_by_label("Your question").fill("   ")
        page.get_by_role("button", name="Ask", exact=True).click()
        expect(page.locator(".ask-form .form-error")).not_to_be_empty()

    check(citizen, "ask form with an error", session_url(base, world["live"]), blank_question)
    check(citizen, "session with own pending post", session_url(base, world["pre"]))
    check(citizen, "notifications", f"{base}/notifications/")
    check(citizen, "your questions", f"{base}/my-questions/")
    check(citizen, "delete account", f"{base}/accounts/delete/")

    def wrong_password(page: Page) -> None:
        page.get_by_label("Password").fill("wrong-password")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main .errorlist").first).to_be_visible()

    # On the page just checked: the delete-account form.
    check(citizen, "delete account with an error", then=wrong_password)

    politician = log_in(browser, base, "borgmester")
    every_session_state(politician, "politician")

    def blank_answer(page: Page) -> None:
        question = page.locator(".question", has_text="svømmehallen")
        question.locator(".reply-box summary").click()
        question.locator(".reply-form textarea").fill("   ")
        question.get_by_role("button", name="Send answer").click()
        expect(question.locator(".reply-form .form-error")).not_to_be_empty()

    check(politician, "answer form with an error", session_url(base, world["live"]), blank_answer)

    moderator = log_in(browser, base, "moderator")
    every_session_state(moderator, "moderator")
    check(moderator, "session with pending posts, moderator", session_url(base, world["pre"]))
    check(
        moderator, "moderation with pending posts", session_url(base, world["pre"], "moderation/")
    )

    staff = log_in(browser, base, "redaktor")
    every_session_state(staff, "staff")
    check(staff, "session report", session_url(base, world["closed"], "report/"))
    check(staff, "session report, live session", session_url(base, world["live"], "report/"))
    check(
        staff, "municipality report", f"{base}/municipalities/{world['municipality'].slug}/report/"
    )

    write_results(checked, axe_version)
    blocking = [
        (page.name, violation["id"], violation["impact"], violation["help"], violation["nodes"][:3])
        for page in checked
        for violation in page.violations
        if violation["impact"] in BLOCKING
    ]
    assert blocking == []


def write_results(checked: list[Checked], axe_version: str) -> None:
    """Every violation for review, and the figures for the accessibility statement."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "violations.json").write_text(
        json.dumps([page.__dict__ for page in checked], indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    violations = [v for page in checked for v in page.violations]
    summary = {
        "checked_at": timezone.now().isoformat(timespec="seconds"),
        "axe_version": axe_version,
        "pages": len(checked),
        "violations": len(violations),
        "serious_or_critical": sum(1 for v in violations if v["impact"] in BLOCKING),
    }
    target = Path(settings.TOWNHALL_ACCESSIBILITY_CHECK_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
