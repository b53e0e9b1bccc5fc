"""sessions.exports: the report as CSV and XLSX, agreeing with the JSON, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from sessions import exports
from sessions.reports import session_report

from .faaborg import STARTS_AT, build_meeting
from .factories import PostFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    return build_meeting()


def csv_tables(content: bytes) -> dict[str, list[list[str]]]:
    """Split the sectioned CSV into its tables: name line, header, rows, blank line between."""
    tables: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        if not row:
            current = None
        elif current is None:
            current = tables.setdefault(row[0], [])
        else:
            current.append(row)
    return tables


def read_xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_faaborg_meeting_csv_agrees_with_the_json(meeting):
    report = session_report(meeting.session)

    tables = csv_tables(exports.render(report, "csv", exports.report_tables(report)))

    assert list(tables) == ["Totals", "Citizens", "Politicians", "Timeline", "Polls"]
    totals = {key: value for _label, value, key in tables["Totals"][1:]}
    assert totals["citizen_comments"] == "152"
    assert totals["citizens"] == "44"
    assert totals["politician_comments"] == "169"
    assert totals["politicians"] == "15"
    assert totals["removed_comments"] == "4"
    assert totals == {
        key: "" if value is None else str(value) for key, value in report["totals"].items()
    }
    assert tables["Citizens"][0] == [
        "Name",
        "Comments",
        "Questions",
        "Replies",
        "Replies to citizens",
        "Votes received",
        "Took part before",
    ]
    assert tables["Citizens"][1] == ["Borger 00 Hansen", "20", "1", "19", "18", "3", "no"]
    assert len(tables["Citizens"]) == 1 + 44
    assert sum(int(row[1]) for row in tables["Citizens"][1:]) == 152
    assert sum(int(row[3]) for row in tables["Politicians"][1:]) == 169
    assert len(tables["Timeline"]) == 1 + 90
    assert tables["Timeline"][1] == ["2026-11-26T18:00:00+00:00", "0", "1", "0"]


def test_faaborg_meeting_xlsx_agrees_with_the_json(meeting):
    report = session_report(meeting.session)

    workbook = read_xlsx(exports.render(report, "xlsx", exports.report_tables(report)))

    assert workbook.sheetnames == ["Totals", "Citizens", "Politicians", "Timeline", "Polls"]
    totals_sheet = workbook["Totals"]
    rows = list(totals_sheet.iter_rows(values_only=True))
    assert rows[0] == ("Figure", "Value", "Key")
    assert {key: value for _label, value, key in rows[1:]} == report["totals"]
    citizens = list(workbook["Citizens"].iter_rows(values_only=True))
    assert citizens[1] == ("Borger 00 Hansen", 20, 1, 19, 18, 3, "no")
    assert sum(row[1] for row in citizens[1:]) == 152
    politicians = list(workbook["Politicians"].iter_rows(values_only=True))
    assert politicians[0] == (
        "Name",
        "Party",
        "Role",
        "Comments",
        "Questions answered",
        "Median response time (seconds)",
    )
    assert sum(row[3] for row in politicians[1:]) == 169
    assert len(politicians) == 1 + 16
    assert politicians[-1] == ("Politiker 15", "Venstre", "Byrådsmedlem", 0, 0, None)
    timeline = list(workbook["Timeline"].iter_rows(values_only=True))
    assert sum(row[2] for row in timeline[1:]) == 152
    assert sum(row[3] for row in timeline[1:]) == 169


def test_xlsx_sheets_have_a_bold_frozen_header_and_set_column_widths(meeting):
    report = session_report(meeting.session)

    workbook = read_xlsx(exports.render(report, "xlsx", exports.report_tables(report)))

    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.b is True
    assert workbook["Totals"].column_dimensions["A"].width == pytest.approx(60, abs=1)
    assert workbook["Citizens"].column_dimensions["A"].width == pytest.approx(32, abs=1)


def test_formula_like_names_are_neutralised_in_csv_and_xlsx():
    session = SessionFactory()
    names = ['=HYPERLINK("http://evil")', "+45 12 34", "-1+1", "@SUM(A1)"]
    for name in names:
        PostFactory(
            session=session, author=UserFactory(first_name=name), created_at=session.starts_at
        )
    report = session_report(session)
    tables = exports.report_tables(report)

    csv_names = {row[0] for row in csv_tables(exports.render(report, "csv", tables))["Citizens"]}
    sheet = read_xlsx(exports.render(report, "xlsx", tables))["Citizens"]
    xlsx_cells = [row[0] for row in sheet.iter_rows(min_row=2)]

    assert csv_names - {"Name"} == {"'" + name for name in names}
    assert {cell.value for cell in xlsx_cells} == {"'" + name for name in names}
    assert {cell.data_type for cell in xlsx_cells} == {"s"}


def test_neutralise_leaves_numbers_and_plain_text_alone():
    assert exports.neutralise(-3) == -3
    assert exports.neutralise(0.5) == 0.5
    assert exports.neutralise("Anna") == "Anna"
    assert exports.neutralise("=1+1") == "'=1+1"
    assert exports.neutralise("\t=1") == "'\t=1"


def test_empty_session_exports_headers_and_zeros():
    session = SessionFactory(starts_at=STARTS_AT, ends_at=STARTS_AT + timedelta(hours=1))
    report = session_report(session)
    tables = exports.report_tables(report)

    csv_content = csv_tables(exports.render(report, "csv", tables))
    workbook = read_xlsx(exports.render(report, "xlsx", tables))

    assert csv_content["Citizens"] == [
        [
            "Name",
            "Comments",
            "Questions",
            "Replies",
            "Replies to citizens",
            "Votes received",
            "Took part before",
        ]
    ]
    assert workbook["Citizens"].max_row == 1
    assert workbook["Timeline"].max_row == 1 + 60
    assert {key: value for _label, value, key in csv_content["Totals"][1:]}["answer_rate"] == ""


def test_pseudonymised_exports_name_no_citizen_and_are_stable(meeting):
    def export(format: str) -> bytes:
        report = session_report(meeting.session, pseudonymise=True)
        return exports.render(report, format, exports.report_tables(report))

    first, second = export("csv"), export("csv")
    workbook = read_xlsx(export("xlsx"))
    xlsx_names = [row[0] for row in workbook["Citizens"].iter_rows(min_row=2, values_only=True)]

    assert b"Hansen" not in first
    assert csv_tables(first)["Citizens"] == csv_tables(second)["Citizens"]
    assert xlsx_names == [row[0] for row in csv_tables(first)["Citizens"][1:]]
    assert all(name.startswith("Citizen ") for name in xlsx_names)


def test_municipality_overview_as_csv(meeting):
    from sessions.reports import municipality_overview

    SessionFactory(
        municipality=meeting.session.municipality,
        title="=cmd",
        starts_at=meeting.session.starts_at + timedelta(days=1),
        ends_at=meeting.session.ends_at + timedelta(days=1),
    )
    overview = municipality_overview(meeting.session.municipality)

    tables = csv_tables(exports.render(overview, "csv", exports.overview_tables(overview)))

    assert tables["Months"][1] == ["2026-11", "2", "152", "44", "44", "169", "15"]
    assert [row[0] for row in tables["Sessions"][1:]] == [
        "'=cmd",
        "Digitalt borgermøde om budgettet",
    ]
