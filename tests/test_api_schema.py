"""The OpenAPI schema at /api/schema/ and the docs page at /api/docs/ (offline, no inline code)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from sessions.api.serializers import (
    PanelMemberOutput,
    PostOutput,
    QuestionOutput,
    SessionOutput,
    VoteOutput,
)
from sessions.payloads import (
    PoliticianPayload,
    PostPayload,
    QuestionPayload,
    SessionPayload,
    VotePayload,
)

# DESIGN.md, "API contract (v1)", plus the clock and answered endpoints the pages use.
CONTRACT = {
    ("/api/auth/token/", "post"),
    ("/api/sessions/", "get"),
    ("/api/sessions/", "post"),
    ("/api/sessions/{session_id}/", "get"),
    ("/api/sessions/{session_id}/questions/", "get"),
    ("/api/sessions/{session_id}/questions/", "post"),
    ("/api/posts/{post_id}/replies/", "post"),
    ("/api/posts/{post_id}/vote/", "post"),
    ("/api/posts/{post_id}/vote/", "delete"),
    ("/api/municipalities/", "get"),
    ("/api/municipalities/", "post"),
    ("/api/politicians/", "get"),
    ("/api/politicians/", "post"),
    ("/api/sessions/{session_id}/open/", "post"),
    ("/api/sessions/{session_id}/extend/", "post"),
    ("/api/sessions/{session_id}/close/", "post"),
    ("/api/posts/{post_id}/answered/", "post"),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def test_schema_is_openapi_3_with_every_contract_path(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Townhall API"
    assert set(operations(schema)) >= CONTRACT


def test_schema_is_served_as_yaml_by_default():
    response = Client().get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3." in response.content


@pytest.mark.parametrize(
    ("output", "payload", "extra"),
    [
        (SessionOutput, SessionPayload, set()),
        (PostOutput, PostPayload, set()),
        (QuestionOutput, QuestionPayload, set()),
        (PanelMemberOutput, PoliticianPayload, set()),
        (VoteOutput, VotePayload, {"voted"}),
    ],
)
def test_documented_fields_are_the_payloads_fields(output, payload, extra):
    assert set(output().fields) == set(payload.__annotations__) | extra


def test_every_write_documents_bad_input_and_who_may(schema):
    missing = {
        (path, method): sorted({"400", "401"} - set(operation["responses"]))
        for (path, method), operation in operations(schema).items()
        if method in {"post", "delete"} and path != "/api/auth/token/"
    }

    assert {key: codes for key, codes in missing.items() if codes} == {}


def test_staff_writes_document_403(schema):
    staff_writes = [
        ("/api/sessions/", "post"),
        ("/api/municipalities/", "post"),
        ("/api/politicians/", "post"),
        ("/api/sessions/{session_id}/open/", "post"),
        ("/api/sessions/{session_id}/extend/", "post"),
        ("/api/sessions/{session_id}/close/", "post"),
    ]

    assert [key for key in staff_writes if "403" not in operations(schema)[key]["responses"]] == []


def test_lists_document_pages_and_filters(schema):
    sessions = operations(schema)[("/api/sessions/", "get")]
    parameters = {parameter["name"]: parameter for parameter in sessions["parameters"]}
    page = schema["components"]["schemas"]["PaginatedSessionList"]

    assert set(parameters) == {"page", "page_size", "status", "municipality"}
    assert parameters["page_size"]["schema"]["maximum"] == 100
    assert parameters["status"]["schema"]["enum"] == ["scheduled", "live", "closed"]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}


def test_request_bodies_forbid_unknown_fields(schema):
    bodies = {
        name: component
        for name, component in schema["components"]["schemas"].items()
        if name.endswith("Request")
    }

    assert "SessionInputRequest" in bodies
    assert [
        name for name, body in bodies.items() if body["additionalProperties"] is not False
    ] == []


def test_anyone_may_read_and_staff_write(schema):
    ops = operations(schema)

    assert {} in ops[("/api/sessions/", "get")]["security"]
    assert {} not in ops[("/api/sessions/", "post")]["security"]


# The docs page --------------------------------------------------------------------------------


def test_docs_page_loads_swagger_ui_from_this_site_without_inline_code():
    response = Client().get("/api/docs/")
    html = response.content.decode()

    scripts = re.findall(r"<script([^>]*)>", html)
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    assert "/static/sessions/api-docs.css" in html
    assert len(scripts) == 3
    assert all('src="' in attributes for attributes in scripts)
    assert "<style" not in html
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)
    assert not re.search(r"https?://", html)


def test_docs_start_up_script_is_a_file_pointing_at_the_schema():
    response = Client().get("/api/docs/", {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in response.content.decode()
    assert 'url: "/api/schema/"' in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "sessions/api-docs.css",
    ],
)
def test_docs_files_ship_with_the_project(path):
    assert finders.find(path) is not None


def test_schema_generates_without_warnings_and_validates(tmp_path):
    # drf-spectacular warns when it has to guess a shape; a guess would be a lie in the docs.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )

    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")
