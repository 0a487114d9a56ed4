"""From the uploaded bytes to a table of cells with their spreadsheet row numbers.

.xlsx (as saved by Excel or LibreOffice) through openpyxl, reading the values the program
cached for formulas; a formula without a cached value (a file written by a program that does
not calculate) is reported by its cell. .csv the Swedish Excel way: `;` between fields
(`,` if the header has no `;`), UTF-8 with or without BOM, or Windows-1252."""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from events.history_import import ImportKind

log = logging.getLogger(__name__)

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


@dataclass(slots=True)
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


# The one size limit of an import file, on the page and in the API (the README states it).
MAX_IMPORT_BYTES = 16 * 1024 * 1024
MAX_IMPORT_MB = MAX_IMPORT_BYTES // (1024 * 1024)
TOO_LARGE = f"Filen är större än {MAX_IMPORT_MB} MB; dela upp den."
# A request carrying such a file: room for the multipart headers and the form's other fields;
# the page's confirm form carries the previewed file back as base64 (4 bytes per 3).
UPLOAD_REQUEST_BYTES = MAX_IMPORT_BYTES + 64 * 1024
CONFIRM_REQUEST_BYTES = (MAX_IMPORT_BYTES + 2) // 3 * 4 + 64 * 1024
# An upload's cost is bounded before anything is parsed: every member of the workbook's zip
# is judged by the sizes its directory declares (zipfile never inflates a member past its
# declared size), and read only in chunks.
MAX_ARCHIVE_MEMBERS = 1000
MAX_SHEET_BYTES = 50 * 1024 * 1024  # a worksheet, inflated (openpyxl streams it)
MAX_PART_BYTES = 10 * 1024 * 1024  # any other member (openpyxl reads those whole)
MAX_INFLATED_BYTES = 100 * 1024 * 1024  # all members together
MAX_COMPRESSION_RATIO = 100  # inflated / compressed, for members above RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1024 * 1024
MAX_ROWS = 100_000
MAX_CELLS = 1_000_000  # cells kept from a workbook's first sheet (its grid is held whole)
_CHUNK = 1024 * 1024
_MB = 1024 * 1024
# A DTD is where entities (billion laughs, external files) are declared: no spreadsheet
# program writes one, so any part with one is refused, whatever the XML parser would do.
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_XML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*<")


