"""CSV downloads that open cleanly in Swedish Excel and cannot smuggle formulas.

UTF-8 with a byte-order mark (Excel otherwise guesses a legacy code page and mangles å ä ö),
semicolon as separator (Swedish Excel uses the comma as decimal mark), CRLF line ends, and
every text cell that a spreadsheet would read as a formula (= + - @, or a leading tab / CR)
prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import Enum
from urllib.parse import quote
from uuid import UUID

from flask import Response

BOM = "\ufeff"
SEPARATOR = ";"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """One cell as text; numbers stay numbers, text that starts like a formula is defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, UUID):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def render_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole document as text, BOM first."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(
        buffer, delimiter=SEPARATOR, quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()


def ascii_filename(filename: str) -> str:
    """månadsrapport-2026-01.csv -> manadsrapport-2026-01.csv, for old clients."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip("-")
    return folded or "export.csv"


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback plus the real (Swedish) name in RFC 5987 form."""
    return (
        f'attachment; filename="{ascii_filename(filename)}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    if not filename.endswith(".csv"):
        filename += ".csv"
    response = Response(render_csv(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(filename)
    # Reports are under secrecy (OSL): keep them out of shared caches.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
