"""Klagomål och synpunkter in the reports: the section "Klagomål och synpunkter" (counts by
kind, by operation and by kvalitetsområde) for a month, a half-year or a year, as HTML (the
partial templates/complaints/_report_section.html), Word and Excel; and the joint analysis
table (klagomål, deviations and Lex Sarah per kvalitetsområde and unit).

The monthly report page, the committee report (page, PDF, Word) and the annual section call
`section_for` and render it with the partial or `add_to_docx`; a period before the tracker
took complaints reads "uppgift saknas", never 0."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from events.calendar import MONTH_NAMES
from events.complaint import ComplaintKind
from events.taxonomy import OPERATION_NAMES, Operation
from projections import queries
from projections.queries.coverage import MISSING
from web.display import COMPLAINT_KIND_NAMES as KINDS
from web.display import unit_name
from web.documents.xlsx_export import Sheet
from web.runtime import application, fresh_views, runtime

TITLE = "Klagomål och synpunkter"
NOT_ROUTED = "Ej klassificerat ännu"
NO_UNIT = "Enhet ej vald"
KIND_ORDER = [ComplaintKind.COMPLAINT, ComplaintKind.VIEW, ComplaintKind.PRAISE]


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class ComplaintSection:
    period: str
    has_data: bool
    total: int = 0
    tables: list[Table] = field(default_factory=list)

    @property
    def missing_text(self) -> str:
        return f"{TITLE}: {MISSING} för {self.period} (tjänsten togs i bruk senare)."


def _category_names() -> dict[str, str]:
    return {code: category.name for code, category in
            runtime().organisation.taxonomy().categories.items()}


def _kind_columns(counter: dict[tuple[str, str], int], keys: Sequence[str],
                  names: dict[str, str]) -> list[list[Any]]:
    rows = []
    for key in keys:
        counts = [counter.get((key, kind.value), 0) for kind in KIND_ORDER]
        rows.append([names.get(key, key), *counts, sum(counts)])
    return rows


def section_for(first: date, last: date, period: str) -> ComplaintSection:
    """The section for complaints received from `first` to `last`."""
    fresh_views()
    engine = runtime().engine
    if not queries.has_complaint_data(engine, last, application().today()):
        return ComplaintSection(period, has_data=False)
    counts = queries.complaint_counts(engine, first, last)
    header_kinds = [KINDS[kind] for kind in KIND_ORDER]
    by_operation: dict[tuple[str, str], int] = {}
    by_category: dict[tuple[str, str], int] = {}
    for (operation, category, kind), n in counts.by_operation_category_kind.items():
        by_operation[(operation, kind)] = by_operation.get((operation, kind), 0) + n
        by_category[(category, kind)] = by_category.get((category, kind), 0) + n
    operations = [op.value for op in Operation] + (
        [""] if any(op == "" for op, _ in by_operation) else [])
    operation_names = {op.value: name for op, name in OPERATION_NAMES.items()} | {
        "": "Verksamhet ej vald"}
    categories = sorted({c for c, _ in by_category if c}, key=lambda c: _category_names().get(
        c, c)) + ([""] if any(c == "" for c, _ in by_category) else [])
    category_names = _category_names() | {"": NOT_ROUTED}
    kind_rows = [[KINDS[kind], counts.by_kind.get(kind.value, 0)] for kind in KIND_ORDER]
    section = ComplaintSection(period, has_data=True, total=counts.total)
    section.tables = [
        Table(f"{TITLE} {period} per typ", ["Typ", "Antal"],
              [*kind_rows, ["Totalt (n)", counts.total]]),
        Table(f"{TITLE} {period} per verksamhet", ["Verksamhet", *header_kinds, "Totalt"],
              _kind_columns(by_operation, operations, operation_names)),
        Table(f"{TITLE} {period} per kvalitetsområde",
              ["Kvalitetsområde", *header_kinds, "Totalt"],
              _kind_columns(by_category, categories, category_names)),
    ]
    return section


def month_section(year: int, month: int) -> ComplaintSection:
    last = date(year, month, calendar.monthrange(year, month)[1])
    return section_for(date(year, month, 1), last, f"{MONTH_NAMES[month - 1]} {year}")


def year_section(year: int) -> ComplaintSection:
    return section_for(date(year, 1, 1), date(year, 12, 31), str(year))


def add_to_docx(writer: Any, section: ComplaintSection, level: int = 2) -> None:
    """The section in a Word document (web.documents.docx_writer.Writer)."""
    writer.heading(TITLE, level)
    if not section.has_data:
        writer.paragraphs(section.missing_text)
        return
    for table in section.tables:
        writer.heading(table.title, level + 1)
        writer.table(table.header, table.rows)


def sheets(section: ComplaintSection) -> list[Sheet]:
    """The section as workbook sheets (one per table)."""
    if not section.has_data:
        return [Sheet("Klagomål", ["Uppgift"], [[section.missing_text]])]
    names = ["Klagomål per typ", "Klagomål per verksamhet", "Klagomål per område"]
    return [Sheet(name, table.header, table.rows) for name, table in zip(names, section.tables,
                                                                           strict=True)]


# --- the joint analysis ---------------------------------------------------------------------

JOINT_HEADER = ["Kvalitetsområde", "Enhet", "Klagomål", "Avvikelser", "Lex Sarah"]


def half_year_period(year: int, half: int) -> tuple[date, date, str]:
    if half == 1:
        return date(year, 1, 1), date(year, 6, 30), f"januari–juni {year}"
    return date(year, 7, 1), date(year, 12, 31), f"juli–december {year}"


def joint_rows(first: date, last: date) -> list[list[Any]]:
    fresh_views()
    names = _category_names() | {"": NOT_ROUTED}
    rows = []
    for row in queries.joint_counts(runtime().engine, first, last):
        rows.append([names.get(row["category"], row["category"]),
                     unit_name(row["unit"]) if row["unit"] else NO_UNIT,
                     row["complaints"], row["deviations"], row["lex_sarah"]])
    return rows
