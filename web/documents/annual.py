"""The annual section of the kvalitetsberättelse: the Tabell-32 table (deviations per
kvalitetsområde and operation with Lex Sarah investigations), the yearly totals (the
"Avvikelser" row of Tabell 31), the Lex Sarah count and the year-over-year chart, as a page,
PDF, Word and Excel. Years and months without data read "uppgift saknas", never 0."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template
from markupsafe import Markup

from projections import queries
from projections.queries.coverage import MISSING, months_with_data
from web.display import category_name
from web.documents import complaints as complaint_documents
from web.documents import docx_writer, ivo_statistics
from web.documents.charts import MONTHS_SV, year_over_year_chart, year_over_year_png
from web.documents.committee import SeriesTable
from web.documents.pdf import render_pdf
from web.documents.report_tables import cause_sheet, cause_table
from web.documents.xlsx_export import Sheet, render_xlsx
from web.runtime import application, fresh_views, runtime

TOTAL_YEARS = 5  # Tabell 31: the year and the four before
CHART_YEARS = 3
TABLE_HEADER = ["Kvalitetsområde", "IFO", "HVB", "Totalt", "Lex Sarah-utredningar"]


@dataclass
class AnnualDocument:
    year: int
    has_data: bool
    rows: list[dict[str, Any]]
    total: dict[str, int]
    totals: list[tuple[int, int | str]]  # (year, count or MISSING)
    series: dict[int, list[int | None]]
    administration: str
    author: str = ""  # who downloads it (the document's author property)
    note: str | None = None  # which months/years come from imported data
    imported_years: tuple[int, ...] = ()
    ivo: ivo_statistics.IvoTable | None = None  # Lex Sarah under IVO's categories
    month_labels = MONTHS_SV

    @property
    def title(self) -> str:
        return f"Avvikelser {self.year} – underlag till kvalitetsberättelsen"

    @property
    def filename(self) -> str:
        return f"avvikelser-{self.year}"

    @property
    def lex_sarah(self) -> int | str:
        """Lex Sarah investigations that arose from the year's deviations (MISSING for a
        year without data: not 0)."""
        return self.total["lex_sarah"] if self.has_data else MISSING

    @property
    def chart_title(self) -> str:
        years = sorted(self.series)
        return f"Avvikelser per månad {years[0]}–{years[-1]}"

    def chart(self) -> Markup:
        return year_over_year_chart("arsdiagram", title=self.chart_title, series=self.series,
                                    imported=self.imported_years)

    def series_table(self) -> SeriesTable:
        return SeriesTable.of(self.series)

    @property
    def table_32_caption(self) -> str:
        return (f"Avvikelser {self.year} per kvalitetsområde och verksamhet, och Lex "
                "Sarah-utredningar som de ledde till")

    totals_caption = "Avvikelser per år"

    def table_rows(self) -> list[list[Any]]:
        """Tabell 32 with its TOTALT row, cells as numbers."""
        rows: list[list[Any]] = [
            [r["name"], r["ifo"], r["hvb"], r["total"], r["lex_sarah"]] for r in self.rows
        ]
        t = self.total
        rows.append(["TOTALT", t["ifo"], t["hvb"], t["total"], t["lex_sarah"]])
        return rows


def _name(row: dict[str, Any]) -> str:
    if row["subcategory"] is None:
        return category_name(row["category"], None)
    # as in Tabell 32 of the kvalitetsberättelse: "varav förhandsbedömning ..."
    sub = category_name(row["category"], row["subcategory"]).split(" – ", 1)[-1]
    return "varav " + sub[:1].lower() + sub[1:]


def load(year: int, *, author: str = "") -> AnnualDocument:
    fresh_views()
    engine = runtime().engine
    today = application().today()
    coverage = months_with_data(engine, min(date(year, 12, 31), today))
    report = queries.annual_report(engine, year, organisation=runtime().organisation)
    by_year = {row["year"]: row["total"] for row in queries.yearly_totals(engine)["years"]}
    years = range(year - TOTAL_YEARS + 1, year + 1)
    totals: list[tuple[int, int | str]] = [
        (y, by_year.get(y, 0) if coverage.has_year(y) else MISSING) for y in years
    ]
    chart_years = range(year - CHART_YEARS + 1, year + 1)
    series = queries.monthly_series(engine, chart_years)
    return AnnualDocument(
        year=year, has_data=coverage.has_year(year),
        rows=[{**row, "name": _name(row)} for row in report["rows"]], total=report["total"],
        totals=totals, series={y: coverage.mask(y, series[y]) for y in chart_years},
        administration=runtime().settings.administration_name, author=author,
        note=coverage.footnote(years),
        imported_years=tuple(sorted({y for y, m in coverage.imported_in(chart_years) if m})),
        ivo=ivo_statistics.load(engine, year, runtime().organisation.ivo_categories(),
                                runtime().settings.population.get(year))
        if coverage.has_year(year) else None,
    )


def to_pdf(doc: AnnualDocument) -> bytes:
    return render_pdf(render_template("annual_section/pdf.html", doc=doc))


def to_docx(doc: AnnualDocument) -> bytes:
    writer = docx_writer.Writer(
        title=doc.title, header_left=f"{doc.administration} · Kvalitetsberättelse {doc.year}",
        author=doc.author, created=application().now(),
    )
    writer.heading(doc.title, 1)
    writer.heading(f"Avvikelser per kvalitetsområde {doc.year} (Tabell 32)", 2)
    if doc.has_data:
        writer.table(TABLE_HEADER, doc.table_rows(), caption=doc.table_32_caption)
    else:
        writer.paragraphs(f"Uppgift saknas för {doc.year}.")
    writer.paragraphs(
        f"Lex Sarah-utredningar som inleddes {doc.year} med anledning av avvikelser: "
        f"{doc.lex_sarah}."
    )
    if doc.ivo:
        ivo_statistics.write_docx(writer, doc.ivo)
    writer.heading("Antal avvikelser per år (Tabell 31)", 2)
    writer.table(["Uppgift", *[str(y) for y, _ in doc.totals]],
                 [["Avvikelser", *[n for _, n in doc.totals]]], caption=doc.totals_caption)
    writer.heading(doc.chart_title, 2)
    chart = year_over_year_png(title=doc.chart_title, series=doc.series,
                               imported=doc.imported_years)
    writer.picture(chart.png, description=chart.alt)
    table = doc.series_table()
    writer.table(table.header(), table.body(), caption=doc.chart_title)
    if doc.note:
        writer.paragraphs(doc.note)
    complaint_documents.add_to_docx(writer, complaint_documents.year_section(doc.year))
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


def to_xlsx(doc: AnnualDocument) -> bytes:
    sheets = [
        Sheet(f"Tabell 32 {doc.year}", TABLE_HEADER, doc.table_rows() if doc.has_data
              else [[row[0], *[MISSING] * (len(row) - 1)] for row in doc.table_rows()]),
        Sheet("Avvikelser per år", ["Uppgift", *[str(y) for y, _ in doc.totals]],
              [["Avvikelser", *[n for _, n in doc.totals]]]),
        Sheet("Per månad", doc.series_table().header(), doc.series_table().body()),
    ]
    if doc.note:
        sheets = [Sheet(s.name, s.header, [*s.rows, [], [doc.note]]) for s in sheets]
    # the year's causes, as the annual table's own Excel file has them (no imported causes)
    sheets.append(cause_sheet(cause_table(doc.year, None, str(doc.year)), doc.has_data))
    if doc.ivo:
        sheets.append(ivo_statistics.sheet(doc.ivo))
    sheets += complaint_documents.sheets(complaint_documents.year_section(doc.year))
    return render_xlsx(sheets, title=doc.title, author=doc.author)
