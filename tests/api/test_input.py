"""The API's strictness: pages, filters, ordering, unknown fields, wrong types, odd ids and text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sessions.models import Event, Municipality, Politician, Post, Session
from tests.factories import MunicipalityFactory, PoliticianFactory, PostFactory, SessionFactory

pytestmark = pytest.mark.django_db


NO_TOWN = 'No municipality has the id or slug "{}".'.format
WRONG_PK = "Incorrect type. Expected pk value, received {}.".format
NO_PK = 'Invalid pk "{}" - object does not exist.'.format
NOT_BOOL = ["Must be a valid boolean."]


def session_fields(place: Municipality, **overrides: object) -> dict[str, object]:
    starts = timezone.now() + timedelta(days=7)
    return {
        "municipality": place.pk,
        "title": "Digitalt borgermøde om skolerne",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        **overrides,
    }


# Pagination -----------------------------------------------------------------------------------


def test_question_list_comes_in_pages_with_links(api_client, live_session):
    for number in range(5):
        PostFactory(session=live_session, body=f"Spørgsmål {number}", vote_count=number)
    url = f"http://testserver/api/sessions/{live_session.pk}/questions/"

    first = api_client.get(url, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()
    last = api_client.get(second["next"]).json()

    assert (first["count"], first["previous"]) == (5, None)
    assert [q["body"] for q in first["results"]] == ["Spørgsmål 4", "Spørgsmål 3"]
    assert first["next"] == f"{url}?page=2&page_size=2"
    assert [q["body"] for q in second["results"]] == ["Spørgsmål 2", "Spørgsmål 1"]
    assert second["previous"] == f"{url}?page_size=2"
    assert [q["body"] for q in last["results"]] == ["Spørgsmål 0"]
    assert last["next"] is None


def test_lists_default_to_fifty_per_page(api_client, live_session):
    for number in range(51):
        PostFactory(session=live_session, body=f"Spørgsmål {number}")

    body = api_client.get(f"/api/sessions/{live_session.pk}/questions/").json()

    assert (body["count"], len(body["results"])) == (51, 50)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"page_size": 101}, {"page_size": ["Ensure this value is less than or equal to 100."]}),
        (
            {"page_size": 10**12},
            {"page_size": ["Ensure this value is less than or equal to 100."]},
        ),
        ({"page_size": 0}, {"page_size": ["Ensure this value is greater than or equal to 1."]}),
        ({"page_size": "alle"}, {"page_size": ["A valid integer is required."]}),
        ({"page": 0}, {"page": ["Ensure this value is greater than or equal to 1."]}),
        ({"page": "først"}, {"page": ["A valid integer is required."]}),
        ({"page": ""}, {"page": ["Give this parameter a value, or leave it out."]}),
        ({"page_size": ["10", "20"]}, {"page_size": ["Give this parameter once."]}),
    ],
    ids=["101", "huge", "zero", "text", "page-zero", "page-text", "page-empty", "twice"],
)
def test_bad_page_or_page_size_is_refused(api_client, live_session, query, errors):
    response = api_client.get("/api/sessions/", query)

    assert response.status_code == 400
    assert response.json() == errors


def test_page_past_the_last_is_not_found(api_client, live_session):
    response = api_client.get("/api/sessions/", {"page": 3})

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no page 3; the last is 1."}


# Filters and ordering -------------------------------------------------------------------------


@pytest.fixture
def two_towns() -> dict[str, Session]:
    now = timezone.now()
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    return {
        "roskilde_live": SessionFactory(title="Roskilde live"),
        "roskilde_closed": SessionFactory(
            title="Roskilde closed",
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=2, hours=-1),
        ),
        "odense_live": SessionFactory(title="Odense live", municipality=odense),
    }


@pytest.mark.parametrize("value", ["roskilde", "by-id"])
def test_sessions_filtered_by_municipality_id_or_slug(api_client, two_towns, value):
    roskilde = Municipality.objects.get(slug="roskilde")
    value = str(roskilde.pk) if value == "by-id" else value

    response = api_client.get("/api/sessions/", {"municipality": value})

    assert response.status_code == 200
    assert [s["title"] for s in response.json()["results"]] == ["Roskilde live", "Roskilde closed"]


def test_sessions_filtered_by_municipality_and_status(api_client, two_towns):
    response = api_client.get("/api/sessions/", {"municipality": "roskilde", "status": "live"})

    assert [s["title"] for s in response.json()["results"]] == ["Roskilde live"]


@pytest.mark.parametrize(
    ("moment", "status"),
    [("before-start", "scheduled"), ("at-start", "live"), ("at-end", "closed")],
)
def test_session_status_filter_follows_the_clock_at_its_edges(
    api_client, time_machine, moment, status
):
    starts = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    ends = starts + timedelta(hours=1)
    SessionFactory(title="Spørgetime", starts_at=starts, ends_at=ends)
    now = {"before-start": starts - timedelta(microseconds=1), "at-start": starts, "at-end": ends}
    time_machine.move_to(now[moment], tick=False)

    listed = {
        name: [
            (s["title"], s["status"])
            for s in api_client.get("/api/sessions/", {"status": name}).json()["results"]
        ]
        for name in ("scheduled", "live", "closed")
    }

    assert listed == {
        name: [("Spørgetime", status)] if name == status else []
        for name in ("scheduled", "live", "closed")
    }


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"status": "lve"}, {"status": ['"lve" is not a valid choice.']}),
        ({"status": ""}, {"status": ["Give this parameter a value, or leave it out."]}),
        ({"municipality": "aarhus"}, {"municipality": [NO_TOWN("aarhus")]}),
        ({"municipality": "999999"}, {"municipality": [NO_TOWN("999999")]}),
        ({"municipality": "9" * 40}, {"municipality": [NO_TOWN("9" * 40)]}),
        ({"municipality": "ros\x00kilde"}, {"municipality": [NO_TOWN("roskilde")]}),
    ],
    ids=["status-typo", "status-empty", "unknown-slug", "unknown-id", "huge-id", "nul"],
)  # fmt: skip
def test_bad_session_filter_is_refused(api_client, two_towns, query, errors):
    response = api_client.get("/api/sessions/", query)

    assert response.status_code == 400
    assert response.json() == errors


def test_politicians_filtered_by_municipality(api_client, mayor):
    odense = MunicipalityFactory(name="Odense Kommune", slug="odense")
    PoliticianFactory(municipality=odense, name="Peter Rahbæk Juel")

    response = api_client.get("/api/politicians/", {"municipality": "odense"})

    assert [p["name"] for p in response.json()["results"]] == ["Peter Rahbæk Juel"]


@pytest.mark.parametrize(
    ("ordering", "bodies"),
    [
        ("-votes", ["Mest", "Mindst", "Midt"]),
        ("votes", ["Midt", "Mindst", "Mest"]),
        ("created", ["Mindst", "Mest", "Midt"]),
        ("-created", ["Midt", "Mest", "Mindst"]),
    ],
)
def test_questions_ordered(api_client, live_session, ordering, bodies):
    now = timezone.now()
    PostFactory(session=live_session, body="Mindst", vote_count=1, created_at=now - timedelta(3))
    PostFactory(session=live_session, body="Mest", vote_count=5, created_at=now - timedelta(2))
    PostFactory(session=live_session, body="Midt", vote_count=0, created_at=now - timedelta(1))

    response = api_client.get(f"/api/sessions/{live_session.pk}/questions/", {"ordering": ordering})

    assert [q["body"] for q in response.json()["results"]] == bodies


def test_unknown_ordering_is_refused(api_client, live_session):
    response = api_client.get(f"/api/sessions/{live_session.pk}/questions/", {"ordering": "best"})

    assert response.status_code == 400
    assert response.json() == {"ordering": ['"best" is not a valid choice.']}


# Unknown fields and wrong types ---------------------------------------------------------------


def test_unknown_fields_are_refused_by_name(api_client, citizen, live_session):
    api_client.force_authenticate(citizen)

    response = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/",
        {"body": "Hej", "author": "borgmesteren", "politician": 1},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unknown fields: author, politician."]}
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"body": 5}, {"body": ["Not a valid string."]}),
        ({"body": True}, {"body": ["Not a valid string."]}),
        ({"body": "Hej", "mark_answered": "true"}, {"mark_answered": ["Must be a valid boolean."]}),
        ({"body": "Hej", "mark_answered": 1}, {"mark_answered": ["Must be a valid boolean."]}),
    ],
    ids=["number-body", "bool-body", "string-bool", "number-bool"],
)
def test_reply_with_wrong_types_is_refused_not_coerced(
    api_client, citizen, live_session, payload, errors
):
    question = PostFactory(session=live_session)
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/posts/{question.pk}/replies/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Post.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"title": 42}, {"title": ["Not a valid string."]}),
        ({"municipality": "roskilde"}, {"municipality": [WRONG_PK("str")]}),
        ({"municipality": True}, {"municipality": [WRONG_PK("bool")]}),
        ({"municipality": 10**30}, {"municipality": [NO_PK(10**30)]}),
        ({"politicians": "all"}, {"politicians": ['Expected a list of items but got type "str".']}),
        ({"politicians": ["1"]}, {"politicians": [WRONG_PK("str")]}),
        ({"accepts_questions_early": "yes"}, {"accepts_questions_early": NOT_BOOL}),
        ({"moderation_mode": "none"}, {"moderation_mode": ['"none" is not a valid choice.']}),
        ({"starts_at": 1767225600}, {"starts_at": [
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        ]}),
        ({"title": "Hej\x00"}, {"title": ["Null characters are not allowed."]}),
        ({"title": "x" * 201}, {"title": ["Ensure this field has no more than 200 characters."]}),
        ({"title": "   "}, {"title": ["This field may not be blank."]}),
    ],
    ids=[
        "number-title", "slug-municipality", "bool-municipality", "huge-municipality",
        "string-panel", "string-ids", "string-bool", "unknown-mode", "epoch-start",
        "nul-title", "long-title", "blank-title",
    ],
)  # fmt: skip
def test_session_with_wrong_types_is_refused(api_client, staff, mayor, overrides, errors):
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/sessions/", session_fields(mayor.municipality, **overrides), format="json"
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert Session.objects.count() == 0


def test_politician_twice_on_a_panel_is_refused(api_client, staff, mayor):
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/sessions/",
        session_fields(mayor.municipality, politicians=[mayor.pk, mayor.pk]),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"politicians": ["A politician can be on the panel only once."]}
    assert Session.objects.count() == 0


@pytest.mark.parametrize(
    ("year", "errors"),
    [
        (2999, {"starts_at": ["Choose a start within five years from today."]}),
        # 23:00 UTC on New Year's Eve 9999 is the year 10000 in Copenhagen.
        (9999, {"ends_at": ["Datetime value out of range."]}),
    ],
)
def test_session_with_a_far_date_is_refused(api_client, staff, mayor, year, errors):
    api_client.force_authenticate(staff)

    response = api_client.post(
        "/api/sessions/",
        session_fields(
            mayor.municipality,
            starts_at=f"{year}-12-31T22:00:00+00:00",
            ends_at=f"{year}-12-31T23:00:00+00:00",
        ),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == errors
    assert Session.objects.count() == 0


def test_staff_creates_a_pre_moderated_session_with_danish_title(api_client, staff, mayor):
    api_client.force_authenticate(staff)
    title = "Borgermøde på Ærø: Åbent for alle 🎉"

    response = api_client.post(
        "/api/sessions/",
        session_fields(mayor.municipality, title=title, moderation_mode="pre"),
        format="json",
    )

    session = Session.objects.get()
    assert response.status_code == 201
    assert response.json()["title"] == title
    assert (session.title, session.moderation_mode) == (title, "pre")


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"name": 7, "slug": "syv"}, {"name": ["Not a valid string."]}),
        ({"name": "Ærø", "slug": "ærø kommune"}, {"slug": [
            "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
        ]}),
        ({"name": "Ærø", "slug": "aeroe", "id": 1}, {"non_field_errors": ["Unknown fields: id."]}),
    ],
    ids=["number-name", "bad-slug", "unknown-id"],
)  # fmt: skip
def test_municipality_with_bad_fields_is_refused(api_client, staff, payload, errors):
    api_client.force_authenticate(staff)

    response = api_client.post("/api/municipalities/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Municipality.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"name": "Jens"}, {"municipality": ["This field is required."]}),
        ({"name": "Jens", "photo_url": "ikke en adresse"}, {"photo_url": ["Enter a valid URL."]}),
        ({"name": "Jens", "user": "mayor"}, {"user": [WRONG_PK("str")]}),
    ],
    ids=["no-municipality", "bad-url", "username-for-user"],
)  # fmt: skip
def test_politician_with_bad_fields_is_refused(api_client, staff, payload, errors):
    roskilde = MunicipalityFactory()
    api_client.force_authenticate(staff)
    payload = {"municipality": roskilde.pk, **payload} if "photo_url" in payload else payload
    payload = {"municipality": roskilde.pk, **payload} if "user" in payload else payload

    response = api_client.post("/api/politicians/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Politician.objects.count() == 0


def test_extension_by_fractional_or_text_minutes_is_refused(api_client, staff, live_session):
    api_client.force_authenticate(staff)

    fraction = api_client.post(
        f"/api/sessions/{live_session.pk}/extend/", {"minutes": 15.5}, format="json"
    )
    text = api_client.post(
        f"/api/sessions/{live_session.pk}/extend/", {"minutes": "15"}, format="json"
    )

    assert fraction.json() == {"minutes": ["A valid integer is required."]}
    assert text.json() == {"minutes": ["A valid integer is required."]}
    assert Event.objects.count() == 0


# Encodings, ids and paths ---------------------------------------------------------------------


def test_form_encoded_body_is_refused_as_not_json(api_client, citizen, live_session):
    api_client.force_authenticate(citizen)

    response = api_client.post(f"/api/sessions/{live_session.pk}/questions/", {"body": "Hej"})

    assert response.status_code == 415
    assert response.json()["detail"].startswith('Unsupported media type "multipart/form-data;')
    assert Post.objects.count() == 0


def test_token_endpoint_takes_json_only_with_strings(api_client, citizen):
    response = api_client.post(
        "/api/auth/token/", {"username": "anna", "password": 123}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"password": ["Not a valid string."]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/sessions/99999999999999999999999/",
        "/api/sessions/99999999999999999999999/questions/",
        "/api/posts/99999999999999999999999/vote/",
    ],
)
def test_id_too_large_for_the_database_is_not_found(api_client, citizen, path):
    api_client.force_authenticate(citizen)

    response = api_client.get(path) if "vote" not in path else api_client.post(path)

    assert response.status_code == 404
    assert response.json()["detail"].endswith(" 99999999999999999999999 does not exist.")


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_api_path_answers_in_json(method):
    # A client that enforces CSRF, as a browser would: the 404 must not become a CSRF page.
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")

    response = getattr(client, method)("/api/sessions/nine/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_signed_in_browser_session_works_and_needs_the_csrf_token(citizen, live_session):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(citizen)
    url = f"/api/sessions/{live_session.pk}/questions/"

    client.get(f"/sessions/{live_session.pk}/")  # the page sets the CSRF cookie
    without = client.post(url, {"body": "Uden token"}, format="json")
    with_token = client.post(
        url,
        {"body": "Med token"},
        format="json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert without.status_code == 403
    assert without.json() == {"detail": "CSRF Failed: CSRF token missing."}
    assert with_token.status_code == 201
    assert list(Post.objects.values_list("body", flat=True)) == ["Med token"]


def test_nul_and_emoji_in_a_reply(api_client, citizen, live_session):
    question = PostFactory(session=live_session)
    api_client.force_authenticate(citizen)

    nul = api_client.post(
        f"/api/posts/{question.pk}/replies/", {"body": "før\x00efter"}, format="json"
    )
    emoji = api_client.post(
        f"/api/posts/{question.pk}/replies/", {"body": "Ja tak 👍 - æøå ÆØÅ"}, format="json"
    )

    assert nul.status_code == 400
    assert nul.json() == {"body": ["Null characters are not allowed."]}
    assert emoji.status_code == 201
    assert emoji.json()["body"] == "Ja tak 👍 - æøå ÆØÅ"
    assert Post.objects.get(parent=question).body == "Ja tak 👍 - æøå ÆØÅ"


def test_unknown_fields_and_filters_are_refused_in_danish(api_client, citizen, live_session):
    api_client.force_authenticate(citizen)
    danish = {"HTTP_ACCEPT_LANGUAGE": "da"}

    body = api_client.post(
        f"/api/sessions/{live_session.pk}/questions/",
        {"body": "Hej", "forfatter": "mig"},
        format="json",
        **danish,
    )
    query = api_client.get("/api/sessions/", {"municipality": "aarhus"}, **danish)

    assert body.json() == {"non_field_errors": ["Ukendte felter: forfatter."]}
    assert query.json() == {"municipality": ["Ingen kommune har id'et eller slug'en \"aarhus\"."]}


def test_a_name_over_its_length_is_refused_even_when_trimming_would_fit_it(api_client, staff):
    """The schema's maxLength holds for the text as sent (found by the schema fuzzer)."""
    api_client.force_authenticate(staff)
    municipality = MunicipalityFactory()
    response = api_client.post(
        "/api/politicians/",
        {"name": "\x1c" + "*" * 200, "municipality": municipality.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "name" in response.json()
