"""Rate limits on asking, replying, voting and reporting: per user and per IP, 429 when over."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.utils import timezone

from sessions import services
from sessions.client_ip import client_ip
from sessions.models import Event, Post, Vote
from sessions.ratelimit_settings import DEFAULT_RATE_LIMITS, parse_rate_limits
from sessions.services import RateLimited

from .factories import ModeratorFactory, PostFactory, UserFactory
from .servers import PROJECT

pytestmark = [pytest.mark.django_db, pytest.mark.rate_limits]


@pytest.fixture
def frozen():
    """The clock stands still, so the five posts of a test share one rate-limit window."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def too_often(seconds: int, language: str = "en") -> str:
    """The message, singular for one second (as it may be, at a window's last second)."""
    if language == "da":
        return f"Du gør det for tit. Prøv igen om {seconds} sekund{'' if seconds == 1 else 'er'}."
    return (
        f"You are doing that too often. Try again in {seconds} second{'' if seconds == 1 else 's'}."
    )


def ask(api_client, session, body: str, **headers):
    return api_client.post(
        f"/api/sessions/{session.pk}/questions/", {"body": body}, format="json", **headers
    )


def test_sixth_question_in_a_minute_is_answered_429_and_not_stored(
    api_client, citizen, live_session, frozen
):
    api_client.force_authenticate(citizen)
    for number in range(5):
        assert ask(api_client, live_session, f"Spørgsmål {number}?").status_code == 201
    stored = (Post.objects.count(), Event.objects.count())

    response = ask(api_client, live_session, "Spørgsmål 6?")

    assert response.status_code == 429
    retry_after = response.json()["retry_after"]
    assert 1 <= retry_after <= 65
    assert response.json() == {
        "detail": too_often(retry_after),
        "code": "rate_limited",
        "retry_after": retry_after,
    }
    assert response["Retry-After"] == str(retry_after)
    assert (Post.objects.count(), Event.objects.count()) == stored


def test_the_limit_lifts_when_the_window_has_passed(api_client, citizen, live_session, frozen):
    api_client.force_authenticate(citizen)
    for number in range(5):
        ask(api_client, live_session, f"Spørgsmål {number}?")
    retry_after = ask(api_client, live_session, "For mange?").json()["retry_after"]

    frozen.shift(retry_after)

    assert ask(api_client, live_session, "Nu igen?").status_code == 201


def test_one_citizen_over_the_limit_does_not_hold_back_another(
    api_client, citizen, other_citizen, live_session, frozen
):
    api_client.force_authenticate(citizen)
    for number in range(6):
        ask(api_client, live_session, f"Spørgsmål {number}?")
    assert ask(api_client, live_session, "Og én til?").status_code == 429

    api_client.force_authenticate(other_citizen)
    response = ask(api_client, live_session, "Må jeg spørge?")

    assert response.status_code == 201
    assert Post.objects.filter(author=other_citizen).count() == 1


def test_the_per_ip_limit_counts_everyone_on_one_address(settings, live_session, frozen):
    settings.TOWNHALL_RATE_LIMITS = {"question": "5/m", "question:ip": "3/m"}
    people = UserFactory.create_batch(5)
    for person in people[:3]:
        services.post_question(
            session=live_session, author=person, body="Hej?", client_ip="10.0.0.7"
        )

    with pytest.raises(RateLimited):
        services.post_question(
            session=live_session, author=people[3], body="Hej?", client_ip="10.0.0.7"
        )
    services.post_question(
        session=live_session, author=people[4], body="Hej?", client_ip="10.0.0.8"
    )

    assert Post.objects.filter(author=people[3]).count() == 0
    assert Post.objects.filter(author=people[4]).count() == 1


def test_panel_politicians_moderators_and_staff_are_exempt_from_posting_limits(
    live_session, mayor_user, staff, frozen
):
    moderator = ModeratorFactory(municipality=live_session.municipality).user
    for person in (mayor_user, staff, moderator):
        for number in range(7):
            services.post_question(
                session=live_session, author=person, body=f"{number}", client_ip="10.0.0.9"
            )

    assert Post.objects.count() == 21


