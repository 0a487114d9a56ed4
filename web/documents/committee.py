"""The report to the committee as the page, the PDF and the Word document show it: one model
(CommitteeDocument) built from a stored revision or from a fresh draft, rendered three ways."""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from flask import render_template
from markupsafe import Markup

from events.committee_report import CommitteeReport
from events.legal import cite_on
from tracker import committee_report_draft as drafting
from web.display import unit_name
from web.documents import complaints as complaint_documents
from web.documents import docx_writer
from web.documents.charts import (
    MISSING,
    MONTHS_SV,
    bar_chart,
    bar_chart_png,
    monthly_bars_chart,
    monthly_bars_png,
)
from web.documents.pdf import render_pdf
from web.runtime import application, fresh_views, runtime

PREVIEW, DRAFT, FINAL = "preview", "draft", "final"
STATE_NAMES = {PREVIEW: "Förslag (inte sparat)", DRAFT: "Utkast", FINAL: "Fastställd"}


@dataclass
class CommitteeDocument:
    text: dict[str, str]
    sections: list[dict[str, Any]]
    figures: dict[str, Any]
    state: str = PREVIEW
    revision: int | None = None
    report_id: UUID | None = None
    version: int | None = None
    finalised_on: date | None = None
    revisions: list[CommitteeReport] = field(default_factory=list)

    @property
    def year(self) -> int:
        return int(self.figures["year"])

    @property
    def month(self) -> int:
        return int(self.figures["month"])

    @property
    def period(self) -> str:
        return drafting.period_name(self.year, self.month)

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.state]

    @property
    def filename(self) -> str:
        return f"avvikelser-{self.year}-{self.month:02d}"

    month_labels = MONTHS_SV

    @property
    def has_data(self) -> bool:
        return bool(self.figures["has_data"])

    @property
    def imported_note(self) -> str | None:
        """Which months of appendix 1 come from imported data (figures of older drafts
        have no such key: nothing was imported then)."""
        note = self.figures.get("imported_note")
        return str(note) if note else None

    def series(self) -> dict[int, list[int | None]]:
        return {int(s["year"]): list(s["counts"]) for s in self.figures["series"]}

    def series_table(self) -> SeriesTable:
        return SeriesTable.of(self.series())

    def series_title(self) -> str:
        years = sorted(self.series())
        return f"Avvikelser per månad {years[0]}–{years[-1]}"

    @property
    def legal_basis(self) -> str:
        """Why the committee gets this report, cited in the numbering in force at the end of
        the reported month (the law is data: events.legal)."""
        last_day = date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return (
            "Avvikelserna tas emot, utreds och sammanställs i ledningssystemet för "
            f"systematiskt kvalitetsarbete ({cite_on('sosfs_2011_9', last_day)}; "
            f"{cite_on('kvalitet', last_day)}). Missförhållanden utreds och anmäls enligt "
            f"bestämmelserna om lex Sarah ({cite_on('lex_sarah_utreda', last_day)}, "
            f"{cite_on('lex_sarah_anmala', last_day)}; {cite_on('sosfs_2011_5', last_day)})."
        )

    def operation_title(self, operation: dict[str, Any]) -> str:
        n = operation["count"] if self.has_data else MISSING  # a month without data has no n
        return f"{operation['name']} ({operation['code']}) {self.period}, n = {n}"

    def months_chart(self) -> Markup:
        return monthly_bars_chart("bilaga-1", title=self.series_title(), series=self.series())

    def operation_chart(self, operation: dict[str, Any]) -> Markup:
        return bar_chart(
            f"bilaga-2-{operation['code'].lower()}", title=self.operation_title(operation),
            labels=[row["short"] for row in operation["rows"]],
            values=[row["count"] for row in operation["rows"]],
        )


@dataclass(frozen=True)
class SeriesTable:
    """Months down, years side by side (fits A4), a TOTALT row; MISSING for no data."""

    years: list[int]
    rows: list[tuple[str, list[int | str]]]

    @classmethod
    def of(cls, series: dict[int, list[int | None]]) -> SeriesTable:
        years = sorted(series)
        def cell(n: int | None) -> int | str:
            return MISSING if n is None else n

        rows: list[tuple[str, list[int | str]]] = [
            (label, [cell(series[y][m]) for y in years]) for m, label in enumerate(MONTHS_SV)
        ]
        totals: list[int | str] = []
        for year in years:
            known = [n for n in series[year] if n is not None]
            totals.append(sum(known) if known else MISSING)
        rows.append(("Totalt", totals))
        return cls(years, rows)

    def header(self) -> list[str]:
        return ["Månad", *[str(y) for y in self.years]]

    def body(self) -> list[list[Any]]:
        return [[label, *cells] for label, cells in self.rows]


