"""A session report (reports.session_report) as files: CSV, XLSX, JSON.

The same four tables everywhere: totals, citizens, politicians, timeline. Headers are translated
for the reader; the totals table also carries each figure's JSON key, so a file and the API can be
matched line by line.

Spreadsheet safety: a text cell that starts with = + - @ (or a tab or carriage return, which
some spreadsheets strip before looking) gets a leading apostrophe, in CSV and XLSX alike, so a
citizen's name can never run as a formula. XLSX is also written with strings_to_formulas off.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

FORMATS = ("json", "csv", "xlsx")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# How a page's query string or the API says yes or no to pseudonyms in a report.
TRUE_VALUES = ("1", "true", "yes", "on")
FALSE_VALUES = ("0", "false", "no", "off")

Cell = str | int | float | bool | None


def wants_pseudonyms(value: str | None) -> bool:
    """Whether a request's `pseudonymise` value asks for pseudonyms (absent means no)."""
    return (value or "").lower() in TRUE_VALUES


def neutralise(value: Cell) -> Cell:
    """A text that a spreadsheet would read as a formula, made plain text. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Table:
    name: str
    headers: list[str]
    widths: list[int]
    rows: list[list[Cell]]


def total_labels() -> dict[str, str]:
    """What each figure in ``totals`` means, in the reader's language."""
    return {
        "citizen_comments": _("Comments by citizens"),
        "citizens": _("Citizens who commented"),
        "politician_comments": _("Comments by politicians"),
        "politicians": _("Politicians who commented"),
        "comments": _("Comments in all"),
        "questions": _("Questions"),
        "citizen_questions": _("Questions from citizens"),
        "replies": _("Replies"),
        "answered_questions": _("Questions marked answered"),
        "answer_rate": _("Answer rate"),
        "questions_answered_live": _("Questions answered during the session"),
        "questions_answered_afterwards": _("Questions answered afterwards"),
        "questions_not_answered": _("Questions not answered"),
        "questions_online": _("Questions asked online"),
        "questions_room": _("Questions asked in the room"),
        "questions_phone": _("Questions asked by phone"),
        "questions_with_politician_reply": _("Questions with a politician's reply"),
        "questions_on_air": _("Questions that were on air"),
        "median_first_answer_seconds": _("Median time to a politician's first reply (seconds)"),
        "votes": _("Votes"),
        "citizen_replies_to_citizens": _("Citizens' replies to other citizens' questions"),
        "first_time_citizens": _("Citizens taking part for the first time"),
        "returning_citizens": _("Citizens who took part before"),
        "top_citizens": _("Most active tenth of citizens (number)"),
        "top_citizens_comment_share": _("Share of citizen comments by the most active tenth"),
        "comments_before_start": _("Comments written before the start"),
        "comments_after_end": _("Comments written after the end"),
        "removed_comments": _("Removed posts (hidden or rejected, not counted above)"),
        "pending_comments": _("Posts awaiting approval (not counted above)"),
    }


def report_tables(report: dict[str, Any]) -> list[Table]:
    labels = total_labels()
    yes, no = _("yes"), _("no")
    return [
        Table(
            _("Totals"),
            [_("Figure"), _("Value"), _("Key")],
            [60, 14, 34],
            [[labels.get(key, key), value, key] for key, value in report["totals"].items()],
        ),
        Table(
            _("Citizens"),
            [
                _("Name"),
                _("Comments"),
                _("Questions"),
                _("Replies"),
                _("Replies to citizens"),
                _("Votes received"),
                _("Took part before"),
            ],
            [32, 12, 12, 12, 20, 16, 18],
            [
                [
                    row["name"],
                    row["comments"],
                    row["questions"],
                    row["replies"],
                    row["replies_to_citizens"],
                    row["votes_received"],
                    yes if row["returning"] else no,
                ]
                for row in report["per_citizen"]
            ],
        ),
        Table(
            _("Politicians"),
            [
                _("Name"),
                _("Party"),
                _("Role"),
                _("Comments"),
                _("Questions answered"),
                _("Median response time (seconds)"),
            ],
            [32, 24, 20, 12, 20, 32],
            [
                [
                    row["name"],
                    row["party"],
                    row["role"],
                    row["comments"],
                    row["questions_answered"],
                    row["median_response_seconds"],
                ]
                for row in report["per_politician"]
            ],
        ),
        Table(
            _("Timeline"),
            [_("Minute (UTC)"), _("Minutes from start"), _("Citizens"), _("Politicians")],
            [28, 20, 12, 12],
            [
                [row["minute"], row["offset"], row["citizens"], row["politicians"]]
                for row in report["timeline"]
            ],
        ),
        Table(
            _("Polls"),
            [
                _("Poll"),
                _("Kind"),
                _("Status"),
                _("Voters"),
                _("Signed-in viewers when closed"),
                _("Turnout"),
                _("Answer"),
                _("Count"),
                _("Share"),
            ],
            [40, 12, 10, 10, 28, 10, 30, 10, 10],
            [
                [
                    poll["question"],
                    poll["kind"],
                    poll["status"],
                    poll["voters"],
                    poll["signed_in_viewers"],
                    poll["turnout"],
                    answer["answer"],
                    answer["count"],
                    round(answer["count"] / poll["voters"], 4) if poll["voters"] else None,
                ]
                for poll in report.get("polls", [])
                for answer in poll["answers"]
            ],
        ),
    ]


