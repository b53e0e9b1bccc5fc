"""The report page, the municipality overview, their downloads, and GET /api/sessions/{id}/report/:
staff only, and every download logged."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.utils.html import escape

from sessions.api.serializers import (
    ReportCitizenOutput,
    ReportMinuteOutput,
    ReportPoliticianOutput,
    ReportSessionOutput,
    ReportTotalsOutput,
    SessionReportOutput,
)
from sessions.models import ExportLog
from tests.faaborg import build_meeting
from tests.factories import SessionFactory, api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    return build_meeting()


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_staff_see_the_figures_at_a_glance(client, staff, meeting):
    client.force_login(staff)

    response = client.get(f"/sessions/{meeting.session.pk}/report/")

    assert response.status_code == 200
    text = page_text(response)
    assert "152 comments from 44 citizens" in text
    assert "169 comments from 15 politicians" in text
    assert "30 of 44 questions answered (68 %)" in text
    assert "47 min 15 s median time to a politician's first reply" in text
    assert "60 votes" in text
    assert "44 citizens took part for the first time, 0 came back" in text
    assert "35 % of citizen comments came from the most active 5 citizens (10%)" in text
    assert "64 replies from citizens to other citizens' questions" in text
    assert "4 posts removed by moderation and 1 awaiting approval, not counted" in text


def test_report_page_draws_the_charts_with_text_alternatives(client, staff, meeting):
    client.force_login(staff)

    html = client.get(f"/sessions/{meeting.session.pk}/report/").content.decode()

    assert html.count('role="img"') == 3
    politician_chart = html.split('id="politician-chart-caption"')[1].split("</svg>")[0]
    citizen_chart = html.split('id="citizen-chart-caption"')[1].split("</svg>")[0]
    assert politician_chart.count('<rect class="bar politicians"') == 16
    assert citizen_chart.count('<rect class="bar citizens"') == 20
    assert "Politiker 00: 12; Politiker 01: 12" in politician_chart
    assert "Borger 00 Hansen: 20; Borger 01 Hansen: 12" in citizen_chart
    assert '<polyline class="series citizens"' in html
    assert '<polyline class="series politicians"' in html
    assert "90 minutes; the table below lists every minute." in html
    # Tables carry every figure: all 44 citizens, all 16 panel members, all 90 minutes.
    assert html.split('data-table="citizens"')[1].split("</table>")[0].count("<tr>") == 45
    assert html.split('data-table="politicians"')[1].split("</table>")[0].count("<tr>") == 17


def test_report_page_has_no_inline_script_or_style(client, staff, meeting):
    client.force_login(staff)

    html = client.get(f"/sessions/{meeting.session.pk}/report/").content.decode()

    assert "style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"\son[a-z]+=", html) is None


def test_report_page_offers_downloads_and_pseudonyms(client, staff, meeting):
    client.force_login(staff)

    html = client.get(f"/sessions/{meeting.session.pk}/report/").content.decode()

    assert f'action="/sessions/{meeting.session.pk}/report/download/"' in html
    assert 'name="pseudonymise"' in html
    for fmt in ("csv", "xlsx", "json"):
        assert f'name="format" value="{fmt}"' in html


def test_empty_session_report_page(client, staff):
    session = SessionFactory(title="Ingen kom")
    client.force_login(staff)

    response = client.get(f"/sessions/{session.pk}/report/")

    assert response.status_code == 200
    text = page_text(response)
    assert "0 comments from 0 citizens" in text
    assert "No comments from citizens yet." in text
    assert "No politicians on the panel yet." in text


def test_anonymous_visitors_are_sent_to_log_in(client, meeting):
    for url in (
        f"/sessions/{meeting.session.pk}/report/",
        f"/sessions/{meeting.session.pk}/report/download/?format=csv",
        "/municipalities/faaborg-midtfyn/report/",
        "/municipalities/faaborg-midtfyn/report/download/?format=csv",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert ExportLog.objects.count() == 0


def test_citizens_are_refused(client, citizen, meeting):
    client.force_login(citizen)

    for url in (
        f"/sessions/{meeting.session.pk}/report/",
        f"/sessions/{meeting.session.pk}/report/download/?format=csv",
        "/municipalities/faaborg-midtfyn/report/",
        "/municipalities/faaborg-midtfyn/report/download/?format=xlsx",
    ):
        assert client.get(url).status_code == 403
    assert ExportLog.objects.count() == 0


def test_page_downloads_are_files_and_logged(client, staff, meeting):
    client.force_login(staff)
    url = f"/sessions/{meeting.session.pk}/report/download/"

    csv_response = client.get(url, {"format": "csv"})
    xlsx_response = client.get(url, {"format": "xlsx", "pseudonymise": "1"})
    json_response = client.get(url, {"format": "json"})

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"] == (
        f'attachment; filename="townhall-session-{meeting.session.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[2] == ["Comments by citizens", "152", "citizen_comments"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_response.content))
    names = [row[0] for row in workbook["Citizens"].iter_rows(min_row=2, values_only=True)]
    assert not any("Hansen" in name for name in names)
    assert json_response.json()["totals"]["politician_comments"] == 169
    logs = ExportLog.objects.order_by("id")
    assert [(log.format, log.pseudonymised, log.source) for log in logs] == [
        ("csv", False, "page"),
        ("xlsx", True, "page"),
        ("json", False, "page"),
    ]
    assert {log.user for log in logs} == {staff}
    assert {log.session for log in logs} == {meeting.session}


def test_page_download_with_an_unknown_format_is_a_bad_request(client, staff, meeting):
    client.force_login(staff)

    response = client.get(f"/sessions/{meeting.session.pk}/report/download/", {"format": "pdf"})

    assert response.status_code == 400
    assert response.content.decode() == "Unknown format pdf: choose json, csv or xlsx."
    assert ExportLog.objects.count() == 0


def test_api_report_json_for_staff(api_client, staff, meeting):
    api_client.force_authenticate(staff)

    response = api_client.get(f"/api/sessions/{meeting.session.pk}/report/")

    assert response.status_code == 200
    body = response.json()
    assert {"totals", "per_citizen", "per_politician", "timeline"} <= set(body)
    assert {
        key: body["totals"][key]
        for key in (
            "citizen_comments",
            "citizens",
            "politician_comments",
            "politicians",
            "questions",
            "answered_questions",
            "votes",
        )
    } == {
        "citizen_comments": 152,
        "citizens": 44,
        "politician_comments": 169,
        "politicians": 15,
        "questions": 44,
        "answered_questions": 30,
        "votes": 60,
    }
    log = ExportLog.objects.get()
    assert (log.user, log.session, log.format, log.source) == (
        staff,
        meeting.session,
        "json",
        "api",
    )


def test_api_report_as_csv_and_xlsx(api_client, staff, meeting):
    api_client.force_authenticate(staff)
    url = f"/api/sessions/{meeting.session.pk}/report/"

    csv_response = api_client.get(url, {"format": "csv"})
    xlsx_response = api_client.get(url, {"format": "xlsx", "pseudonymise": "1"})

    assert csv_response.status_code == 200
    assert csv_response["Content-Disposition"].startswith("attachment;")
    assert "Comments by citizens,152,citizen_comments" in csv_response.content.decode("utf-8-sig")
    assert xlsx_response.status_code == 200
    assert xlsx_response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_response.content))
    assert workbook.sheetnames == ["Totals", "Citizens", "Politicians", "Timeline", "Polls"]
    assert list(ExportLog.objects.order_by("id").values_list("format", "pseudonymised")) == [
        ("csv", False),
        ("xlsx", True),
    ]


def test_api_report_refuses_anonymous_and_citizens(api_client, citizen, meeting):
    url = f"/api/sessions/{meeting.session.pk}/report/"

    anonymous = api_client.get(url)
    api_client.force_authenticate(citizen)
    as_citizen = api_client.get(url, {"format": "csv"})

    assert anonymous.status_code == 401
    assert as_citizen.status_code == 403
    assert as_citizen.json() == {"detail": "Only staff can do that."}
    assert ExportLog.objects.count() == 0


def test_api_report_bad_format_and_unknown_session(api_client, staff, meeting):
    api_client.force_authenticate(staff)

    bad = api_client.get(f"/api/sessions/{meeting.session.pk}/report/", {"format": "pdf"})
    missing = api_client.get("/api/sessions/999/report/")

    assert bad.status_code == 400
    assert bad.json() == {
        "detail": "Unknown format pdf: choose json, csv or xlsx.",
        "code": "bad_format",
    }
    assert missing.status_code == 404
    assert ExportLog.objects.count() == 0


def test_api_report_json_has_the_documented_fields(api_client, staff, meeting):
    api_client.force_authenticate(staff)

    body = api_client.get(f"/api/sessions/{meeting.session.pk}/report/").json()

    assert set(body) == set(SessionReportOutput().fields)
    assert set(body["session"]) == set(ReportSessionOutput().fields)
    assert set(body["totals"]) == set(ReportTotalsOutput().fields)
    assert set(body["per_citizen"][0]) == set(ReportCitizenOutput().fields)
    assert set(body["per_politician"][0]) == set(ReportPoliticianOutput().fields)
    assert set(body["timeline"][0]) == set(ReportMinuteOutput().fields)


def test_api_report_refuses_an_unknown_pseudonymise_value(api_client, staff, meeting):
    api_client.force_authenticate(staff)
    url = f"/api/sessions/{meeting.session.pk}/report/"

    maybe = api_client.get(url, {"format": "csv", "pseudonymise": "maybe"})
    twice = api_client.get(f"{url}?format=csv&format=xlsx")
    huge = api_client.get(f"/api/sessions/{2**64}/report/")

    assert (maybe.status_code, maybe["Content-Type"]) == (400, "application/json")
    assert maybe.json() == {
        "pseudonymise": ['"maybe" is not a valid choice.'],
    }
    assert (twice.status_code, twice.json()) == (400, {"format": ["Give this parameter once."]})
    assert huge.status_code == 404
    assert ExportLog.objects.count() == 0


def test_session_page_links_to_the_report_for_staff_only(client, staff, citizen, meeting):
    link = f'href="/sessions/{meeting.session.pk}/report/"'

    client.force_login(citizen)
    as_citizen = client.get(f"/sessions/{meeting.session.pk}/").content.decode()
    client.force_login(staff)
    as_staff = client.get(f"/sessions/{meeting.session.pk}/").content.decode()

    assert link not in as_citizen
    assert link in as_staff


def test_municipality_overview_page(client, staff, meeting):
    client.force_login(staff)

    response = client.get("/municipalities/faaborg-midtfyn/report/")

    assert response.status_code == 200
    html = response.content.decode()
    months = html.split('data-table="months"')[1].split("</table>")[0]
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", months)).split("Politicians")[1].split() == [
        "2026-11",
        "1",
        "152",
        "44",
        "44",
        "169",
        "15",
    ]
    assert f'href="/sessions/{meeting.session.pk}/report/"' in html
    assert escape("Digitalt borgermøde om budgettet") in html


def test_municipality_overview_download_is_logged(client, staff, meeting):
    client.force_login(staff)

    response = client.get("/municipalities/faaborg-midtfyn/report/download/", {"format": "xlsx"})

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Months", "Sessions"]
    log = ExportLog.objects.get()
    assert (log.user, log.session, log.municipality.slug, log.format) == (
        staff,
        None,
        "faaborg-midtfyn",
        "xlsx",
    )


def test_report_page_in_danish(client, staff, meeting):
    client.force_login(staff)

    response = client.get(f"/sessions/{meeting.session.pk}/report/", HTTP_ACCEPT_LANGUAGE="da")

    text = page_text(response)
    assert "152 kommentarer fra 44 borgere" in text
    assert "169 kommentarer fra 15 politikere" in text
    assert "30 af 44 spørgsmål besvaret (68 %)" in text


def test_export_log_is_read_only_in_the_admin(client, meeting):
    from tests.factories import UserFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    client.get(f"/sessions/{meeting.session.pk}/report/download/", {"format": "csv"})

    listing = client.get("/admin/townhall_sessions/exportlog/")
    add = client.get("/admin/townhall_sessions/exportlog/add/")

    assert listing.status_code == 200
    assert "Digitalt borgermøde om budgettet" in listing.content.decode()
    assert add.status_code == 403
    assert ExportLog.objects.count() == 1


def test_api_report_with_a_staff_token(api_client, staff, meeting):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(staff)}")

    response = api_client.get(f"/api/sessions/{meeting.session.pk}/report/?format=json")

    assert response.status_code == 200
    assert response.json()["totals"]["citizens"] == 44


def test_chart_draws_the_session_and_tells_of_comments_outside_it(client, staff):
    from datetime import UTC, datetime, timedelta

    from tests.factories import PostFactory, ReplyFactory

    start = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    session = SessionFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    question = PostFactory(session=session, created_at=start - timedelta(minutes=5))
    ReplyFactory(parent=question, created_at=start + timedelta(days=2))
    client.force_login(staff)

    response = client.get(f"/sessions/{session.pk}/report/")

    html = response.content.decode()
    points = html.split('<polyline class="series citizens" points="')[1].split('"')[0]
    assert len(points.split()) == 60
    assert "60 minutes; the table below lists every minute." in html
    assert (
        "Comments outside the session's minutes, not drawn but listed in the table: "
        "1 before the start, 1 after the end." in page_text(response)
    )