def _from_report(report: CommitteeReport, revisions: list[CommitteeReport]) -> CommitteeDocument:
    return CommitteeDocument(
        text=dict(report.text), sections=[dict(s) for s in report.sections],
        figures=report.figures, state=FINAL if report.is_final else DRAFT,
        revision=report.revision, report_id=report.id, version=report.version,
        finalised_on=report.finalised_on, revisions=revisions,
    )


def generate(year: int, month: int, author: str) -> dict[str, Any]:
    """A fresh draft from the views and the cases ({"text", "sections", "figures"})."""
    fresh_views()
    settings = runtime().settings
    heading = drafting.Heading(
        committee=settings.committee_name, administration=settings.administration_name,
        author_title=settings.report_author_title,
    )
    return drafting.draft(
        runtime().engine, runtime().organisation, heading, year=year, month=month,
        author=author, today=application().today(), load=application().get_deviation,
        unit_names={u.code: unit_name(u.code) for u in
                    runtime().organisation.units(include_inactive=True)},
    )


def current_figures(year: int, month: int) -> dict[str, Any]:
    fresh_views()
    return drafting.figures(
        runtime().engine, runtime().organisation, year, month, application().today()
    )


def load(
    year: int, month: int, *, author: str, revision: int | None = None,
    prefer_final: bool = False,
) -> CommitteeDocument | None:
    """The revision asked for; else (prefer_final) the latest finalised one; else the latest
    revision; else a fresh, unsaved draft. None when the asked-for revision does not exist."""
    revisions = application().committee_reports(year, month)
    if revision is not None:
        chosen = [r for r in revisions if r.revision == revision]
        return _from_report(chosen[0], revisions) if chosen else None
    finals = [r for r in revisions if r.is_final]
    if prefer_final and finals:
        return _from_report(finals[-1], revisions)
    if revisions:
        return _from_report(revisions[-1], revisions)
    return CommitteeDocument(**generate(year, month, author), revisions=revisions)


def to_html(doc: CommitteeDocument) -> str:
    return render_template("committee_report/pdf.html", doc=doc)


def to_pdf(doc: CommitteeDocument) -> bytes:
    return render_pdf(to_html(doc))


def to_docx(doc: CommitteeDocument) -> bytes:
    text = doc.text
    writer = docx_writer.Writer(title=text["title"])
    writer.heading_block(
        left=[text["administration"], f"Handläggare: {text['author']}, {text['author_title']}"
              if text["author"] else text["author_title"]],
        right=["TJÄNSTESKRIVELSE", f"Datum: {text['report_date']}",
               f"Dnr: {text['diary_number'] or '–'}"],
        recipient=text["committee"],
    )
    writer.heading(text["title"], 1)
    writer.heading("Förslag till beslut", 2)
    writer.paragraphs(text["proposal"])
    writer.heading("Sammanfattning", 2)
    writer.paragraphs(text["summary"])
    writer.heading("Beskrivning av ärendet", 2)
    writer.paragraphs(text["background"])
    writer.paragraphs(doc.legal_basis)
    for section in doc.sections:
        writer.heading(f"{section['heading']} ({section['count']})", 3)
        writer.paragraphs(section["text"])
    writer.heading("Bilagor", 2)
    writer.heading(f"Bilaga 1. {doc.series_title()}", 3)
    writer.picture(monthly_bars_png(title=doc.series_title(), series=doc.series()))
    table = doc.series_table()
    writer.table(table.header(), table.body())
    if doc.imported_note:
        writer.paragraphs(doc.imported_note)
    writer.heading(f"Bilaga 2. Avvikelser per verksamhet {doc.period}", 3)
    for operation in doc.figures["operations"]:
        title = doc.operation_title(operation)
        if not doc.has_data:
            writer.paragraphs(f"{operation['name']}: uppgift saknas för {doc.period}.")
            continue
        writer.picture(bar_chart_png(
            title=title, labels=[row["short"] for row in operation["rows"]],
            values=[row["count"] for row in operation["rows"]],
        ))
        writer.table(
            ["Kvalitetsområde", "Antal"],
            [[row["name"], row["count"]] for row in operation["rows"]]
            + [["Totalt (n)", operation["count"]]],
        )
    complaint_documents.add_to_docx(
        writer, complaint_documents.month_section(doc.year, doc.month), 3)
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()
