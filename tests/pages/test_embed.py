"""The widget /embed/sessions/<id>/: what it shows, and who may frame it (only the
municipality's embed origins); every other page keeps refusing to be framed."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from sessions import services
from sessions.models import Municipality

from ..factories import MunicipalityFactory, PostFactory, ReplyFactory

pytestmark = pytest.mark.django_db

ALLOWED = ["https://www.roskilde.dk", "http://127.0.0.2:8001"]


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    [directive] = [d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors")]
    return directive


def allow(session, origins=ALLOWED) -> None:
    Municipality.objects.filter(pk=session.municipality_id).update(embed_origins=origins)


def test_the_widget_may_be_framed_by_exactly_the_listed_origins(live_session):
    allow(live_session)
    response = Client().get(f"/embed/sessions/{live_session.pk}/")
    assert response.status_code == 200
    assert frame_ancestors(response) == (
        "frame-ancestors https://www.roskilde.dk http://127.0.0.2:8001"
    )
    assert "X-Frame-Options" not in response
    # The rest of the policy stays as strict as everywhere else.
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_without_listed_origins_nobody_may_frame_the_widget(live_session):
    response = Client().get(f"/embed/sessions/{live_session.pk}/")
    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sessions/{id}/",
        "/sessions/{id}/present/",
        "/sessions/{id}/record/",
        "/sessions/{id}/calendar.ics",
        "/api/sessions/{id}/",
    ],
)
def test_every_other_page_still_refuses_to_be_framed(live_session, path):
    allow(live_session)
    response = Client().get(path.format(id=live_session.pk))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    if "Content-Security-Policy" in response:
        assert frame_ancestors(response) == "frame-ancestors 'none'"


def test_another_municipalitys_origins_do_not_open_this_widget(live_session):
    MunicipalityFactory(name="Odense Kommune", slug="odense", embed_origins=["https://odense.dk"])
    response = Client().get(f"/embed/sessions/{live_session.pk}/")
    assert frame_ancestors(response) == "frame-ancestors 'none'"


def test_the_widget_shows_questions_by_votes_with_answers_and_a_way_to_take_part(
    client, live_session, mayor, citizen, other_citizen
):
    few = PostFactory(session=live_session, body="Hvornår åbner svømmehallen?")
    many = PostFactory(session=live_session, body="Hvad koster den nye skole?")
    services.vote(question=many, user=citizen)
    services.vote(question=many, user=other_citizen)
    services.answer_question(question=many, author=mayor.user, body="Den koster 80 millioner.")
    ReplyFactory(parent=few, body="Det vil jeg også gerne vide.")

    html = client.get(f"/embed/sessions/{live_session.pk}/").content.decode()

    assert html.index("Hvad koster den nye skole?") < html.index("Hvornår åbner svømmehallen?")
    assert "2 votes" in html
    assert "Den koster 80 millioner." in html
    assert "Tomas Breddam, Borgmester" in html
    assert "Answered live" in html
    # Only the panel's answers: a citizen's reply stays on the full site.
    assert "Det vil jeg også gerne vide." not in html
    link = re.search(
        r'<a class="button primary" href="([^"]+)" target="_blank" rel="noopener">', html
    )
    assert link.group(1) == f"http://testserver/sessions/{live_session.pk}/"
    state = json.loads(re.search(r'id="widget-state"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert state["seq"] == live_session.__class__.objects.get(pk=live_session.pk).last_seq
    assert [q["body"] for q in state["questions"]] == [
        "Hvad koster den nye skole?",
        "Hvornår åbner svømmehallen?",
    ]


def test_the_widget_of_an_unknown_session_is_404(client):
    assert client.get("/embed/sessions/999999/").status_code == 404


def test_staff_see_the_embed_snippets_on_the_session_page(client, live_session, staff):
    allow(live_session, ["https://www.roskilde.dk"])
    client.force_login(staff)
    html = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert "Embed on your site" in html
    assert (
        "&lt;script src=&quot;http://testserver/static/sessions/embed-loader.js&quot; "
        f"data-session=&quot;{live_session.pk}&quot; async&gt;&lt;/script&gt;"
    ) in html
    assert f"http://testserver/embed/sessions/{live_session.pk}/" in html
    assert "Sites allowed to show it: https://www.roskilde.dk" in html


def test_staff_are_told_when_no_site_may_show_the_widget(client, live_session, staff):
    client.force_login(staff)
    html = client.get(f"/sessions/{live_session.pk}/").content.decode()
    assert "No site may show it yet" in html


def test_citizens_do_not_see_the_embed_box(client, live_session, citizen):
    client.force_login(citizen)
    assert "Embed on your site" not in client.get(f"/sessions/{live_session.pk}/").content.decode()
    client.logout()
    assert "Embed on your site" not in client.get(f"/sessions/{live_session.pk}/").content.decode()


def test_the_session_page_names_its_oembed_endpoint(client, live_session):
    html = client.get(f"/sessions/{live_session.pk}/").content.decode()
    expected = (
        '<link rel="alternate" type="application/json+oembed" '
        'href="http://testserver/api/oembed/?url=http%3A%2F%2Ftestserver%2Fsessions%2F'
        f'{live_session.pk}%2F&amp;format=json"'
    )
    assert expected in html
