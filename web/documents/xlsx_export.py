"""Excel downloads (XlsxWriter) beside every CSV: one sheet per table, a bold frozen header
row, numbers stored as numbers, dates as dates, columns wide enough for their text, Swedish
headings. Text is always written as text, so a cell that starts with = never becomes a
formula (the CSV's formula guard, by construction). An empty value is an empty cell, not
an empty string. Printed: A4, as wide as the page (landscape when the columns are wider
than a portrait page), the header row on every page, the sheet's name and "Sida 1(2)"."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import xlsxwriter
from flask import Response, request
from flask_login import current_user

from web.display import STOCKHOLM
from web.documents.csv_export import content_disposition, csv_response

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
MAX_WIDTH = 60
# Column widths (Excel's character units) that fit across an A4 page in portrait, with
# Excel's default margins; wider sheets print in landscape.
PORTRAIT_WIDTH = 90
A4 = 9  # Excel's paper code


@dataclass(frozen=True)
class Sheet:
    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


def _sheet_name(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique (case-insensitive)."""
    base = _SHEET_NAME_BAD.sub("-", name).strip("'")[:31] or "Blad"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _local(moment: datetime) -> datetime:
    """Excel has no time zones: Stockholm wall time, as the pages show it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(STOCKHOLM)
    return moment.replace(tzinfo=None)


def _print_setup(worksheet: Any, widths: Sequence[float]) -> None:
    worksheet.set_paper(A4)
    if sum(widths) > PORTRAIT_WIDTH:
        worksheet.set_landscape()
    worksheet.fit_to_pages(1, 0)  # as wide as the page, as many pages down as it takes
    worksheet.repeat_rows(0)
    worksheet.hide_gridlines(0)  # the cells' lines on paper too: a table, not loose text
    worksheet.set_header("&L&A&RSida &P(&N)")


def render_xlsx(sheets: Iterable[Sheet], *, title: str = "", author: str = "") -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    workbook.set_properties({"title": title, "author": author, "language": "sv-SE"})
    bold = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    taken: set[str] = set()
    for sheet in sheets:
        worksheet = workbook.add_worksheet(_sheet_name(sheet.name, taken))
        widths = [len(str(name)) for name in sheet.header]
        for column, name in enumerate(sheet.header):
            worksheet.write_string(0, column, str(name), bold)
        for row_index, row in enumerate(sheet.rows, start=1):
            for column, value in enumerate(row):
                if value is None or value == "":
                    pass  # nothing written: an empty cell
                elif isinstance(value, bool):
                    worksheet.write_string(row_index, column, _shown(value))
                elif isinstance(value, int | float):
                    worksheet.write_number(row_index, column, value)
                elif isinstance(value, datetime | date):
                    shown = _local(value) if isinstance(value, datetime) else value
                    worksheet.write_datetime(row_index, column, shown, day)
                else:
                    if isinstance(value, Enum):
                        value = value.value
                    if isinstance(value, UUID):
                        value = str(value)
                    worksheet.write_string(row_index, column, str(value))
                if column < len(widths):
                    widths[column] = max(widths[column], len(_shown(value)))
                else:
                    widths.append(len(_shown(value)))
        column_widths = [min(MAX_WIDTH, max(6, width + 2)) for width in widths]
        for column, width in enumerate(column_widths):
            worksheet.set_column(column, column, width)
        worksheet.freeze_panes(1, 0)
        _print_setup(worksheet, column_widths)
    workbook.close()
    return buffer.getvalue()


def _reader() -> str:
    """Who downloads the workbook: its author property."""
    return str(current_user.username) if current_user.is_authenticated else ""


def xlsx_response(filename: str, sheets: Iterable[Sheet], *, title: str = "") -> Response:
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    body = render_xlsx(sheets, title=title or filename.removesuffix(".xlsx"), author=_reader())
    response = Response(body, mimetype=MIMETYPE)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"  # secrecy (OSL)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def table_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, sheet: str = "",
    note: str | None = None, extra: Sequence[Sheet] = (),
) -> Response:
    """The same table as CSV or, when the route asked for .xlsx, as a workbook; `note` (a
    footnote, e.g. which months come from imported data) below it after an empty row.
    `extra` tables follow in the workbook as sheets of their own (a CSV holds one table:
    they have downloads of their own)."""
    if note:
        rows = [*rows, (), (note,)]
    if request.path.endswith(".xlsx"):
        return xlsx_response(filename, [Sheet(sheet or filename, header, list(rows)), *extra])
    return csv_response(filename, header, rows)