def overview_tables(overview: dict[str, Any]) -> list[Table]:
    return [
        Table(
            _("Months"),
            [
                _("Month"),
                _("Sessions"),
                _("Comments by citizens"),
                _("Citizens"),
                _("New citizens"),
                _("Comments by politicians"),
                _("Politicians"),
            ],
            [12, 12, 22, 12, 14, 24, 12],
            [
                [
                    row["month"],
                    row["sessions"],
                    row["citizen_comments"],
                    row["citizens"],
                    row["new_citizens"],
                    row["politician_comments"],
                    row["politicians"],
                ]
                for row in overview["months"]
            ],
        ),
        Table(
            _("Sessions"),
            [
                _("Session"),
                _("Starts"),
                _("Comments by citizens"),
                _("Citizens"),
                _("Comments by politicians"),
                _("Politicians"),
            ],
            [40, 28, 22, 12, 24, 12],
            [
                [
                    row["title"],
                    row["starts_at"],
                    row["citizen_comments"],
                    row["citizens"],
                    row["politician_comments"],
                    row["politicians"],
                ]
                for row in overview["sessions"]
            ],
        ),
    ]


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def to_csv(tables: Sequence[Table]) -> str:
    """One CSV file, table after table: the table's name on a line, its header, its rows, and
    an empty line between tables."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([neutralise(table.name)])
        writer.writerow([neutralise(header) for header in table.headers])
        writer.writerows(_plain_rows(table.rows))
    return out.getvalue()


def _plain_rows(rows: Iterable[list[Cell]]) -> Iterable[list[Cell]]:
    for row in rows:
        yield ["" if cell is None else neutralise(cell) for cell in row]


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with a sheet per table: bold header row, frozen, columns sized.

    constant_memory streams rows to temporary files instead of holding the sheet in memory;
    strings_to_formulas, _to_numbers and _to_urls off write every text as plain text.
    """
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    for table in tables:
        # Sheet names: at most 31 characters, none of []:*?/\
        sheet = workbook.add_worksheet(_sheet_name(table.name))
        for column, width in enumerate(table.widths):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        for column, header in enumerate(table.headers):
            sheet.write_string(0, column, str(neutralise(header)), bold)
        for row_number, row in enumerate(table.rows, start=1):
            for column, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, str):
                    sheet.write_string(row_number, column, str(neutralise(cell)))
                elif isinstance(cell, bool):
                    sheet.write_boolean(row_number, column, cell)
                else:
                    sheet.write_number(row_number, column, cell)
    workbook.close()
    return out.getvalue()


def _sheet_name(name: str) -> str:
    return "".join(c for c in name if c not in "[]:*?/\\")[:31]


def render(report: dict[str, Any], format: str, tables: Sequence[Table]) -> bytes:
    """The report in one of FORMATS, as bytes to send or write. CSV starts with a byte-order
    mark, so that Excel reads the Danish letters as UTF-8."""
    if format == "json":
        return to_json(report).encode()
    if format == "csv":
        return ("\ufeff" + to_csv(tables)).encode()
    if format == "xlsx":
        return to_xlsx(tables)
    raise ValueError(format)