def test_thirty_first_vote_in_a_minute_is_refused_and_not_counted(live_session, citizen, frozen):
    questions = PostFactory.create_batch(31, session=live_session)
    for question in questions[:30]:
        services.vote(question=question, user=citizen)

    with pytest.raises(RateLimited) as refused:
        services.vote(question=questions[30], user=citizen)

    assert refused.value.code == "rate_limited"
    assert Vote.objects.filter(user=citizen).count() == 30
    assert Post.objects.get(pk=questions[30].pk).vote_count == 0


def test_taking_a_vote_back_counts_as_a_vote(live_session, citizen, settings, frozen):
    settings.TOWNHALL_RATE_LIMITS = {"vote": "2/m"}
    question = PostFactory(session=live_session)
    services.vote(question=question, user=citizen)
    services.unvote(question=question, user=citizen)

    with pytest.raises(RateLimited):
        services.vote(question=question, user=citizen)


def test_reports_have_a_limit_the_report_service_can_check(citizen, frozen):
    for _ in range(10):
        services.check_rate_limit(action="report", user=citizen, ip="10.0.0.1")

    with pytest.raises(RateLimited):
        services.check_rate_limit(action="report", user=citizen, ip="10.0.0.1")


def test_replies_are_limited_ten_a_minute_on_the_api(api_client, citizen, live_session, frozen):
    question = PostFactory(session=live_session)
    api_client.force_authenticate(citizen)
    statuses = [
        api_client.post(
            f"/api/posts/{question.pk}/replies/", {"body": f"Svar {n}"}, format="json"
        ).status_code
        for n in range(11)
    ]

    assert statuses == [201] * 10 + [429]
    assert Post.objects.filter(parent=question).count() == 10


def test_page_shows_the_limit_message_with_429_and_keeps_the_text(
    client, citizen, live_session, frozen
):
    client.force_login(citizen)
    for number in range(5):
        client.post(f"/sessions/{live_session.pk}/ask/", {"body": f"Spørgsmål {number}?"})

    response = client.post(f"/sessions/{live_session.pk}/ask/", {"body": "Hvorfor ikke?"})

    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    html = response.content.decode()
    assert too_often(retry_after) in html
    assert "Hvorfor ikke?</textarea>" in html
    assert Post.objects.filter(author=citizen).count() == 5


def test_page_vote_over_the_limit_says_so(client, citizen, live_session, settings, frozen):
    settings.TOWNHALL_RATE_LIMITS = {"vote": "1/m"}
    first, second = PostFactory.create_batch(2, session=live_session)
    client.force_login(citizen)
    client.post(f"/posts/{first.pk}/vote/")

    response = client.post(f"/posts/{second.pk}/vote/", follow=True)

    assert "You are doing that too often. Try again in" in response.content.decode()
    assert Vote.objects.filter(user=citizen).count() == 1


def test_rate_limits_from_the_environment_format():
    assert parse_rate_limits("off", DEFAULT_RATE_LIMITS) == {}
    assert parse_rate_limits("", DEFAULT_RATE_LIMITS) == DEFAULT_RATE_LIMITS
    limits = parse_rate_limits("question=2/m, vote:ip=100/5m, reply=off", DEFAULT_RATE_LIMITS)
    assert limits["question"] == "2/m"
    assert limits["vote:ip"] == "100/5m"
    assert "reply" not in limits
    assert limits["vote"] == "30/m"
    with pytest.raises(ImproperlyConfigured, match="'question=lots' is not"):
        parse_rate_limits("question=lots", DEFAULT_RATE_LIMITS)


def test_environment_variable_off_reaches_the_settings():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.TOWNHALL_RATE_LIMITS)",
        ],
        cwd=PROJECT,
        env={**os.environ, "TOWNHALL_RATE_LIMITS": "off"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "{}"


def test_proxy_header_is_believed_only_when_the_proxy_is_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.TOWNHALL_TRUSTED_PROXY_HEADER = ""
    assert client_ip(request) == "10.1.1.1"

    settings.TOWNHALL_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    # The right-most address is the one the trusted proxy added; the rest the client wrote.
    assert client_ip(request) == "203.0.113.9"


def test_the_limit_message_is_danish_for_a_danish_client(api_client, citizen, live_session, frozen):
    api_client.force_authenticate(citizen)
    for number in range(5):
        ask(api_client, live_session, f"Spørgsmål {number}?")

    response = ask(api_client, live_session, "Endnu et?", HTTP_ACCEPT_LANGUAGE="da")

    retry_after = response.json()["retry_after"]
    assert response.json()["detail"] == too_often(retry_after, "da")
