"""From the uploaded bytes to a table of cells with their spreadsheet row numbers.

.xlsx (as saved by Excel or LibreOffice) through openpyxl, reading the values the program
cached for formulas; a formula without a cached value (a file written by a program that does
not calculate) is reported by its cell. .csv the Swedish Excel way: `;` between fields
(`,` if the header has no `;`), UTF-8 with or without BOM, or Windows-1252."""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from events.history_import import ImportKind

# The columns of each kind, in template order; the required ones first.
COLUMNS: dict[ImportKind, tuple[tuple[str, bool], ...]] = {
    ImportKind.COUNTS: (
        ("år", True),
        ("månad", False),
        ("verksamhet", False),
        ("kvalitetsområde", False),
        ("underkategori", False),
        ("antal", True),
        ("varav_lex_sarah", False),
    ),
    ImportKind.ROWS: (
        ("rapporterad", True),
        ("inträffad", True),
        ("enhet", True),
        ("kvalitetsområde", True),
        ("underkategori", False),
        ("beskrivning", False),
        ("status", True),
        ("lex_sarah", False),
        ("diarienummer", False),
    ),
}


def fold(text: str) -> str:
    """Lower case without diacritics or surrounding space: 'Månad ' -> 'manad'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _header_key(text: str) -> str:
    return fold(text).replace(" ", "_").replace("-", "_")


@dataclass
class Cell:
    value: Any
    ref: str | None = None  # "F3" in a workbook
    formula_without_value: bool = False


@dataclass
class Table:
    columns: dict[str, str] = field(default_factory=dict)  # our column name -> letter/number
    rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # row, column, reason


def is_xlsx(data: bytes, file_name: str) -> bool:
    return file_name.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _build(kind: ImportKind, grid: list[tuple[int, list[Cell]]], table: Table) -> Table:
    if not grid:
        table.problems.append((1, "", "Filen är tom: rubrikraden saknas."))
        return table
    header_row, header = grid[0]
    wanted = {_header_key(name): name for name, _ in COLUMNS[kind]}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _header_key(str(cell.value or ""))
        if key in wanted and wanted[key] not in positions:
            positions[wanted[key]] = index
            table.columns[wanted[key]] = _letter(index)
    for name, required in COLUMNS[kind]:
        if required and name not in positions:
            table.problems.append((header_row, name, "Kolumnen saknas i rubrikraden."))
    if table.problems:
        return table
    for number, cells in grid[1:]:
        row = {
            name: cells[index] if index < len(cells) else Cell(None)
            for name, index in positions.items()
        }
        if all(_blank(cell.value) and not cell.formula_without_value for cell in row.values()):
            continue
        table.rows.append((number, row))
    return table


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_xlsx(data: bytes) -> list[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook

    values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # The formulas are read (a second pass) only when the workbook has any.
    formulas = (
        load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        if _has_formulas(data) else None
    )
    try:
        sheet = values.worksheets[0]
        written_rows = (
            formulas.worksheets[0].iter_rows(values_only=True) if formulas is not None
            else iter(())
        )
        grid: list[tuple[int, list[Cell]]] = []
        pairs = itertools.zip_longest(sheet.iter_rows(values_only=True), written_rows,
                                      fillvalue=())
        for number, (cached, written) in enumerate(pairs, start=1):
            cells = []
            for index, value in enumerate(cached or ()):
                source = written[index] if index < len(written) else None
                is_formula = isinstance(source, str) and source.startswith("=")
                cells.append(Cell(
                    value, f"{_letter(index)}{number}",
                    formula_without_value=is_formula and _blank(value),
                ))
            grid.append((number, cells))
        return grid
    finally:
        values.close()
        if formulas is not None:
            formulas.close()


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(
            b"<f>" in archive.read(name) or b"<f " in archive.read(name)
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes) -> list[tuple[int, list[Cell]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line or "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [
        (reader.line_num, [Cell(value) for value in fields]) for fields in reader
    ]


def read_table(kind: ImportKind, data: bytes, file_name: str) -> Table:
    table = Table()
    if is_xlsx(data, file_name):
        try:
            grid = _read_xlsx(data)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            table.problems.append((1, "", "Filen går inte att läsa som en Excel-fil (.xlsx)."))
            return table
    else:
        try:
            grid = _read_csv(data)
        except csv.Error as error:
            table.problems.append((1, "", f"Filen går inte att läsa som CSV: {error}."))
            return table
    return _build(kind, grid, table)
