"""python manage.py session_report: the same figures on the command line, logged."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from sessions.models import ExportLog

from .faaborg import build_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    return build_meeting()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("session_report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_on_stdout_by_default(meeting, api_client, staff):
    printed = json.loads(run(str(meeting.session.pk)))

    assert printed["totals"]["citizen_comments"] == 152
    assert printed["totals"]["citizens"] == 44
    assert printed["totals"]["politician_comments"] == 169
    assert printed["totals"]["politicians"] == 15
    api_client.force_authenticate(staff)
    from_api = api_client.get(f"/api/sessions/{meeting.session.pk}/report/").json()
    for key in ("totals", "per_citizen", "per_politician", "timeline"):
        assert printed[key] == from_api[key]


def test_csv_on_stdout(meeting):
    printed = run(str(meeting.session.pk), "--format", "csv")

    rows = list(csv.reader(io.StringIO(printed)))
    assert rows[0] == ["Totals"]
    assert rows[2] == ["Comments by citizens", "152", "citizen_comments"]
    assert rows[3] == ["Citizens who commented", "44", "citizens"]
    assert rows[4] == ["Comments by politicians", "169", "politician_comments"]
    assert rows[5] == ["Politicians who commented", "15", "politicians"]
    assert not printed.startswith("\ufeff")


def test_xlsx_to_a_file(meeting, tmp_path):
    target = tmp_path / "faaborg.xlsx"

    run(str(meeting.session.pk), "--format", "xlsx", "--output", str(target))

    workbook = openpyxl.load_workbook(target)
    totals = {row[2]: row[1] for row in workbook["Totals"].iter_rows(min_row=2, values_only=True)}
    assert totals["citizen_comments"] == 152
    assert totals["citizens"] == 44
    assert totals["politician_comments"] == 169
    assert totals["politicians"] == 15


def test_xlsx_needs_an_output_file(meeting):
    with pytest.raises(CommandError, match="give --output FILE"):
        run(str(meeting.session.pk), "--format", "xlsx")

    assert ExportLog.objects.count() == 0


def test_unknown_session(db):
    with pytest.raises(CommandError, match="No session with id 999"):
        run("999")


def test_pseudonymise(meeting):
    printed = run(str(meeting.session.pk), "--pseudonymise")

    assert "Hansen" not in printed
    assert json.loads(printed)["pseudonymised"] is True
    assert ExportLog.objects.get().pseudonymised is True


def test_every_run_is_logged_with_the_named_staff_member(meeting, staff):
    run(str(meeting.session.pk), "--format", "csv", "--user", "editor")
    run(str(meeting.session.pk))

    logs = list(ExportLog.objects.order_by("id").values_list("user__username", "format", "source"))
    assert logs == [("editor", "csv", "command"), (None, "json", "command")]
    assert set(ExportLog.objects.values_list("session_id", flat=True)) == {meeting.session.pk}
    assert set(ExportLog.objects.values_list("municipality__slug", flat=True)) == {
        "faaborg-midtfyn"
    }


def test_a_named_user_must_be_staff(meeting, citizen):
    with pytest.raises(CommandError, match=r"Only staff can do that\."):
        run(str(meeting.session.pk), "--user", "anna")

    assert ExportLog.objects.count() == 0


def test_json_csv_xlsx_and_the_command_agree_on_the_faaborg_meeting(
    meeting, api_client, staff, tmp_path
):
    """ "152 comments from 44 citizens; the 15 politicians wrote 169", whichever way staff ask."""
    keys = ("citizen_comments", "citizens", "politician_comments", "politicians")
    url = f"/api/sessions/{meeting.session.pk}/report/"
    api_client.force_authenticate(staff)

    from_json = api_client.get(url).json()["totals"]
    csv_text = api_client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    # The totals are the CSV's only three-column table: label, value, key.
    from_csv = {row[2]: row[1] for row in csv.reader(io.StringIO(csv_text)) if len(row) == 3}
    workbook = openpyxl.load_workbook(io.BytesIO(api_client.get(url, {"format": "xlsx"}).content))
    from_xlsx = {row[2]: row[1] for row in workbook["Totals"].iter_rows(values_only=True)}
    from_command = json.loads(run(str(meeting.session.pk)))["totals"]
    run(str(meeting.session.pk), "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"))
    command_sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["Totals"]
    from_command_xlsx = {row[2]: row[1] for row in command_sheet.iter_rows(values_only=True)}

    expected = (152, 44, 169, 15)
    for figures in (from_json, from_xlsx, from_command, from_command_xlsx):
        assert tuple(figures[key] for key in keys) == expected
    assert tuple(from_csv[key] for key in keys) == ("152", "44", "169", "15")
    assert ExportLog.objects.count() == 5