class Unreadable(Exception):
    """The workbook is refused before it is parsed; the message (Swedish) says why."""


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _members_declared(data: bytes) -> int | None:
    """The number of members the zip's end record declares (None: no end record found),
    read before zipfile builds an object for every one of them."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    return int.from_bytes(data[end + 10:end + 12], "little")


def _check_sizes(archive: zipfile.ZipFile) -> None:
    total = 0
    for info in archive.infolist():
        limit = MAX_SHEET_BYTES if _is_sheet(info.filename) else MAX_PART_BYTES
        if info.file_size > limit:
            raise Unreadable(
                f"Delen {info.filename} i arbetsboken blir {info.file_size / _MB:.0f} MB "
                f"uppackad, mer än gränsen {limit // _MB} MB. Dela upp filen."
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise Unreadable(
                f"Delen {info.filename} i arbetsboken är packad {ratio:.0f} gånger (högst "
                f"{MAX_COMPRESSION_RATIO}); en sådan fil tas inte emot. Spara den på nytt i "
                "Excel eller LibreOffice."
            )
        total += info.file_size
    if total > MAX_INFLATED_BYTES:
        raise Unreadable(
            f"Arbetsboken blir {total / _MB:.0f} MB uppackad, mer än gränsen "
            f"{MAX_INFLATED_BYTES // _MB} MB. Dela upp filen."
        )


def _scan(archive: zipfile.ZipFile) -> bool:
    """Every XML part read in chunks: refused if it has a DTD or is not UTF-8 XML. Returns
    whether any worksheet has a formula."""
    formulas = False
    keep = 64  # bytes carried over between chunks, so a tag split by a chunk is seen
    for info in archive.infolist():
        name = info.filename
        if not name.lower().endswith((".xml", ".rels")):
            continue
        sheet = _is_sheet(name)
        with archive.open(info) as part:
            tail = b""
            first = True
            while chunk := part.read(_CHUNK):
                if first and not _XML_START.match(chunk):
                    raise Unreadable(
                        f"Delen {name} i arbetsboken är inte XML i UTF-8. Spara filen på nytt "
                        "i Excel eller LibreOffice."
                    )
                first = False
                window = tail + chunk
                if _DTD.search(window):
                    raise Unreadable(
                        f"Delen {name} i arbetsboken innehåller en DTD (<!DOCTYPE eller "
                        "<!ENTITY); sådana filer tas inte emot. Spara filen på nytt i Excel "
                        "eller LibreOffice."
                    )
                if sheet and not formulas and _FORMULA.search(window):
                    formulas = True
                tail = window[-keep:]
    return formulas


def _inspect(data: bytes) -> bool:
    """Refuses (Unreadable) a workbook too costly or unsafe to parse; returns whether it
    has formulas."""
    members = _members_declared(data)
    if members is not None and members > MAX_ARCHIVE_MEMBERS:
        raise Unreadable(
            f"Arbetsboken har {members} delar (högst {MAX_ARCHIVE_MEMBERS}); den tas inte emot."
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        _check_sizes(archive)
        return _scan(archive)


def inspect_archive(data: bytes) -> list[str]:
    """The same bounded look at any Office file (an attachment's .docx or .xlsx): refused
    (Unreadable) when too many members, too large or too packed, or an XML part has a DTD or
    is not UTF-8; otherwise the names of its members."""
    _inspect(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


def _read_xlsx(data: bytes) -> list[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook

    has_formulas = _inspect(data)
    values = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # The formulas are read (a second pass) only when the workbook has any.
    formulas = (
        load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        if has_formulas else None
    )
    try:
        sheet = values.worksheets[0]
        written_rows = (
            formulas.worksheets[0].iter_rows(values_only=True) if formulas is not None
            else iter(())
        )
        grid: list[tuple[int, list[Cell]]] = []
        kept = 0
        pairs = itertools.zip_longest(sheet.iter_rows(values_only=True), written_rows,
                                      fillvalue=())
        for number, (cached, written) in enumerate(pairs, start=1):
            if number > MAX_ROWS:
                raise Unreadable(f"Filen har fler än {MAX_ROWS} rader; dela upp den.")
            cells = []
            for index, value in enumerate(cached or ()):
                source = written[index] if index < len(written) else None
                is_formula = isinstance(source, str) and source.startswith("=")
                cells.append(Cell(
                    value, f"{_letter(index)}{number}",
                    formula_without_value=is_formula and _blank(value),
                ))
            kept += len(cells)
            if kept > MAX_CELLS:
                raise Unreadable(f"Filen har fler än {MAX_CELLS} celler; dela upp den.")
            grid.append((number, cells))
        return grid
    finally:
        values.close()
        if formulas is not None:
            formulas.close()


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
    # The record's number, as a spreadsheet program shows it: a quoted cell with a line
    # break inside is still one row (csv's line_num would count its lines).
    return [
        (number, [Cell(value) for value in fields])
        for number, fields in enumerate(reader, start=1)
    ]


def read_table(kind: ImportKind, data: bytes, file_name: str) -> Table:
    table = Table()
    if is_xlsx(data, file_name):
        try:
            grid = _read_xlsx(data)
        except Unreadable as refused:
            table.problems.append((1, "", f"{file_name}: {refused}"))
            return table
        except Exception:  # any way a damaged workbook fails to parse (zip, XML, openpyxl)
            log.info("unreadable workbook %s", file_name, exc_info=True)
            table.problems.append(
                (1, "", f"{file_name}: filen går inte att läsa som en Excel-fil (.xlsx).")
            )
            return table
    else:
        try:
            grid = _read_csv(data)
        except csv.Error as error:
            table.problems.append((1, "", f"Filen går inte att läsa som CSV: {error}."))
            return table
        if len(grid) > MAX_ROWS:
            table.problems.append((1, "", f"Filen har fler än {MAX_ROWS} rader; dela upp den."))
            return table
    return _build(kind, grid, table)
