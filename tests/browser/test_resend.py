"""The session page resends a post whose answer was lost, or that met a 503, with the same
Idempotency-Key: one question (or one ballot), whatever the network did (issue 17, parts 2 and
3; issue 14)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, Route, expect

from sessions.models import Ballot, Poll, PollOption, Post, Session
from tests.factories import SessionFactory, UserFactory
from tests.waiting import BROWSER_WAIT_MS

from .pages import log_in, never_reloaded, open_live

pytestmark = pytest.mark.browser


def citizen_on(session: Session, browser: Browser, daphne_url: str) -> Page:
    """A citizen signed in, on the session's page with its socket live."""
    UserFactory(username="borger")
    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")
    return citizen


def lose_the_first_answer(page: Page, url: str) -> list[str]:
    """Requests to `url` reach the server, but the first one's answer never arrives; the list
    fills with each request's Idempotency-Key."""
    sent: list[str] = []

    def handle(route: Route) -> None:
        sent.append(route.request.headers.get("idempotency-key", ""))
        if len(sent) == 1:
            route.fetch()  # the server stores the write and answers...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()

    page.route(url, handle)
    return sent


def test_a_question_whose_answer_was_lost_is_resent_and_stored_once(
    daphne_url: str, browser: Browser
):
    session = SessionFactory()
    citizen = citizen_on(session, browser, daphne_url)
    sent = lose_the_first_answer(citizen, f"**/api/sessions/{session.pk}/questions/")
    citizen.get_by_label("Your question").fill("Hvornår åbner havnebadet?")
    citizen.get_by_role("button", name="Ask", exact=True).click()

    expect(citizen.locator(".question", has_text="Hvornår åbner havnebadet?")).to_have_count(
        1, timeout=BROWSER_WAIT_MS
    )
    expect(citizen.get_by_label("Your question")).to_have_value("", timeout=BROWSER_WAIT_MS)
    assert len(sent) == 2
    assert sent[0] and sent[0] == sent[1]
    assert list(Post.objects.values_list("body", flat=True)) == ["Hvornår åbner havnebadet?"]
    assert never_reloaded(citizen)


def test_a_question_met_by_503_is_resent_by_itself_after_retry_after(
    daphne_url: str, browser: Browser
):
    session = SessionFactory()
    citizen = citizen_on(session, browser, daphne_url)
    sent: list[str] = []

    def unavailable_once(route: Route) -> None:
        sent.append(route.request.headers.get("idempotency-key", ""))
        if len(sent) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"detail": "Townhall is unavailable for a moment.", "code": "unavailable"}',
            )
        else:
            route.continue_()

    citizen.route(f"**/api/sessions/{session.pk}/questions/", unavailable_once)
    citizen.get_by_label("Your question").fill("Kommer der flere cykelstier?")
    citizen.get_by_role("button", name="Ask", exact=True).click()

    expect(citizen.get_by_text("Your text is kept and is sent again by itself")).to_be_visible()
    expect(citizen.locator(".question", has_text="Kommer der flere cykelstier?")).to_have_count(
        1, timeout=BROWSER_WAIT_MS
    )
    expect(citizen.get_by_text("Your text is kept and is sent again by itself")).to_be_hidden()
    assert len(sent) == 2
    assert sent[0] == sent[1]
    assert Post.objects.count() == 1


def test_the_next_question_gets_a_new_key(daphne_url: str, browser: Browser):
    session = SessionFactory()
    citizen = citizen_on(session, browser, daphne_url)
    sent: list[str] = []

    def record(route: Route) -> None:
        sent.append(route.request.headers.get("idempotency-key", ""))
        route.continue_()

    citizen.route(f"**/api/sessions/{session.pk}/questions/", record)
    for body in ("Første spørgsmål", "Andet spørgsmål"):
        citizen.get_by_label("Your question").fill(body)
        citizen.get_by_role("button", name="Ask", exact=True).click()
        expect(citizen.locator(".question", has_text=body)).to_have_count(1)

    assert len(sent) == 2 and all(sent)
    assert sent[0] != sent[1]
    assert Post.objects.count() == 2


def test_a_double_submit_of_one_draft_is_one_question(daphne_url: str, browser: Browser):
    session = SessionFactory()
    citizen = citizen_on(session, browser, daphne_url)
    sent: list[str] = []

    def record(route: Route) -> None:
        sent.append(route.request.headers.get("idempotency-key", ""))
        route.continue_()

    citizen.route(f"**/api/sessions/{session.pk}/questions/", record)
    citizen.get_by_label("Your question").fill("Hvornår åbner havnebadet?")
    # Two submits before the first is answered (a double tap the disabled button did not stop).
    citizen.locator("form.ask-form").evaluate(
        "form => { form.requestSubmit(); form.requestSubmit(); }"
    )

    expect(citizen.get_by_label("Your question")).to_have_value("", timeout=BROWSER_WAIT_MS)
    expect(citizen.locator(".question", has_text="Hvornår åbner havnebadet?")).to_have_count(1)
    assert len(sent) == 2
    assert sent[0] and sent[0] == sent[1]
    assert list(Post.objects.values_list("body", flat=True)) == ["Hvornår åbner havnebadet?"]


def test_a_ballot_whose_answer_was_lost_is_resent_and_counted_once(
    daphne_url: str, browser: Browser
):
    session = SessionFactory()
    poll = Poll.objects.create(
        session=session,
        question="Hvad skal vi bygge først?",
        status=Poll.Status.OPEN,
        opened_at=timezone.now(),
        created_at=timezone.now(),
    )
    for position, text in enumerate(["Svømmehal", "Cykelsti"]):
        PollOption.objects.create(poll=poll, text=text, position=position)
    citizen = citizen_on(session, browser, daphne_url)
    sent = lose_the_first_answer(citizen, f"**/api/polls/{poll.pk}/ballot/")
    shown = citizen.locator(f"#poll-{poll.pk}")
    shown.get_by_label("Cykelsti").check()
    shown.get_by_role("button", name="Vote").click()

    expect(shown.get_by_text("You have voted in this poll.")).to_be_visible(timeout=BROWSER_WAIT_MS)
    expect(shown.get_by_text("You have voted in this poll already.")).to_have_count(0)
    assert len(sent) == 2
    assert sent[0] and sent[0] == sent[1]
    assert Ballot.objects.filter(poll=poll).count() == 1
    poll.refresh_from_db()
    assert poll.voter_count == 1
    assert never_reloaded(citizen)
