"""Downloadable templates: the header row, one example row, and (in the workbook) a second
sheet "Koder" listing every valid code and name; the CSV lists the codes after a blank line
would break the import, so it holds the header and the example only (codes: the XLSX).
No cell of the workbook is ever a formula (names are written as text)."""

from __future__ import annotations

import csv
import io
from typing import Any

from events.history_import import ImportKind
from events.taxonomy import Operation, Taxonomy
from tracker.history_import.reading import COLUMNS


def example_row(kind: ImportKind, units: list[tuple[str, str]]) -> list[str]:
    if kind is ImportKind.COUNTS:
        return ["2017", "1", "IFO", "handlaggning", "forhandsbedomning", "5", "1"]
    unit = units[0][0] if units else "utredning"
    return ["2017-01-16", "2017-01-12", unit, "handlaggning", "forhandsbedomning",
            "Förhandsbedömningen blev inte klar inom 14 dagar.", "avslutad", "nej",
            "IFO 2017-123"]


def code_rows(taxonomy: Taxonomy, units: list[tuple[str, str]]) -> list[list[str]]:
    rows = [["kolumn", "kod", "namn"]]
    for operation in Operation:
        rows.append(["verksamhet", operation.value, operation.label])
    for code, category in taxonomy.categories.items():
        if not category.active:
            continue
        rows.append(["kvalitetsområde", code, category.name])
        for sub_code, sub_name in category.subcategories.items():
            rows.append([f"underkategori ({code})", sub_code, sub_name])
    for code, name in units:
        rows.append(["enhet", code, name])
    rows += [["status", "avslutad", "Avslutad"], ["status", "öppen", "Öppen"],
             ["lex_sarah", "ja", "Ledde till Lex Sarah-utredning"], ["lex_sarah", "nej", ""],
             ["månad", "1–12", "tom: helårssiffra"]]
    return rows


def header(kind: ImportKind) -> list[str]:
    return [name for name, _ in COLUMNS[kind]]


def template_csv(kind: ImportKind, units: list[tuple[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header(kind))
    writer.writerow(example_row(kind, units))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _append(sheet: Any, values: list[Any]) -> None:
    """A row whose text stays text: openpyxl's own append makes a string that starts with
    '=' a formula, and unit and category names are the admin's free text."""
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet["A1"].value is not None else 1
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = "s"


def template_xlsx(kind: ImportKind, taxonomy: Taxonomy, units: list[tuple[str, str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Antal" if kind is ImportKind.COUNTS else "Avvikelser"
    _append(sheet, header(kind))
    example = example_row(kind, units)
    numeric = {"år", "månad", "antal", "varav_lex_sarah"}
    _append(sheet, [
        int(value) if name in numeric and value.isdigit() else value
        for name, value in zip(header(kind), example, strict=True)
    ])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"  # the header stays in sight, as in every Excel download
    for index, name in enumerate(header(kind)):
        sheet.column_dimensions[chr(65 + index)].width = max(14, len(name) + 4)
    codes = book.create_sheet("Koder")
    for row in code_rows(taxonomy, units):
        _append(codes, row)
    for cell in codes[1]:
        cell.font = Font(bold=True)
    codes.freeze_panes = "A2"
    codes.column_dimensions["A"].width = 28
    codes.column_dimensions["B"].width = 22
    codes.column_dimensions["C"].width = 44
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
