"""Every cell checked, every problem kept (row, column, reason in Swedish), and what the
file would add: rows read and totals per year, operation and category. Nothing here stores
anything; a file with problems can never be stored (HistoryImportCommands)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from events.base import LONG_TEXT, check_characters
from events.calendar import MONTH_NAMES
from events.errors import ValidationFailed
from events.history_import import CountLine, ImportKind
from events.personal_data import looks_like_personal_identity_number
from events.taxonomy import Operation, Taxonomy
from tracker.history_import.reading import Cell, Table, fold, read_table

EARLIEST_YEAR = 1990
PERSONAL_NUMBER = (
    "Texten ser ut som ett personnummer. Ta bort det; skriv diarienumret i stället."
)
CONTROL_CHARACTER = (
    "Cellen innehåller ett styrtecken (till exempel NUL); bara radbrytningar och tabbar är "
    "tillåtna."
)


# Every control character (Unicode Cc, line breaks and tabs too) and lone surrogates.
_FILE_NAME_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def check_file_name(name: str) -> str:
    """The uploaded file's name is kept in the import's event and listed with the imports:
    the same rules as free text (no control character, no personnummer), and one line."""
    if _FILE_NAME_REFUSED.search(name):
        raise ValidationFailed(
            "file_name", "The file name contains a control character; rename the file."
        )
    if looks_like_personal_identity_number(name):
        raise ValidationFailed(
            "file_name",
            "The file name looks like it contains a personal identity number; rename the "
            "file and send it again.",
        )
    return unicodedata.normalize("NFC", name)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ImportedRow:
    """One deviation of a rows file, checked."""

    row: int
    reported_on: date
    occurred_on: date
    unit: str
    operation: Operation
    category: str
    subcategory: str | None
    description: str
    closed: bool
    lex_sarah: bool
    case_reference: str | None


@dataclass
class Preview:
    kind: ImportKind
    file_name: str
    sha256: str
    rows_read: int = 0
    problems: list[Problem] = field(default_factory=list)
    counts: list[CountLine] = field(default_factory=list)
    deviations: list[ImportedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[CountLine]:
        """What the file adds to the counts (a rows file: one per deviation)."""
        if self.kind is ImportKind.COUNTS:
            return self.counts
        return [
            CountLine(r.row, r.reported_on.year, r.reported_on.month, r.operation.value,
                      r.category, r.subcategory, 1, int(r.lex_sarah))
            for r in self.deviations
        ]

    def covers(self) -> list[str]:
        """The periods the file gives figures for: "YYYY-MM" months, "YYYY" for a whole-year
        figure. A rows file covers every month from its first to its last reported month
        (a month without rows in that span had none)."""
        if self.kind is ImportKind.COUNTS:
            found = {
                f"{c.year}-{c.month:02d}" if c.month else f"{c.year}" for c in self.counts
            }
            return sorted(found)
        if not self.deviations:
            return []
        first = min(r.reported_on for r in self.deviations)
        last = max(r.reported_on for r in self.deviations)
        months = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            months.append(f"{year}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    def totals(self) -> list[dict[str, Any]]:
        """Per year: the total, per operation and per category."""
        years: dict[int, dict[str, Any]] = {}
        for line in self.lines():
            entry = years.setdefault(line.year, {
                "year": line.year, "total": 0, "lex_sarah": 0,
                "by_operation": defaultdict(int), "by_category": defaultdict(int),
            })
            entry["total"] += line.count
            entry["lex_sarah"] += line.lex_sarah
            entry["by_operation"][line.operation or "-"] += line.count
            entry["by_category"][line.category or "-"] += line.count
        return [
            {**e, "by_operation": dict(e["by_operation"]), "by_category": dict(e["by_category"])}
            for _, e in sorted(years.items())
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            "ok": self.ok,
            "totals": self.totals(),
            "covers": self.covers(),
            "problems": [p.as_dict() for p in self.problems],
        }


def _shown(value: Any) -> str:
    """A cell as the text it shows: a whole number without ".0"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Checker:
    def __init__(self, preview: Preview, table: Table) -> None:
        self.preview, self.table = preview, table

    def problem(self, row: int, column: str, message: str) -> None:
        letter = self.table.columns.get(column)
        label = f"{column} ({letter})" if letter else column
        self.preview.problems.append(Problem(row, label, message))

    def text(self, row: int, column: str, cell: Cell) -> str:
        if cell.formula_without_value:
            self.problem(row, column, f"Formeln i cell {cell.ref} har inget sparat värde. "
                         "Öppna filen i Excel eller LibreOffice och spara den igen, eller "
                         "skriv in värdet.")
            return ""
        value = cell.value
        if value is None:
            return ""
        text = _shown(value)
        if looks_like_personal_identity_number(text):
            self.problem(row, column, PERSONAL_NUMBER)
            return ""
        try:  # the rule the stored deviation's text must pass: the preview says so first
            check_characters(column, text)
        except ValidationFailed:
            self.problem(row, column, CONTROL_CHARACTER)
            return ""
        return text

    def integer(self, row: int, column: str, cell: Cell, *, required: bool) -> int | None:
        if cell.formula_without_value:
            self.text(row, column, cell)
            return None
        value = cell.value
        if isinstance(value, str | int | float) and looks_like_personal_identity_number(
            _shown(value)
        ):
            self.problem(row, column, PERSONAL_NUMBER)
            return None
        if isinstance(value, str):
            value = value.strip().replace("\u00a0", "").replace(" ", "")
            if not value:
                value = None
            else:
                try:
                    value = float(value.replace(",", ".")) if not value.lstrip("-").isdigit() \
                        else int(value)
                except ValueError:
                    self.problem(row, column, f"”{cell.value}” är inte ett heltal.")
                    return None
        if value is None:
            if required:
                self.problem(row, column, "Värde saknas.")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(row, column, f"”{value}” är inte ett heltal.")
            return None
        if isinstance(value, float):
            if not value.is_integer():
                self.problem(row, column, f"{value:g} är inte ett heltal.".replace(".", ","))
                return None
            value = int(value)
        if value < 0:
            self.problem(row, column, f"Talet får inte vara negativt ({value}).")
            return None
        return value

    def day(self, row: int, column: str, cell: Cell, today: date) -> date | None:
        if cell.formula_without_value:
            self.text(row, column, cell)
            return None
        value = cell.value
        if isinstance(value, datetime):
            value = value.date()
        elif isinstance(value, str) and looks_like_personal_identity_number(value):
            self.problem(row, column, PERSONAL_NUMBER)
            return None
        elif isinstance(value, str) and value.strip():
            try:
                value = date.fromisoformat(value.strip()[:10])
            except ValueError:
                self.problem(row, column, f"”{value}” är inte ett datum (ÅÅÅÅ-MM-DD).")
                return None
        elif not isinstance(value, date):
            if value is None or (isinstance(value, str) and not value.strip()):
                self.problem(row, column, "Datum saknas.")
            else:
                self.problem(row, column, f"”{value}” är inte ett datum (ÅÅÅÅ-MM-DD).")
            return None
        if value > today:
            self.problem(row, column, f"Datumet {value.isoformat()} ligger i framtiden.")
            return None
        if value.year < EARLIEST_YEAR:
            self.problem(row, column, f"Datumet {value.isoformat()} är före {EARLIEST_YEAR}.")
            return None
        return value


