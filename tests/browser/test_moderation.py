"""Moderation in real browsers: a moderator acts in the moderation view, citizens see it live."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from sessions import services
from sessions.models import Post, PostReport, Session
from tests.factories import (
    ModeratorFactory,
    PoliticianFactory,
    PostFactory,
    SessionFactory,
    UserFactory,
)

from .pages import log_in, never_reloaded, open_live

pytestmark = pytest.mark.browser


def open_moderation(page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#moderation")).to_have_attribute("data-connected", "true")


def test_hidden_post_disappears_from_a_citizens_open_page(daphne_url: str, browser: Browser):
    session = SessionFactory(title="Digital spørgetime")
    ModeratorFactory(
        municipality=session.municipality,
        user=UserFactory(username="moderator", first_name="Mads Moderator"),
    )
    author = UserFactory(username="troll", first_name="Trold")
    UserFactory(username="borger", first_name="Mette Borger")
    PostFactory(session=session, author=author, body="Køb billige ure på example.com")
    PostFactory(session=session, author=author, body="Hvornår åbner svømmehallen?")

    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")
    expect(citizen.locator(".question")).to_have_count(2)
    troll = log_in(browser, daphne_url, "troll")
    open_live(troll, f"{daphne_url}/sessions/{session.pk}/")
    # Nobody reports their own post.
    expect(troll.locator(".report-box")).to_have_count(0)

    moderator = log_in(browser, daphne_url, "moderator")
    open_moderation(moderator, f"{daphne_url}/sessions/{session.pk}/moderation/")
    spam = moderator.locator('[data-live="stream"] .mod-post', has_text="billige ure")
    spam.get_by_label("Reason").select_option("spam")
    spam.get_by_role("button", name="Hide").click()

    expect(citizen.locator(".question", has_text="billige ure")).to_have_count(0)
    expect(citizen.locator(".question")).to_have_count(1)
    expect(citizen.locator('[data-field="tally"]')).to_have_text("1 post hidden: spam 1")
    assert never_reloaded(citizen)
    # Its author still sees it, marked with the reason, and nobody else does.
    own = troll.locator(".own-post", has_text="billige ure")
    expect(own).to_contain_text("Hidden by a moderator. Reason: spam.")
    expect(troll.locator(".question", has_text="billige ure")).to_have_count(0)
    expect(citizen.locator(".own-post")).to_have_count(0)
    # The moderation view shows the new state and the log entry, without a reload either.
    expect(spam.locator('[data-field="status"]')).to_have_text("Hidden")
    expect(moderator.locator('[data-live="log"]')).to_contain_text("Mads Moderator")
    expect(moderator.locator('[data-live="log"]')).to_contain_text("hidden")
    assert Post.objects.get(body__contains="billige ure").status == Post.Status.HIDDEN


def test_premoderated_question_waits_then_appears_for_everyone(daphne_url: str, browser: Browser):
    mayor_user = UserFactory(username="borgmester", first_name="Tomas Breddam")
    mayor = PoliticianFactory(name="Tomas Breddam", role="Borgmester", user=mayor_user)
    session = SessionFactory(politicians=[mayor], moderation_mode=Session.ModerationMode.PRE)
    ModeratorFactory(
        municipality=session.municipality,
        user=UserFactory(username="moderator", first_name="Mads Moderator"),
    )
    UserFactory(username="borger", first_name="Mette Borger")
    url = f"{daphne_url}/sessions/{session.pk}/"

    citizen = log_in(browser, daphne_url, "borger")
    mayor_page = log_in(browser, daphne_url, "borgmester")
    moderator = log_in(browser, daphne_url, "moderator")
    open_live(citizen, url)
    open_live(mayor_page, url)
    open_moderation(moderator, f"{url}moderation/")

    citizen.get_by_label("Your question").fill("Hvornår bliver vejen asfalteret?")
    citizen.get_by_role("button", name="Ask", exact=True).click()

    own = citizen.locator(".own-post", has_text="vejen asfalteret")
    expect(own).to_contain_text("Awaiting approval")
    pending = moderator.locator('[data-live="pending"] .mod-post', has_text="vejen asfalteret")
    expect(pending).to_be_visible()
    expect(mayor_page.locator(".question")).to_have_count(0)

    pending.get_by_role("button", name="Approve").click()

    expect(mayor_page.locator(".question", has_text="vejen asfalteret")).to_be_visible()
    expect(citizen.locator(".question", has_text="vejen asfalteret")).to_be_visible()
    expect(own).to_have_count(0)
    expect(moderator.locator('[data-live="pending"] .mod-post')).to_have_count(0)
    assert never_reloaded(citizen) and never_reloaded(mayor_page)


def test_citizen_reports_a_post(daphne_url: str, browser: Browser):
    session = SessionFactory()
    post = PostFactory(session=session, author=UserFactory(), body="Du er en idiot")
    UserFactory(username="borger", first_name="Mette Borger")

    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")
    question = citizen.locator(".question", has_text="idiot")
    question.locator(".report-box summary").click()
    question.get_by_label("Why should moderators look at this?").select_option("personal_attack")
    question.get_by_role("button", name="Send report").click()

    expect(question).to_contain_text("Thank you. Moderators will look at it.")
    assert PostReport.objects.get(post=post).reason == "personal_attack"


def test_a_question_arriving_live_is_reported_with_the_keyboard(daphne_url: str, browser: Browser):
    session = SessionFactory()
    UserFactory(username="borger", first_name="Mette Borger")
    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")
    arrived = services.post_question(
        session=session, author=UserFactory(), body="Køb billige ure på example.com"
    )

    question = citizen.locator(".question", has_text="billige ure")
    expect(question).to_be_visible()
    # Without the script's form the box leads to this post's own report page.
    expect(question.locator(".report-box a")).to_have_attribute(
        "href", f"/posts/{arrived.pk}/report/"
    )
    question.locator(".report-box summary").focus()
    citizen.keyboard.press("Enter")
    reason = question.get_by_label("Why should moderators look at this?")
    reason.focus()
    reason.select_option("spam")
    citizen.keyboard.press("Tab")
    citizen.keyboard.press("Enter")

    expect(question).to_contain_text("Thank you. Moderators will look at it.")
    assert PostReport.objects.get(post=arrived).reason == "spam"


def test_a_citizen_banned_while_their_page_is_open_is_told_why(daphne_url: str, browser: Browser):
    session = SessionFactory()
    moderator = UserFactory(username="moderator", first_name="Mads Moderator")
    ModeratorFactory(municipality=session.municipality, user=moderator)
    citizen_user = UserFactory(username="borger", first_name="Mette Borger")

    citizen = log_in(browser, daphne_url, "borger")
    open_live(citizen, f"{daphne_url}/sessions/{session.pk}/")
    services.ban_user(
        municipality=session.municipality,
        user=moderator,
        target=citizen_user,
        reason="personal_attack",
    )

    citizen.get_by_label("Your question").fill("Må jeg stadig spørge?")
    citizen.get_by_role("button", name="Ask", exact=True).click()

    expect(citizen.locator(".ask-form .form-error")).to_have_text(
        "You are banned from posting, voting and reporting in Roskilde Kommune's sessions. "
        "Reason: personal attack. You can still read."
    )
    assert not Post.objects.exists()
