"""Every Excel file the tracker writes prints as a table: A4, as wide as the page (landscape
when its columns are wider than a portrait page), the header row on every printed page, the
sheet's name and "Sida 1(2)" in the header; an empty value is an empty cell, never a text
cell holding nothing; the workbook names its title and who downloaded it."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import openpyxl
from flask import Flask

from tracker.runtime import Runtime
from web.documents.xlsx_export import PORTRAIT_WIDTH, Sheet, render_xlsx


def _excel_downloads(app: Flask, year: int, month: int) -> list[str]:
    """Every .xlsx address of the URL map (an `any(csv, xlsx)` part as xlsx), with this year
    and month where it takes them."""
    adapter = app.url_map.bind("localhost")
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        values: dict[str, Any] = {}
        for name in rule.arguments:
            options = sorted(getattr(rule._converters[name], "items", ()))
            values[name] = ("xlsx" if "xlsx" in options else None) if options else \
                {"year": year, "month": month}.get(name)
        if None in values.values():
            continue
        path = adapter.build(rule.endpoint, values)
        if path.endswith(".xlsx"):
            found.add(path)
    return sorted(found)


def _orientations(sheet: Any) -> set[str]:
    """What the columns' widths call for. A stored width carries Excel's padding (under one
    character per column), so near the limit either is right."""
    dimensions = sheet.column_dimensions.values()
    stored = sum(d.width * (d.max - d.min + 1) for d in dimensions)
    columns = sum(d.max - d.min + 1 for d in dimensions)
    if stored > PORTRAIT_WIDTH + columns:
        return {"landscape"}
    return {"portrait"} if stored <= PORTRAIT_WIDTH else {"portrait", "landscape"}


def _assert_prints_as_a_table(sheet: Any, where: str) -> None:
    setup = sheet.page_setup
    assert setup.paperSize == 9, where  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
    # one page wide (1 is the default, left out of the file), as many pages down as it takes
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), where
    assert (setup.orientation or "portrait") in _orientations(sheet), where
    assert sheet.print_title_rows == "$1:$1", where
    assert sheet.oddHeader.left.text == "&A", where  # the sheet's name
    assert sheet.oddHeader.right.text == "Sida &P(&N)", where
    empty = [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.value == ""]
    assert empty == [], where


def test_every_excel_download_prints_as_a_table_without_empty_text_cells(
    app: Flask, client_for: Callable[[str], Any], runtime: Runtime,
    lex_sarah_case: Callable[..., Any],
) -> None:
    application = runtime.app
    today = application.today()
    deviation = application.file_deviation(
        actor="rapportor", unit="utredning", category="personal", subcategory=None,
        occurred_on=today, description="Händelse.",
    )
    # an open measure (no completion date) and a Lex Sarah case not reported to IVO: rows
    # with empty values
    application.add_measure(deviation.id, actor="chef", description="Ny rutin.",
                            responsible="Enhetschefen", due_on=today + timedelta(days=14))
    lex_sarah_case()
    utvecklare, admin = client_for("utvecklare"), client_for("admin")
    downloads = _excel_downloads(app, today.year, today.month)
    assert len(downloads) >= 12
    orientations = set()
    for path in downloads:
        client, reader = (admin, "admin") if path.startswith("/admin/") else \
            (utvecklare, "utvecklare")
        response = client.get(path, query_string={"year": today.year})
        assert response.status_code == 200, path
        book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
        assert book.properties.creator == reader, path
        assert book.properties.title, path
        for sheet in book.worksheets:
            _assert_prints_as_a_table(sheet, f"{path} {sheet.title}")
            orientations.add(sheet.page_setup.orientation or "portrait")
    assert orientations == {"portrait", "landscape"}


def test_a_sheet_wider_than_a_portrait_page_prints_in_landscape() -> None:
    narrow = Sheet("Smal", ["Kvalitetsområde", "Antal"], [["Samverkan", 3]])
    wide = Sheet("Bred", [f"Kolumn {n}" for n in range(12)], [["x" * 10] * 12])
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx([narrow, wide], title="Prov")))
    assert [s.page_setup.orientation or "portrait" for s in book.worksheets] \
        == ["portrait", "landscape"]
    for sheet in book.worksheets:
        _assert_prints_as_a_table(sheet, sheet.title)
    empty = Sheet("Tomt", ["Text", "Antal"], [["", None], [None, 0]])
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx([empty]))).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] \
        == [[None, None], [None, 0]]