# (folded category code or name -> code, {category: folded subcategory alias -> code})
Names = tuple[dict[str, str], dict[str, dict[str, str]]]


def _names(taxonomy: Taxonomy) -> Names:
    categories: dict[str, str] = {}
    subcategories: dict[str, dict[str, str]] = {}
    for code, category in taxonomy.categories.items():
        if not category.active:
            continue
        categories[fold(code)] = categories[fold(category.name)] = code
        subs = subcategories.setdefault(code, {})
        for sub_code, sub_name in category.subcategories.items():
            for alias in (sub_code, sub_name, f"varav {sub_name}"):
                subs[fold(alias)] = sub_code
    return categories, subcategories


def _classify(
    check: _Checker, number: int, row: dict[str, Cell], taxonomy: Taxonomy, names: Names,
    *, category_optional: bool = False,
) -> tuple[str, str | None] | None:
    """`names`: _names(taxonomy), folded once per file (per row it was 40 % of a preview)."""
    categories, subcategories = names
    category_text = check.text(number, "kvalitetsområde", row.get("kvalitetsområde", Cell(None)))
    sub_text = check.text(number, "underkategori", row.get("underkategori", Cell(None)))
    if not category_text:
        if sub_text or not category_optional:
            check.problem(number, "kvalitetsområde", "Kvalitetsområde saknas.")
        return None
    category = categories.get(fold(category_text))
    if category is None:
        check.problem(number, "kvalitetsområde", f"Okänt kvalitetsområde: ”{category_text}”.")
        return None
    subcategory = None
    if sub_text:
        subcategory = subcategories.get(category, {}).get(fold(sub_text))
        if subcategory is None:
            check.problem(number, "underkategori", f"Okänd underkategori för {category}: "
                          f"”{sub_text}”.")
            return None
    try:
        taxonomy.check(category, subcategory)
    except ValidationFailed:
        if subcategory is None:
            check.problem(number, "underkategori",
                          f"Kvalitetsområdet {category} kräver en underkategori.")
        else:
            check.problem(number, "underkategori",
                          f"Kvalitetsområdet {category} har inga underkategorier.")
        return None
    return category, subcategory


