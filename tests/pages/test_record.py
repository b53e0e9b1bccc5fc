"""After the hour on the pages: fates on the session page, written answers in the follow-up
period, and the public record at /sessions/<id>/record/ (the same data as the API's)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sessions import services
from sessions.models import Post, Session
from tests.factories import PostFactory, ReplyFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_follow_up(mayor) -> Session:
    """Ended three days ago: the panel still answers in writing."""
    starts = timezone.now() - timedelta(days=3)
    return SessionFactory(
        title="Budget 2026",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        politicians=[mayor],
    )


@pytest.fixture
def long_closed(mayor) -> Session:
    """Ended a month ago: the follow-up period is over."""
    starts = timezone.now() - timedelta(days=30)
    return SessionFactory(
        title="Trafik", starts_at=starts, ends_at=starts + timedelta(hours=1), politicians=[mayor]
    )


def article(html: str, post: Post) -> str:
    match = re.search(
        rf'<article class="question[^"]*" id="post-{post.pk}".*?</article>', html, re.S
    )
    assert match, f"no article for post {post.pk}"
    return match.group(0)


def visible(html: str, css_class: str) -> str | None:
    """The text of the first element with `css_class` that is not hidden, or None."""
    match = re.search(rf'<p class="{css_class}"[^>]*?(?<!hidden)>([^<]*)</p>', html)
    if not match or " hidden" in match.group(0).split(">", 1)[0]:
        return None
    return match.group(1)


def test_politician_answers_in_writing_after_the_end_from_the_page(
    client, in_follow_up, mayor_user, citizen
):
    question = PostFactory(session=in_follow_up, author=citizen, body="Hvad med skolerne?")
    client.force_login(mayor_user)

    page = client.get(f"/sessions/{in_follow_up.pk}/").content.decode()
    assert "The panel answers open questions in writing until" in page
    assert 'class="reply-box"' in article(page, question)
    assert " hidden" not in re.search(r'<details class="reply-box"[^>]*>', page).group(0)

    response = client.post(
        f"/posts/{question.pk}/reply/", {"body": "Vi bygger om i 2027.", "mark_answered": "on"}
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.fate_at(timezone.now()) == "answered_later"
    shown = article(client.get(f"/sessions/{in_follow_up.pk}/").content.decode(), question)
    assert visible(shown, "answered-flag").startswith("Answered afterwards, ")


def test_after_the_follow_up_the_page_shows_not_answered_and_offers_no_answer_box(
    client, long_closed, mayor_user, citizen
):
    question = PostFactory(session=long_closed, author=citizen, body="Hvad med cykelstien?")
    client.force_login(mayor_user)

    page = client.get(f"/sessions/{long_closed.pk}/").content.decode()

    shown = article(page, question)
    assert visible(shown, "unanswered-flag") == "Not answered"
    assert re.search(r'<details class="reply-box"[^>]* hidden', shown)
    assert "answered-form" not in shown
    assert "The panel's written answers ended on" in page
    response = client.post(
        f"/posts/{question.pk}/reply/", {"body": "For sent.", "mark_answered": "on"}
    )
    assert response.status_code == 400
    assert "The record is closed." in response.content.decode()
    assert Post.objects.count() == 1


def test_anonymous_page_of_a_closed_session_shows_each_fate(client, in_follow_up, mayor_user):
    live = PostFactory(
        session=in_follow_up, body="Besvaret live?", created_at=in_follow_up.starts_at
    )
    services.answer_question(
        question=live, author=mayor_user, body="Ja.", now=in_follow_up.starts_at
    )
    waiting = PostFactory(session=in_follow_up, body="Venter stadig?")

    page = client.get(f"/sessions/{in_follow_up.pk}/").content.decode()

    assert visible(article(page, live), "answered-flag") == "Answered live"
    assert visible(article(page, waiting), "answered-flag") is None
    assert visible(article(page, waiting), "unanswered-flag") is None


def test_record_page_lists_every_question_its_answers_fate_and_totals(
    client, api_client, in_follow_up, mayor_user, citizen, other_citizen
):
    live = PostFactory(
        session=in_follow_up,
        author=citizen,
        body="Hvornår åbner hallen?",
        created_at=in_follow_up.starts_at,
    )
    services.answer_question(
        question=live, author=mayor_user, body="1. juni.", now=in_follow_up.starts_at
    )
    later = PostFactory(session=in_follow_up, author=other_citizen, body="Hvad koster det?")
    services.answer_question(question=later, author=mayor_user, body="12 mio. kr.")
    PostFactory(session=in_follow_up, author=citizen, body="Hvad med p-pladserne?")
    ReplyFactory(parent=later, author=citizen, body="Tak for svaret.")
    PostFactory(
        session=in_follow_up, body="Skjult", status=Post.Status.HIDDEN, moderation_reason="spam"
    )

    page = client.get(f"/sessions/{in_follow_up.pk}/record/")
    record = api_client.get(f"/api/sessions/{in_follow_up.pk}/record/").json()

    assert page.status_code == 200
    html = page.content.decode()
    assert [q["body"] for q in record["questions"]] == [
        "Hvornår åbner hallen?",
        "Hvad koster det?",
        "Hvad med p-pladserne?",
    ]
    assert [q["fate"] for q in record["questions"]] == ["answered_live", "answered_later", "open"]
    for question in record["questions"]:
        item = re.search(
            rf'<li class="record-question fate-{question["fate"]}" '
            rf'id="question-{question["id"]}".*?(?=<li class="record-question|</ol>\s*</section>)',
            html,
            re.S,
        )
        assert item, question["body"]
        assert question["body"] in item.group(0)
        for reply in question["replies"]:
            assert reply["body"] in item.group(0)
    assert record["totals"] == {
        "questions": 3,
        "replies": 3,
        "votes": 0,
        "citizens": 2,
        "answered_live": 1,
        "answered_later": 1,
        "open": 1,
        "unanswered": 0,
        "share_answered_live": 0.3333,
        "share_answered_later": 0.3333,
        "share_not_answered": 0.3333,
    }
    assert re.search(r'data-total="questions">3<', html)
    assert re.search(r'data-share="answered_live">33 %<', html)
    assert re.search(r'data-total="not_answered">1<', html)
    assert "1 post hidden: spam 1" in html
    assert "Skjult" not in html
    assert record["tally"] == {"hidden": 1, "reasons": [{"reason": "spam", "count": 1}]}


def test_record_page_prints_without_controls_and_works_without_script(client, in_follow_up):
    html = client.get(f"/sessions/{in_follow_up.pk}/record/").content.decode()

    assert re.search(
        r'<link rel="stylesheet" href="[^"]*record-print[^"]*\.css" media="print">', html
    )
    assert "session.js" not in html
    main = html.split('<main id="content" tabindex="-1">', 1)[1].split("</main>", 1)[0]
    assert "<form" not in main
    assert "<button" not in main


def test_session_page_links_to_its_record(client, live_session):
    html = client.get(f"/sessions/{live_session.pk}/").content.decode()

    assert f'href="/sessions/{live_session.pk}/record/"' in html


def test_record_of_an_unknown_session_is_404(client):
    assert client.get("/sessions/999999/record/").status_code == 404
