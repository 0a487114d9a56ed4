"""CSV downloads: Excel-friendly (BOM, semicolon) and safe against formula injection."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import unquote

from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from web.documents.csv_export import (
    FORMULA_PREFIXES,
    ascii_filename,
    csv_response,
    neutralise,
    render_csv,
)


def _read(document: str) -> list[list[str]]:
    assert document.startswith("\ufeff")
    return list(csv.reader(io.StringIO(document[1:], newline=""), delimiter=";"))


def test_formula_cells_are_neutralised() -> None:
    rows = [["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok"]]
    [_, cells] = _read(render_csv(["a"] * 7, rows))
    assert cells == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "ok"]


def test_numbers_dates_booleans_and_none() -> None:
    [_, cells] = _read(render_csv(["a"] * 5, [[3, -1, date(2026, 1, 31), True, None]]))
    # a real negative number is a number, not text that looks like a formula
    assert cells == ["3", "-1", "2026-01-31", "ja", ""]


def test_separator_quotes_and_newlines_survive_a_round_trip() -> None:
    text = 'Brister; "sekretess"\nrad två'
    [header, cells] = _read(render_csv(["Kvalitetsområde", "Antal"], [[text, 4]]))
    assert header == ["Kvalitetsområde", "Antal"]
    assert cells == [text, "4"]


def test_uses_semicolons_and_crlf() -> None:
    document = render_csv(["a", "b"], [["1", "2"]])
    assert document == "\ufeffa;b\r\n1;2\r\n"


@given(st.text())
def test_any_text_reads_back_and_never_starts_as_a_formula(text: str) -> None:
    cell = neutralise(text)
    assert not cell.startswith(FORMULA_PREFIXES)
    assert cell == text or cell == "'" + text
    [_, cells] = _read(render_csv(["x"], [[text]]))
    # csv normalises lone CR inside quoted fields on some readers; compare what was written
    assert cells[0].replace("\r\n", "\n") == cell.replace("\r\n", "\n")


def test_response_is_a_download_with_a_swedish_filename() -> None:
    app = Flask(__name__)
    with app.test_request_context():
        response = csv_response("månadsrapport-2026-01", ["Antal"], [[1]])
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="manadsrapport-2026-01.csv"' in disposition
    utf8_name = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(utf8_name) == "månadsrapport-2026-01.csv"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig") == "Antal\r\n1\r\n"


def test_ascii_filename_folds_swedish_letters() -> None:
    assert ascii_filename("årstabell över ärenden.csv") == "arstabell-over-arenden.csv"
    assert ascii_filename("ÅÄÖ") == "AAO"
    assert ascii_filename("???") == "export.csv"