def _check_counts(check: _Checker, taxonomy: Taxonomy, today: date) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    kinds_per_year: dict[int, dict[bool, int]] = defaultdict(dict)
    names = _names(taxonomy)
    for number, row in check.table.rows:
        before = len(check.preview.problems)
        year = check.integer(number, "år", row["år"], required=True)
        if year is not None and not EARLIEST_YEAR <= year <= today.year:
            check.problem(number, "år", f"Året {year} ligger utanför {EARLIEST_YEAR}–{today.year}.")
            year = None
        month = check.integer(number, "månad", row.get("månad", Cell(None)), required=False)
        if month is not None and not 1 <= month <= 12:
            check.problem(number, "månad", f"Månaden {month} ligger utanför 1–12.")
            month = None
        elif month is not None and year is not None and (year, month) > (today.year, today.month):
            check.problem(number, "månad", f"Månaden {year}-{month:02d} har inte börjat.")
        operation_text = check.text(number, "verksamhet", row.get("verksamhet", Cell(None)))
        operation = ""
        if operation_text:
            for known in Operation:
                if fold(operation_text) in (fold(known.value), fold(known.label)):
                    operation = known.value
            if not operation:
                check.problem(number, "verksamhet",
                              f"Okänd verksamhet: ”{operation_text}” (IFO eller HVB).")
        classified = _classify(check, number, row, taxonomy, names, category_optional=True)
        if classified is None and not operation_text and len(check.preview.problems) == before:
            # A whole-year total not broken down (Tabell 31): allowed without a month only.
            if month is not None:
                check.problem(number, "kvalitetsområde", "Kvalitetsområde saknas.")
        elif not operation_text and len(check.preview.problems) == before:
            check.problem(number, "verksamhet", "Verksamhet saknas (IFO eller HVB).")
        elif operation_text and classified is None and len(check.preview.problems) == before:
            check.problem(number, "kvalitetsområde", "Kvalitetsområde saknas.")
        count = check.integer(number, "antal", row["antal"], required=True)
        lex_sarah = check.integer(
            number, "varav_lex_sarah", row.get("varav_lex_sarah", Cell(None)), required=False
        ) or 0
        if count is not None and lex_sarah > count:
            check.problem(number, "varav_lex_sarah",
                          f"Varav Lex Sarah ({lex_sarah}) är fler än antalet ({count}).")
        if len(check.preview.problems) != before or year is None or count is None:
            continue
        category, subcategory = classified or ("", None)
        key = (year, month, operation, category, subcategory)
        if key in seen:
            check.problem(number, "", f"Raden är en dubblett av rad {seen[key]}.")
            continue
        seen[key] = number
        monthly = month is not None
        other = kinds_per_year[year].get(not monthly)
        if other is not None:
            check.problem(number, "månad", f"År {year} har både månadsrader och helårsrader "
                          f"(rad {other}); välj det ena så att inget räknas två gånger.")
            continue
        kinds_per_year[year].setdefault(monthly, number)
        check.preview.counts.append(CountLine(
            number, year, month, operation, category, subcategory, count, lex_sarah
        ))


def _yes_no(check: _Checker, number: int, column: str, cell: Cell, yes: Sequence[str],
            no: Sequence[str], default: bool | None) -> bool | None:
    text = fold(check.text(number, column, cell))
    if not text and default is not None:
        return default
    if text in yes:
        return True
    if text in no:
        return False
    if not text:
        check.problem(number, column, "Värde saknas.")
    else:
        check.problem(number, column, f"Okänt värde ”{cell.value}” (tillåtet: "
                      f"{' / '.join((*yes[:1], *no[:1]))}).")
    return None


