"""The OpenAPI schema at /api/schema/ and the docs page at /api/docs/ (offline, no inline code)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from sessions.api.serializers import (
    BanOutput,
    ModerationActionOutput,
    ModerationPostOutput,
    PanelMemberOutput,
    PostOutput,
    QuestionOutput,
    RecordOutput,
    RecordTotalsOutput,
    ReportCitizenOutput,
    ReportMinuteOutput,
    ReportPoliticianOutput,
    SessionOutput,
    TallyOutput,
    TallyReasonOutput,
    VoteOutput,
    WatchedKeywordOutput,
)
from sessions.payloads import (
    BanPayload,
    ModerationActionPayload,
    ModerationPostPayload,
    PoliticianPayload,
    PostPayload,
    QuestionPayload,
    RecordPayload,
    RecordTotalsPayload,
    SessionPayload,
    TallyPayload,
    TallyReasonPayload,
    VotePayload,
    WatchedKeywordPayload,
)
from sessions.reports import CitizenRow, MinuteRow, PoliticianRow

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

# Statistics (issue 4) and moderation (issue 7), held to the same contract.
MODERATION_AND_REPORT = {
    ("/api/sessions/{session_id}/report/", "get"),
    ("/api/posts/{post_id}/moderate/", "post"),
    ("/api/posts/{post_id}/report/", "post"),
    ("/api/sessions/{session_id}/moderation/", "get"),
    ("/api/municipalities/{municipality_id}/bans/", "get"),
    ("/api/municipalities/{municipality_id}/bans/", "post"),
    ("/api/bans/{ban_id}/", "delete"),
    ("/api/municipalities/{municipality_id}/keywords/", "get"),
    ("/api/municipalities/{municipality_id}/keywords/", "post"),
    ("/api/keywords/{keyword_id}/", "delete"),
    # Issue 13: moderators merge duplicates.
    ("/api/posts/{post_id}/merge/", "post"),
}


# After the hour (issue 13): DESIGN.md, "Added in the second round".
AFTER_THE_HOUR = {
    ("/api/sessions/{session_id}/", "patch"),
    ("/api/sessions/{session_id}/record/", "get"),
    ("/api/sessions/{session_id}/similar/", "get"),
    ("/api/posts/{post_id}/merge/", "post"),
}


# Calendars and the widget (issue 15).
CALENDAR_AND_EMBED = {
    ("/api/sessions/{session_id}/cancel/", "post"),
    ("/api/municipalities/{municipality_id}/", "get"),
    ("/api/municipalities/{municipality_id}/", "patch"),
    ("/api/oembed/", "get"),
    ("/api/sessions/{session_id}/reminder/", "post"),
    ("/api/sessions/{session_id}/reminder/", "delete"),
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
    assert (
        set(operations(schema))
        >= CONTRACT | MODERATION_AND_REPORT | AFTER_THE_HOUR | CALENDAR_AND_EMBED
    )


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
        (ModerationPostOutput, ModerationPostPayload, set()),
        (ModerationActionOutput, ModerationActionPayload, set()),
        (TallyOutput, TallyPayload, set()),
        (TallyReasonOutput, TallyReasonPayload, set()),
        (BanOutput, BanPayload, set()),
        (WatchedKeywordOutput, WatchedKeywordPayload, set()),
        (ReportCitizenOutput, CitizenRow, set()),
        (ReportPoliticianOutput, PoliticianRow, set()),
        (ReportMinuteOutput, MinuteRow, set()),
        (RecordOutput, RecordPayload, set()),
        (RecordTotalsOutput, RecordTotalsPayload, set()),
    ],
)
def test_documented_fields_are_the_payloads_fields(output, payload, extra):
    assert set(output().fields) == set(payload.__annotations__) | extra


def test_every_write_documents_bad_input_and_who_may(schema):
    missing = {
        (path, method): sorted({"400", "401"} - set(operation["responses"]))
        for (path, method), operation in operations(schema).items()
        if method in {"post", "patch", "delete"} and path != "/api/auth/token/"
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
        ("/api/sessions/{session_id}/", "patch"),
    ]

    assert [key for key in staff_writes if "403" not in operations(schema)[key]["responses"]] == []


def test_moderation_and_report_document_who_may_and_what_is_missing(schema):
    missing = {
        key: sorted({"401", "403", "404"} - set(operations(schema)[key]["responses"]))
        for key in MODERATION_AND_REPORT
    }

    assert {key: codes for key, codes in missing.items() if codes} == {}
    assert "429" in operations(schema)[("/api/posts/{post_id}/report/", "post")]["responses"]
    assert "429" in operations(schema)[("/api/auth/token/", "post")]["responses"]


def test_report_documents_json_csv_and_xlsx(schema):
    report = operations(schema)[("/api/sessions/{session_id}/report/", "get")]
    parameters = {parameter["name"]: parameter for parameter in report["parameters"]}
    content = report["responses"]["200"]["content"]

    assert set(content) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert content["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SessionReportOutput"
    }
    assert parameters["format"]["schema"]["enum"] == ["json", "csv", "xlsx"]
    assert set(parameters) == {"session_id", "format", "pseudonymise"}
    assert report["responses"]["403"]["content"].keys() == {"application/json"}


def test_moderation_lists_are_pages_and_the_state_is_one_object(schema):
    ops = operations(schema)
    bans = ops[("/api/municipalities/{municipality_id}/bans/", "get")]
    keywords = ops[("/api/municipalities/{municipality_id}/keywords/", "get")]
    state = ops[("/api/sessions/{session_id}/moderation/", "get")]

    assert bans["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedBanList"
    }
    assert keywords["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PaginatedWatchedKeywordList"
    }
    assert {parameter["name"] for parameter in bans["parameters"]} == {
        "municipality_id",
        "page",
        "page_size",
    }
    assert state["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SessionModerationOutput"
    }


def test_lifting_a_ban_documents_its_optional_body(schema):
    lift = operations(schema)[("/api/bans/{ban_id}/", "delete")]
    body = schema["components"]["schemas"]["LiftInputRequest"]

    assert lift["requestBody"]["required"] is False
    assert set(body["properties"]) == {"note", "session"}
    assert body["additionalProperties"] is False


def test_lists_document_pages_and_filters(schema):
    sessions = operations(schema)[("/api/sessions/", "get")]
    parameters = {parameter["name"]: parameter for parameter in sessions["parameters"]}
    page = schema["components"]["schemas"]["PaginatedSessionList"]

    assert set(parameters) == {"page", "page_size", "status", "municipality"}
    assert parameters["page_size"]["schema"]["maximum"] == 100
    assert parameters["status"]["schema"]["enum"] == [
        "scheduled",
        "collecting",
        "live",
        "closed",
        "cancelled",
    ]
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
