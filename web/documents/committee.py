"""The report to the committee as the page, the PDF and the Word document show it: one model
(CommitteeDocument) built from a stored revision or from a fresh draft, rendered three ways."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import render_template
from markupsafe import Markup

from events.calendar import MONTH_NAMES
from events.clocks import local_date
from events.committee_report import LEGACY_FORM, CommitteeReport
from projections import queries
from tracker import committee_report_draft as drafting
from web.display import unit_name
from web.documents import docx_writer
from web.documents.charts import (
    MISSING,
    MONTHS_SV,
    bar_chart,
    bar_chart_png,
    monthly_bars_chart,
    monthly_bars_png,
)
from web.documents.pdf import DRAFT_MARK, render_pdf
from web.documents.xlsx_export import Sheet, render_xlsx
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
    # The form's words (stored with the report; a preview takes today's settings).
    form: dict[str, str] = field(default_factory=lambda: dict(LEGACY_FORM))
    review: dict[str, Any] | None = None  # the confirmed secrecy review of this version

    def label(self, name: str, **values: Any) -> str:
        """A word of the form, its placeholders filled (a form stored before a word
        existed falls back on the old form's word)."""
        template = self.form.get(name, LEGACY_FORM[name])
        return template.format(administration=self.text.get("administration", ""), **values)

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

    @property
    def draft_mark(self) -> str:
        """"UTKAST" for a draft or an unsaved proposal (page, print, PDF, Word); empty for
        the finalised report the committee got."""
        return "" if self.state == FINAL else DRAFT_MARK

    @property
    def document_title(self) -> str:
        """The file's own title (PDF /Title, Word's title): says UTKAST while it is one."""
        title = self.text["title"]
        return f"{self.draft_mark}: {title}" if self.draft_mark else title

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
        return SeriesTable.of(self.series(), missing=self.label("missing"),
                              total=self.label("total_row"),
                              month_column=self.label("month_column"))

    def operation_rows(self, operation: dict[str, Any]) -> list[list[Any]]:
        """Bilaga 2's table of one operation, with its total row."""
        missing = self.label("missing")
        rows: list[list[Any]] = [[row["name"], row["count"] if self.has_data else missing]
                                 for row in operation["rows"]]
        rows.append([f"{self.label('total_row')} (n)",
                     operation["count"] if self.has_data else missing])
        return rows

    def series_title(self) -> str:
        years = sorted(self.series())
        return self.label("series_title", first=years[0], last=years[-1])

    def series_caption(self) -> str:
        """Appendix 1's table caption (PDF, page and Word)."""
        missing = "" if self.has_data else f" ({self.label('missing_period', period=self.period)})"
        return self.series_title() + missing

    @property
    def legal_basis(self) -> str:
        """Why the committee gets this report: an editable text of the draft; a report
        drafted before it was one cites as it did then."""
        if "legal_basis" in self.text:
            return self.text["legal_basis"]
        return drafting.legal_basis(self.year, self.month)

    def operation_title(self, operation: dict[str, Any]) -> str:
        n = operation["count"] if self.has_data else self.label("missing")
        return self.label("operation_title", operation=operation["name"],
                          code=operation["code"], period=self.period, n=n)

    def operations_title(self) -> str:
        return self.label("operations_title", period=self.period)

    def cases_title(self) -> str:
        return self.label("cases_title", period=self.period)

    @property
    def has_case_detail(self) -> bool:
        return any(section.get("detail") for section in self.sections)

    def appendices(self) -> list[str]:
        """The numbered list under "Bilagor": each appendix's title, in order."""
        titles = [self.series_title(), self.operations_title()]
        if self.has_case_detail:
            titles.append(self.cases_title())
        return titles

    def appendix_heading(self, number: int) -> str:
        return f"{self.label('appendix_label')} {number}. {self.appendices()[number - 1]}"

    @property
    def signature(self) -> list[str]:
        """The signature block after Beskrivning av ärendet: name, then title."""
        return [line for line in (self.text.get("author", ""),
                                  self.text.get("author_title", "")) if line]

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

    month_column: str = "Månad"

    @classmethod
    def of(
        cls, series: dict[int, list[int | None]], *, missing: str = MISSING,
        total: str = "Totalt", month_column: str = "Månad",
    ) -> SeriesTable:
        years = sorted(series)
        def cell(n: int | None) -> int | str:
            return missing if n is None else n

        rows: list[tuple[str, list[int | str]]] = [
            (label, [cell(series[y][m]) for y in years]) for m, label in enumerate(MONTHS_SV)
        ]
        totals: list[int | str] = []
        for year in years:
            known = [n for n in series[year] if n is not None]
            totals.append(sum(known) if known else missing)
        rows.append((total, totals))
        return cls(years, rows, month_column)

    def header(self) -> list[str]:
        return [self.month_column, *[str(y) for y in self.years]]

    def body(self) -> list[list[Any]]:
        return [[label, *cells] for label, cells in self.rows]


def _from_report(report: CommitteeReport, revisions: list[CommitteeReport]) -> CommitteeDocument:
    return CommitteeDocument(
        text=dict(report.text), sections=[dict(s) for s in report.sections],
        figures=report.figures, state=FINAL if report.is_final else DRAFT,
        revision=report.revision, report_id=report.id, version=report.version,
        finalised_on=report.finalised_on, revisions=revisions, form=dict(report.form),
        review=report.review,
    )


def generate(year: int, month: int, author: str, *, case_texts: bool = False) -> dict[str, Any]:
    """A fresh draft from the views and the cases ({"text", "sections", "figures",
    "form"}); with `case_texts`, each case's story as an appendix (for the review)."""
    fresh_views()
    settings = runtime().settings
    heading = drafting.Heading(
        committee=settings.committee_name, administration=settings.administration_name,
        author_title=settings.report_author_title, form=settings.committee_form,
    )
    return drafting.draft(
        runtime().engine, runtime().organisation, heading, year=year, month=month,
        author=author, today=application().today(), load=application().get_deviation,
        unit_names={u.code: unit_name(u.code) for u in
                    runtime().organisation.units(include_inactive=True)},
        case_texts=case_texts,
    )


# The free texts the secrecy review reads, with their names on the page.
REVIEWED_TEXTS = {"summary": "Sammanfattning", "background": "Beskrivning av ärendet (inledning)",
                  "proposal": "Förslag till beslut", "title": "Rubrik"}


def secrecy_rules() -> drafting.SecrecyRules:
    settings = runtime().settings
    return drafting.SecrecyRules(
        small_cell=settings.secrecy_small_cell, min_unit_size=settings.secrecy_min_unit_size,
        unit_sizes=settings.secrecy_unit_sizes, words=settings.secrecy_words,
    )


def review_flags(doc: CommitteeDocument) -> list[drafting.Flag]:
    """What the secrecy review must look at in this version's texts."""
    return drafting.review(doc.text, doc.sections, secrecy_rules(), REVIEWED_TEXTS)


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


# What a deviation's later event did to the counts of the month, in the words of the page.
CHANGE_KINDS = {"Reclassified": ("omklassificerad", "omklassificerade"),
                "Withdrawn": ("återkallad", "återkallade"),
                "Reported": ("registrerad i efterhand", "registrerade i efterhand")}


@dataclass(frozen=True)
class Change:
    """One later event of one of the month's deviations."""

    at: datetime
    kind: str
    by: str
    number: str
    detail: str


@dataclass(frozen=True)
class ChangesSinceFinalising:
    finalised_at: datetime
    figures: list[str]  # "januari 2018: 13 → 12"
    summary: list[str]  # "två avvikelser omklassificerade 14 februari 2018 av utvecklare"
    changes: list[Change]


def long_date(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def changes_since_finalising(doc: CommitteeDocument) -> ChangesSinceFinalising:
    """From the events: what changed in the report's figures after it was finalised, and
    which events of the month's deviations did it (reclassified, withdrawn, registered
    late), when and by whom."""
    assert doc.report_id is not None
    assert doc.state == FINAL
    finalised_at = next(entry.at for entry in application().history(doc.report_id)
                        if entry.type == "Finalised")
    lines = drafting.figure_changes(doc.figures, current_figures(doc.year, doc.month))
    taxonomy = runtime().organisation.taxonomy()
    found = queries.list_deviations(runtime().engine, year=doc.year, month=doc.month,
                                    per_page=100_000).items
    changes = []
    for item in found:
        for entry in application().history(item["id"]):
            if entry.at <= finalised_at or entry.type not in CHANGE_KINDS:
                continue
            detail = ""
            if entry.type == "Reclassified":
                data = entry.data
                before = drafting.leaf_name(taxonomy, data["previous_category"],
                                            data["previous_subcategory"])[0]
                after = drafting.leaf_name(taxonomy, data["category"], data["subcategory"])[0]
                detail = f"{before} → {after}"
            changes.append(Change(entry.at, entry.type, entry.by or "", item["number"], detail))
    changes.sort(key=lambda change: (change.at, change.number))
    groups: dict[tuple[str, date, str], int] = {}
    for change in changes:
        key = (change.kind, local_date(change.at), change.by)
        groups[key] = groups.get(key, 0) + 1
    summary = []
    for (kind, day, by), n in groups.items():
        one, many = CHANGE_KINDS[kind]
        noun = f"avvikelse {one}" if n == 1 else f"avvikelser {many}"
        summary.append(f"{drafting.in_words(n)} {noun} {long_date(day)} av {by}")
    return ChangesSinceFinalising(finalised_at, lines, summary, changes)


def to_xlsx(doc: CommitteeDocument) -> bytes:
    """The appendices' figures as a workbook: from the report's own figures, so a finalised
    report's workbook is frozen with it (the same numbers as its PDF)."""
    table = doc.series_table()
    sheets = [Sheet(f"{doc.label('appendix_label')} 1", table.header(), table.body())]
    header = [doc.label("category_column"), doc.label("count_column")]
    for operation in doc.figures["operations"]:
        sheets.append(Sheet(f"{doc.label('appendix_label')} 2 {operation['code']}", header,
                            doc.operation_rows(operation)))
    return render_xlsx(sheets, title=doc.document_title, author=doc.text["author"])


def to_html(doc: CommitteeDocument) -> str:
    return render_template("committee_report/pdf.html", doc=doc)


def to_pdf(doc: CommitteeDocument) -> bytes:
    return render_pdf(to_html(doc))


def to_docx(doc: CommitteeDocument) -> bytes:
    text = doc.text
    writer = docx_writer.Writer(
        title=doc.document_title, author=text["author"], created=application().now(),
        header_left=f"{text['administration']} · {doc.label('diary_label')} "
                    f"{text['diary_number'] or '–'}",
        draft_mark=doc.draft_mark,
    )
    if doc.draft_mark:
        writer.draft_mark(doc.draft_mark)
    author = doc.label("author_label")
    writer.heading_block(
        left=[text["administration"], f"{author}: {text['author']}, {text['author_title']}"
              if text["author"] else text["author_title"]],
        right=[doc.label("kind"), f"{doc.label('date_label')}: {text['report_date']}",
               f"{doc.label('diary_label')}: {text['diary_number'] or '–'}"],
        recipient=text["committee"], recipient_label=doc.label("recipient_label"),
    )
    writer.heading(text["title"], 1)
    writer.heading(doc.label("proposal_heading"), 2)
    writer.paragraphs(text["proposal"])
    writer.heading(doc.label("summary_heading"), 2)
    writer.paragraphs(text["summary"])
    writer.heading(doc.label("description_heading"), 2)
    writer.paragraphs(text["background"])
    writer.paragraphs(doc.legal_basis)
    for section in doc.sections:
        writer.heading(f"{section['heading']} ({section['count']})", 3)
        writer.paragraphs(section["text"])
        if section.get("table"):
            writer.table(section["table"]["header"], section["table"]["rows"],
                         caption=section["heading"])
    writer.paragraphs("\n".join(doc.signature))
    writer.heading(doc.label("appendices_heading"), 2)
    writer.paragraphs("\n".join(f"{n}. {title}" for n, title in enumerate(doc.appendices(), 1)))
    writer.heading(doc.appendix_heading(1), 3)
    chart = monthly_bars_png(title=doc.series_title(), series=doc.series())
    writer.picture(chart.png, description=chart.alt)
    table = doc.series_table()
    writer.table(table.header(), table.body(), caption=doc.series_caption())
    if doc.imported_note:
        writer.paragraphs(doc.imported_note)
    writer.heading(doc.appendix_heading(2), 3)
    for operation in doc.figures["operations"]:
        title = doc.operation_title(operation)
        if not doc.has_data:
            writer.paragraphs(
                f"{operation['name']}: {doc.label('missing_period', period=doc.period)}.")
            continue
        chart = bar_chart_png(
            title=title, labels=[row["short"] for row in operation["rows"]],
            values=[row["count"] for row in operation["rows"]],
        )
        writer.picture(chart.png, description=chart.alt)
        writer.table([doc.label("category_column"), doc.label("count_column")],
                     doc.operation_rows(operation), caption=title)
    if doc.has_case_detail:
        writer.heading(doc.appendix_heading(3), 3)
        for section in doc.sections:
            if section.get("detail"):
                writer.heading(section["heading"], 4)
                writer.paragraphs(section["detail"])
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()
