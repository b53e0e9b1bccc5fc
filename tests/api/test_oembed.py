"""GET /api/oembed/: a CMS embeds a session's widget from the session's address."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def oembed(api_client, **params):
    return api_client.get("/api/oembed/", params)


def test_oembed_answers_rich_with_the_widgets_iframe(api_client, live_session):
    response = oembed(
        api_client, url=f"http://testserver/sessions/{live_session.pk}/", format="json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "type": "rich",
        "version": "1.0",
        "title": "Digital spørgetime",
        "author_name": "Roskilde Kommune",
        "provider_name": "Townhall",
        "provider_url": "http://testserver/",
        "html": (
            f'<iframe src="http://testserver/embed/sessions/{live_session.pk}/" '
            'title="Questions to Digital spørgetime, live" width="480" height="600" '
            'style="border:0;max-width:100%" loading="lazy"></iframe>'
        ),
        "width": 480,
        "height": 600,
        "cache_age": 3600,
    }


def test_oembed_keeps_within_maxwidth_and_maxheight(api_client, live_session):
    response = oembed(
        api_client,
        url=f"http://testserver/embed/sessions/{live_session.pk}/",
        maxwidth=320,
        maxheight=400,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["width"], body["height"]) == (320, 400)
    assert 'width="320" height="400"' in body["html"]


def test_a_title_with_markup_is_escaped_in_the_html(api_client, live_session):
    live_session.title = '"><script>alert(1)</script>'
    live_session.save()
    html = oembed(api_client, url=f"http://testserver/sessions/{live_session.pk}/").json()["html"]
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_format_xml_is_not_implemented(api_client, live_session):
    response = oembed(
        api_client, url=f"http://testserver/sessions/{live_session.pk}/", format="xml"
    )
    assert response.status_code == 501
    assert response.json()["detail"] == "Only format=json is offered."


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/sessions/{id}/",
        "http://testserver/sessions/999999/",
        "http://testserver/sessions/{id}/record/",
        "http://testserver/",
        "javascript:alert(1)",
        "/sessions/{id}/",
        "not a url",
        "http://testserver/sessions/99999999999999999999999/",
    ],
)
def test_an_address_that_is_not_a_session_here_is_404(api_client, live_session, url):
    response = oembed(api_client, url=url.format(id=live_session.pk))
    assert response.status_code == 404
    assert response.json()["detail"] == "That address is not a session on this site."


def test_a_missing_url_is_400(api_client):
    response = api_client.get("/api/oembed/")
    assert response.status_code == 400
    assert "url" in response.json()
