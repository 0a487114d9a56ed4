"""Lex Sarah as IVO counts it, for the annual section (an additive table beside Tabell 32):
the year's Lex Sarah investigations and anmälningar to IVO under IVO's händelsekategorier
(rows) and verksamhetsområden (columns), by the organisation's mapping (tracker/admin/
ivo_categories.py), with the anmälningar per 100,000 inhabitants when the year's population
is set (TRACKER_POPULATION)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections import queries
from projections.queries.coverage import MISSING
from tracker.admin.ivo_categories import IvoCategories
from web.documents import docx_writer
from web.documents.xlsx_export import Sheet

PER = 100_000


@dataclass(frozen=True)
class IvoTable:
    year: int
    mapping_version: int
    areas: list[str]  # column names
    # (händelsekategori, investigations per area, anmälningar per area)
    rows: list[tuple[str, list[int], list[int]]]
    population: int | None

    @property
    def title(self) -> str:
        return f"Lex Sarah {self.year} enligt IVO:s indelning"

    @property
    def investigations(self) -> int:
        return sum(sum(row[1]) for row in self.rows)

    @property
    def reports(self) -> int:
        return sum(sum(row[2]) for row in self.rows)

    def per_inhabitants(self, count: int) -> str:
        """Per 100,000 inhabitants, one decimal, Swedish comma; MISSING without a population."""
        if not self.population:
            return MISSING
        return f"{count * PER / self.population:.1f}".replace(".", ",")

    def header(self) -> list[str]:
        return ["Händelsekategori (IVO)", *[f"Utredningar {a}" for a in self.areas],
                "Utredningar totalt", *[f"Anmälda till IVO {a}" for a in self.areas],
                "Anmälda till IVO totalt"]

    def body(self) -> list[list[Any]]:
        rows: list[list[Any]] = [
            [name, *investigations, sum(investigations), *reports, sum(reports)]
            for name, investigations, reports in self.rows
        ]
        columns = len(self.areas)
        totals = [sum(row[1 + i] for row in rows) for i in range(2 * (columns + 1))]
        rows.append(["TOTALT", *totals])
        rows.append([f"Per {PER:,} invånare".replace(",", " "), *[""] * columns,
                     self.per_inhabitants(self.investigations), *[""] * columns,
                     self.per_inhabitants(self.reports)])
        return rows

    @property
    def note(self) -> str:
        population = (f"Folkmängd {self.year}: {self.population:,}".replace(",", " ")
                      if self.population else
                      f"Folkmängden för {self.year} är inte angiven (TRACKER_POPULATION)")
        return (
            "Utredningar: Lex Sarah-utredningar som inleddes under året, som i Tabell 32. "
            "Anmälda till IVO: anmälningar som skickades till IVO under året, som IVO räknar "
            "i sin nationella statistik (importerade uppgifter saknar anmälningar). "
            f"{population}. Indelningen följer organisationens koppling till IVO:s "
            f"kategorier, version {self.mapping_version}."
        )


def load(engine: Any, year: int, mapping: IvoCategories, population: int | None) -> IvoTable:
    areas = list(mapping.areas)
    investigations = queries.lex_sarah_by_row(engine, year)
    reports = queries.ivo_reports_by_row(engine, year)
    cells = {code: ([0] * len(areas), [0] * len(areas)) for code in mapping.event_categories}
    for measure, counts in ((0, investigations), (1, reports)):
        for (category, subcategory, operation), n in counts.items():
            target = mapping.event_category(category, subcategory)
            cells[target][measure][areas.index(mapping.area(operation))] += n
    return IvoTable(
        year=year, mapping_version=mapping.version,
        areas=[mapping.areas[a] for a in areas],
        rows=[(mapping.event_categories[code], *cells[code]) for code in mapping.event_categories],
        population=population,
    )


def write_docx(writer: docx_writer.Writer, table: IvoTable) -> None:
    """On a page's width the investigations and the anmälningar are two tables (one of
    eleven columns broke "familje|omsorg" in its header)."""
    writer.heading(table.title, 2)
    columns = len(table.areas) + 1
    body = table.body()
    header = ["Händelsekategori (IVO)", *table.areas, "Totalt"]
    for caption, first in (("Lex Sarah-utredningar", 1), ("Anmälda till IVO", 1 + columns)):
        writer.table(header, [[row[0], *row[first:first + columns]] for row in body],
                     caption=f"{caption} {table.year}", small=True)
    writer.paragraphs(table.note)


def sheet(table: IvoTable) -> Sheet:
    return Sheet(f"IVO {table.year}", table.header(), table.body())
