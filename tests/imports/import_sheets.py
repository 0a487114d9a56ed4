"""Spreadsheets for the import tests: the source municipality's own figures (DOMAIN.md)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

COUNTS_HEADER = ["år", "månad", "verksamhet", "kvalitetsområde", "underkategori", "antal",
                 "varav_lex_sarah"]
ROWS_HEADER = ["rapporterad", "inträffad", "enhet", "kvalitetsområde", "underkategori",
               "beskrivning", "status", "lex_sarah", "diarienummer"]

# Tabell 32 (2017) line by line: operation, category, subcategory, count, Lex Sarah.
TABLE_32_LINES: list[tuple[str, str, str, int, int]] = [
    ("IFO", "handlaggning", "utredningstid", 59, 2),
    ("IFO", "handlaggning", "forhandsbedomning", 62, 1),
    ("IFO", "handlaggning", "ekonomi", 7, 0),
    ("IFO", "handlaggning", "registrering", 15, 0),
    ("IFO", "handlaggning", "sekretess", 5, 0),
    ("HVB", "handlaggning", "sekretess", 3, 0),
    ("IFO", "handlaggning", "annat", 49, 1),
    ("HVB", "handlaggning", "annat", 13, 0),
    ("IFO", "genomforande", "", 1, 0),
    ("HVB", "genomforande", "", 29, 1),
    ("HVB", "personal", "", 3, 0),
    ("IFO", "samverkan", "", 4, 0),
    ("HVB", "samverkan", "", 2, 0),
]

# The table as DOMAIN.md prints it: (category, subcategory) -> IFO, HVB, total, Lex Sarah.
TABLE_32: dict[tuple[str, str | None], tuple[int, int, int, int]] = {
    ("handlaggning", None): (197, 16, 213, 4),
    ("handlaggning", "utredningstid"): (59, 0, 59, 2),
    ("handlaggning", "forhandsbedomning"): (62, 0, 62, 1),
    ("handlaggning", "ekonomi"): (7, 0, 7, 0),
    ("handlaggning", "registrering"): (15, 0, 15, 0),
    ("handlaggning", "sekretess"): (5, 3, 8, 0),
    ("handlaggning", "annat"): (49, 13, 62, 1),
    ("genomforande", None): (1, 29, 30, 1),
    ("personal", None): (0, 3, 3, 0),
    ("samverkan", None): (4, 2, 6, 0),
}
TABLE_32_TOTAL = (202, 50, 252, 5)
TABLE_31 = {2014: 3, 2015: 54, 2016: 297, 2017: 252}


def table_32_rows() -> list[list[Any]]:
    """Tabell 32 as whole-year counts for 2017, plus the yearly totals 2014-2016."""
    rows: list[list[Any]] = [[2017, "", op, cat, sub, n, ls or ""]
                             for op, cat, sub, n, ls in TABLE_32_LINES]
    rows += [[year, "", "", "", "", TABLE_31[year], ""] for year in (2014, 2015, 2016)]
    return rows


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]], *,
              encoding: str = "utf-8", bom: bool = False) -> bytes:
    lines = [";".join(header)] + [";".join("" if v is None else str(v) for v in r) for r in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """Written by openpyxl, as a script or a non-calculating program would."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if v == "" else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cached_values(data: bytes, values: dict[str, int]) -> bytes:
    """The workbook as Excel saves it: each formula cell also holds its calculated value."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode("utf-8")
                for ref, value in values.items():
                    text, found = re.subn(
                        rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v\s*/?>(</v>)?',
                        rf"\1<f>\2</f><v>{value}</v>", text,
                    )
                    assert found == 1, (ref, text[:2000])
                content = text.encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def deviations_2016(n: int = 30) -> list[list[Any]]:
    """`n` deviations reported in 2016, spread over the year (two or three a month)."""
    units = ["utredning", "Stöd- och försörjningsenheten", "hvb-notgarden", "oppenvard"]
    kinds = [("handlaggning", "utredningstid"), ("handlaggning", "Förhandsbedömning "
             "överskridit 14 dagar"), ("genomforande", ""), ("Samverkan", ""),
             ("handlaggning", "sekretess")]
    rows = []
    for i in range(n):
        reported = date(2016, 1, 4) + timedelta(days=i * 12)
        category, subcategory = kinds[i % len(kinds)]
        rows.append([reported.isoformat(), (reported - timedelta(days=2)).isoformat(),
                     units[i % len(units)], category, subcategory,
                     f"Brist nummer {i + 1} enligt det gamla kalkylbladet." if i % 3 else "",
                     "avslutad" if i % 4 else "öppen", "ja" if i == 7 else "nej",
                     f"IFO 2016-{i + 100}" if i % 2 else ""])
    return rows


# The January 2018 example of DOMAIN.md: 9 from IFO, 4 from HVB (unit, category, sub, day).
JANUARY_2018: list[tuple[str, str, str | None, int]] = [
    *[("utredning", "handlaggning", "forhandsbedomning", d) for d in (3, 8, 10, 15, 22)],
    ("utredning", "handlaggning", "registrering", 11),
    ("utredning", "handlaggning", "registrering", 17),
    ("utredning", "handlaggning", "sekretess", 19),
    ("utredning", "handlaggning", "annat", 24),
    *[("hvb-notgarden", "genomforande", None, d) for d in (9, 23, 26)],
    ("hvb-notgarden", "handlaggning", "annat", 29),
]


def upload(data: bytes, name: str) -> dict[str, Any]:
    """A multipart body for the test client."""
    return {"data": {"file": (io.BytesIO(data), name)}, "content_type": "multipart/form-data"}