def _check_rows(
    check: _Checker, taxonomy: Taxonomy, units: dict[str, tuple[str, Operation]], today: date
) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    names = _names(taxonomy)
    for number, row in check.table.rows:
        before = len(check.preview.problems)
        reported = check.day(number, "rapporterad", row["rapporterad"], today)
        occurred = check.day(number, "inträffad", row["inträffad"], today)
        if reported and occurred and reported < occurred:
            check.problem(number, "rapporterad", f"Rapporterad ({reported.isoformat()}) är före "
                          f"inträffad ({occurred.isoformat()}).")
        unit_text = check.text(number, "enhet", row["enhet"])
        unit = units.get(fold(unit_text)) if unit_text else None
        if not unit_text:
            check.problem(number, "enhet", "Enhet saknas.")
        elif unit is None:
            check.problem(number, "enhet", f"Okänd enhet: ”{unit_text}”.")
        classified = _classify(check, number, row, taxonomy, names)
        description = check.text(number, "beskrivning", row.get("beskrivning", Cell(None)))
        if len(description) > LONG_TEXT:
            check.problem(number, "beskrivning", f"Högst {LONG_TEXT} tecken.")
        closed = _yes_no(check, number, "status", row["status"],
                         ("avslutad", "stangd", "closed"), ("oppen", "pagaende", "open"), None)
        lex_sarah = _yes_no(check, number, "lex_sarah", row.get("lex_sarah", Cell(None)),
                            ("ja", "j", "x", "1"), ("nej", "n", "0"), False)
        reference = check.text(number, "diarienummer", row.get("diarienummer", Cell(None)))
        if len(reference) > 64:
            check.problem(number, "diarienummer", "Högst 64 tecken.")
        if len(check.preview.problems) != before:
            continue
        assert reported
        assert occurred
        assert unit
        assert classified
        assert closed is not None
        assert lex_sarah is not None
        key = (reported, occurred, unit[0], *classified, description, closed, lex_sarah,
               reference)
        if key in seen:
            check.problem(number, "", f"Raden är en dubblett av rad {seen[key]}.")
            continue
        seen[key] = number
        check.preview.deviations.append(ImportedRow(
            number, reported, occurred, unit[0], unit[1], classified[0], classified[1],
            description or f"Importerad avvikelse (rad {number}).", closed, lex_sarah,
            reference or None,
        ))


def preview(
    kind: ImportKind,
    data: bytes,
    file_name: str,
    *,
    taxonomy: Taxonomy,
    units: dict[str, tuple[str, Operation]],
    today: date,
) -> Preview:
    """What the file holds and every problem in it. `units` maps folded codes and names
    to (code, operation)."""
    result = Preview(kind, file_name, hashlib.sha256(data).hexdigest())
    table = read_table(kind, data, file_name)
    result.problems.extend(Problem(r, c, m) for r, c, m in table.problems)
    result.rows_read = len(table.rows)
    if table.problems:
        return result
    if not table.rows:
        result.problems.append(Problem(1, "", "Filen har inga rader under rubrikraden."))
        return result
    check = _Checker(result, table)
    if kind is ImportKind.COUNTS:
        _check_counts(check, taxonomy, today)
    else:
        _check_rows(check, taxonomy, units, today)
    result.problems.sort(key=lambda p: p.row)
    return result


def covers_in_words(covers: tuple[str, ...] | list[str]) -> str:
    """Preview.covers() in the users' words: "januari–december 2019, hela 2020"; months
    not in one run are listed ("januari, mars 2019")."""
    years: dict[int, list[int]] = {}
    whole: set[int] = set()
    for period in covers:
        year_text, _, month = period.partition("-")
        if month:
            years.setdefault(int(year_text), []).append(int(month))
        else:
            whole.add(int(year_text))
            years.setdefault(int(year_text), [])
    parts: list[str] = []
    for year in sorted(years):
        if year in whole:
            parts.append(f"hela {year}")
        months = sorted(set(years[year]))
        if not months:
            continue
        names = [MONTH_NAMES[m - 1] for m in months]
        if len(months) > 2 and months == list(range(months[0], months[-1] + 1)):
            parts.append(f"{names[0]}–{names[-1]} {year}")
        else:
            parts.append(f"{', '.join(names)} {year}")
    return ", ".join(parts)
