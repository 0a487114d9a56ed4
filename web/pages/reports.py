"""Rollups for the verksamhetsutvecklare: the monthly report (n per operation, a table per
category/subcategory and a bar chart per operation), the annual table with yearly totals,
the year-over-year chart, escalations and recurrence suggestions. Charts are server-side
SVG with the same numbers in a table beside them; every table downloads as CSV. Counts
only: no case text ever reaches a rollup."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext
from marshmallow import fields, validate

from events.calendar import MONTH_NAMES
from projections import queries
from projections.queries import casework
from projections.queries import measures as measure_queries
from projections.queries.coverage import MISSING, DataMonths, months_with_data
from web import navigation
from web.cases.lex_sarah import GRADES, LEX_SARAH_STATUSES
from web.display import OPERATION_NAMES, category_name, unit_name
from web.documents.charts import MONTHS_SV, bar_chart, year_over_year_chart
from web.documents.report_tables import cause_sheet, cause_table, monthly_tables
from web.documents.xlsx_export import table_response
from web.forms import Form, parse_form
from web.policy import DEVIATION_ACTIONS, REPORT_ROLES
from web.runtime import application, fresh_views, runtime
from web.schemas import BaseSchema
from web.sign_in.users import current_account, roles_required

bp = Blueprint("reports", __name__, url_prefix="/rapporter")
navigation.register("Rapporter", "reports.index", REPORT_ROLES, order=60)

RANGE = lazy_gettext("Must be between {min} and {max}.")
YEARS = validate.Range(min=2000, max=2100, error=RANGE)
MAX_YEARS = 10


class MonthQuery(BaseSchema):
    year = fields.Integer(load_default=None, validate=YEARS)
    month = fields.Integer(load_default=None, validate=validate.Range(min=1, max=12, error=RANGE))


class YearQuery(BaseSchema):
    year = fields.Integer(load_default=None, validate=YEARS)


class SpanQuery(BaseSchema):
    first = fields.Integer(load_default=None, validate=YEARS)
    last = fields.Integer(load_default=None, validate=YEARS)


def _query(schema: BaseSchema) -> Form:
    return parse_form(schema, request.args)


def _status(form: Form) -> int:
    return 200 if form.ok else 422


def _refused(form: Form) -> Any:
    """A download asked for with a bad period: say why instead of sending another period."""
    text = " ".join(message for messages in form.errors.values() for message in messages)
    return render_template(
        "errors/error.html", status=422, title="Ogiltigt urval", text=text
    ), 422


def _grade_name(code: str | None) -> str:
    names = {grade.value: str(label) for grade, label in GRADES.items()}
    return names.get(code or "", code or "–")


@bp.route("/")
@roles_required(REPORT_ROLES)
def index() -> Any:
    return render_template("reports/index.html")


def _month(form: Form) -> tuple[int, int]:
    today = application().today()
    data = form.data if form.ok else {}
    return data.get("year") or today.year, data.get("month") or today.month


@bp.route("/manad")
@roles_required(REPORT_ROLES)
def monthly() -> Any:
    form = _query(MonthQuery())
    year, month = _month(form)
    fresh_views()
    report = queries.monthly_report(
        runtime().engine, year, month, organisation=runtime().organisation
    )
    tables = monthly_tables(report)
    period = f"{MONTH_NAMES[month - 1]} {year}"
    has_data = _coverage().has(year, month)
    for table in tables:
        if not has_data:  # uppgift saknas: no chart of zeros
            continue
        table["chart"] = bar_chart(
            f"diagram-{table['operation'].lower()}",
            title=f"{table['name']}: avvikelser {period} per kvalitetsområde",
            labels=[row["short"] for row in table["rows"]],
            values=[row["count"] for row in table["rows"]],
        )
    return render_template(
        "reports/monthly.html", form=form, report=report, tables=tables, year=year,
        month=month, period=period, month_names=MONTH_NAMES, years=_year_choices(year),
        has_data=has_data, missing=MISSING, footnote=_month_footnote(year, month),
        causes=cause_table(year, month, period),
        risk=measure_queries.risk_table(runtime().engine, *measure_queries.month_span(
            year, month)),
    ), _status(form)


@bp.route("/manad.csv")
@bp.route("/manad.xlsx", endpoint="monthly_xlsx")
@roles_required(REPORT_ROLES)
def monthly_csv() -> Any:
    form = _query(MonthQuery())
    if not form.ok:
        return _refused(form)
    year, month = _month(form)
    fresh_views()
    report = queries.monthly_report(
        runtime().engine, year, month, organisation=runtime().organisation
    )
    rows = [
        (table["name"], row["name"], row["count"])
        for table in monthly_tables(report)
        for row in table["rows"]
    ]
    rows += [(OPERATION_NAMES[op], "Totalt", n) for op, n in report["by_operation"].items()]
    rows.append(("Alla verksamheter", "Totalt", report["total"]))
    has_data = _coverage().has(year, month)
    if not has_data:
        rows = [(*row[:-1], MISSING) for row in rows]
    causes = cause_table(year, month, f"{MONTH_NAMES[month - 1]} {year}")
    return table_response(
        f"månadsrapport-{year}-{month:02d}", ["Verksamhet", "Kvalitetsområde", "Antal"], rows,
        note=_month_footnote(year, month), sheet="Månadsrapport",
        extra=[cause_sheet(causes, has_data)],
    )


@bp.route("/manad/orsaker.csv")
@bp.route("/manad/orsaker.xlsx", endpoint="monthly_causes_xlsx")
@roles_required(REPORT_ROLES)
def monthly_causes_csv() -> Any:
    form = _query(MonthQuery())
    if not form.ok:
        return _refused(form)
    year, month = _month(form)
    fresh_views()
    sheet = cause_sheet(cause_table(year, month, f"{MONTH_NAMES[month - 1]} {year}"),
                        _coverage().has(year, month))
    return table_response(f"orsaker-{year}-{month:02d}", sheet.header, sheet.rows,
                          sheet=sheet.name, note=_month_footnote(year, month))


@bp.route("/ar/orsaker.csv")
@bp.route("/ar/orsaker.xlsx", endpoint="annual_causes_xlsx")
@roles_required(REPORT_ROLES)
def annual_causes_csv() -> Any:
    form = _query(YearQuery())
    if not form.ok:
        return _refused(form)
    year = _year(form)
    fresh_views()
    sheet = cause_sheet(cause_table(year, None, str(year)), _coverage().has_year(year))
    return table_response(f"orsaker-{year}", sheet.header, sheet.rows, sheet=sheet.name,
                          note=_footnote([year]))


def _coverage() -> DataMonths:
    """Which months have data (up to today): the others read "uppgift saknas", never 0."""
    return months_with_data(runtime().engine, application().today())


def _footnote(years: Iterable[int]) -> str | None:
    """Which of these years' months come from imported data (None: none)."""
    return _coverage().footnote(years)


def _month_footnote(year: int, month: int) -> str | None:
    return _footnote([year]) if _coverage().is_imported(year, month) else None


def _year(form: Form) -> int:
    return (form.data.get("year") if form.ok else None) or application().today().year


def _year_choices(*shown: int) -> list[int]:
    """Years with deviations, this year, and the years on the page (a year without data can
    be asked for: its select must not show another year)."""
    this_year = application().today().year
    years = {row["year"] for row in queries.yearly_totals(runtime().engine)["years"]}
    return sorted(years | {this_year, *shown}, reverse=True)


def annual_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**row, "name": (category_name(row["category"], None) if row["subcategory"] is None
                         else "varav " + category_name(row["category"], row["subcategory"])
                         .split(" – ", 1)[-1])}
        for row in report["rows"]
    ]


@bp.route("/ar")
@roles_required(REPORT_ROLES)
def annual() -> Any:
    form = _query(YearQuery())
    year = _year(form)
    fresh_views()
    report = queries.annual_report(runtime().engine, year, organisation=runtime().organisation)
    totals = queries.yearly_totals(runtime().engine)
    return render_template(
        "reports/annual.html", form=form, year=year, report=report,
        rows=annual_rows(report), totals=totals["years"], years=_year_choices(year),
        has_data=_coverage().has_year(year), missing=MISSING, footnote=_footnote([year]),
        totals_footnote=_footnote(t["year"] for t in totals["years"]),
        causes=cause_table(year, None, str(year)),
    ), _status(form)


UNALLOCATED = "Ej fördelat på kvalitetsområde (importerad årssiffra)"
ANNUAL_HEADER = ["Kvalitetsområde", "IFO", "HVB", "Totalt", "Lex Sarah-utredningar"]


@bp.route("/ar.csv")
@bp.route("/ar.xlsx", endpoint="annual_xlsx")
@roles_required(REPORT_ROLES)
def annual_csv() -> Any:
    form = _query(YearQuery())
    if not form.ok:
        return _refused(form)
    year = _year(form)
    fresh_views()
    report = queries.annual_report(runtime().engine, year, organisation=runtime().organisation)
    rows: list[Sequence[Any]] = [
        (row["name"], row["ifo"], row["hvb"], row["total"], row["lex_sarah"])
        for row in annual_rows(report)
    ]
    total = report["total"]
    if report["unallocated"]:
        rows.append((UNALLOCATED, "", "", report["unallocated"], ""))
    rows.append(("TOTALT", total["ifo"], total["hvb"], total["total"], total["lex_sarah"]))
    has_data = _coverage().has_year(year)
    if not has_data:
        rows = [(row[0], *[MISSING] * (len(row) - 1)) for row in rows]
    return table_response(f"årstabell-{year}", ANNUAL_HEADER, rows, note=_footnote([year]),
                          sheet=f"Årstabell {year}",
                          extra=[cause_sheet(cause_table(year, None, str(year)), has_data)])


@bp.route("/ar/totaler.csv")
@bp.route("/ar/totaler.xlsx", endpoint="yearly_xlsx")
@roles_required(REPORT_ROLES)
def yearly_csv() -> Any:
    fresh_views()
    years = queries.yearly_totals(runtime().engine)["years"]
    return table_response(
        "avvikelser-per-år", ["År", "Antal avvikelser"],
        [(row["year"], row["total"]) for row in years],
        note=_footnote(row["year"] for row in years),
    )


def _span(form: Form) -> tuple[int, int]:
    this_year = application().today().year
    data = form.data if form.ok else {}
    last = data.get("last") or this_year
    first = data.get("first") or last - 2
    if first > last:
        first, last = last, first
    return max(first, last - MAX_YEARS + 1), last


@bp.route("/ar-for-ar")
@roles_required(REPORT_ROLES)
def year_over_year() -> Any:
    form = _query(SpanQuery())
    first, last = _span(form)
    fresh_views()
    series = _masked(queries.monthly_series(runtime().engine, range(first, last + 1)))
    chart = year_over_year_chart(
        "diagram-ar-for-ar", title=f"Avvikelser per månad {first}–{last}", series=series,
        imported={year for year, _ in _coverage().imported_in(range(first, last + 1))},
    )
    return render_template(
        "reports/year_over_year.html", form=form, first=first, last=last, series=series,
        chart=chart, months=MONTHS_SV, years=_year_choices(first, last),
        footnote=_footnote(range(first, last + 1)),
    ), _status(form)


@bp.route("/ar-for-ar.csv")
@bp.route("/ar-for-ar.xlsx", endpoint="year_over_year_xlsx")
@roles_required(REPORT_ROLES)
def year_over_year_csv() -> Any:
    form = _query(SpanQuery())
    if not form.ok:
        return _refused(form)
    first, last = _span(form)
    fresh_views()
    series = _masked(queries.monthly_series(runtime().engine, range(first, last + 1)))
    return table_response(
        f"avvikelser-per-månad-{first}-{last}",
        ["År", *MONTH_NAMES, "Totalt"],
        [(year, *[MISSING if n is None else n for n in counts], _total(counts))
         for year, counts in sorted(series.items())],
        note=_footnote(range(first, last + 1)),
    )


def _masked(series: dict[int, list[int]]) -> dict[int, list[int | None]]:
    coverage = _coverage()
    return {year: coverage.mask(year, counts) for year, counts in series.items()}


def _total(counts: Sequence[int | None]) -> int | str:
    known = [n for n in counts if n is not None]
    return sum(known) if known else MISSING


def _escalation_rows() -> list[dict[str, Any]]:
    fresh_views()
    return queries.escalations(runtime().engine, application().today())


@bp.route("/eskaleringar")
@roles_required(REPORT_ROLES)
def escalations() -> Any:
    return render_template(
        "reports/escalations.html", cases=_escalation_rows(), grade_name=_grade_name,
        statuses=LEX_SARAH_STATUSES,
    )


@bp.route("/eskaleringar.csv")
@bp.route("/eskaleringar.xlsx", endpoint="escalations_xlsx")
@roles_required(REPORT_ROLES)
def escalations_csv() -> Any:
    rows = [
        (
            c["number"], c["deviation_number"], unit_name(c["unit"]), c["operation"],
            c["opened_on"], _grade_name(c["proposed_grade"]) if c["proposed_grade"] else "",
            _grade_name(c["grade"]) if c["grade"] else "",
            str(LEX_SARAH_STATUSES.get(c["status"], c["status"])), c["ivo_sent_on"],
            c["ivo_reference"], c["days_open"], c["closed_on"],
        )
        for c in _escalation_rows()
    ]
    header = ["Lex Sarah-nummer", "Avvikelse", "Enhet", "Verksamhet", "Inledd",
              "Föreslagen bedömning", "Beslutad bedömning", "Status", "Anmäld till IVO",
              "IVO:s diarienummer", "Dagar öppen", "Avslutad"]
    return table_response(f"lex-sarah-utredningar-{application().today()}", header, rows)


def _recurrence_rows() -> list[dict[str, Any]]:
    fresh_views()
    return queries.recurrence(
        runtime().engine, application().today(), threshold=runtime().settings.recurrence_threshold
    )


@bp.route("/aterkommande")
@roles_required(REPORT_ROLES)
def recurrence() -> Any:
    rows = _recurrence_rows()
    start, end = queries.recurrence_window(application().today())
    return render_template(
        "reports/recurrence.html", rows=rows,
        threshold=runtime().settings.recurrence_threshold,
        behind=casework.recurrence_deviations(runtime().engine, start, end),
        may_escalate=current_account().role in DEVIATION_ACTIONS["escalate"],
        risk_threshold=runtime().settings.risk_lex_sarah_score,
        high_risk=measure_queries.risk_suggestions(
            runtime().engine, runtime().settings.risk_lex_sarah_score),
    )


@bp.route("/aterkommande.csv")
@bp.route("/aterkommande.xlsx", endpoint="recurrence_xlsx")
@roles_required(REPORT_ROLES)
def recurrence_csv() -> Any:
    rows = [
        (unit_name(r["unit"]), r["operation"], category_name(r["category"], r["subcategory"]),
         r["count"], r["window_start"], r["window_end"],
         "Överväg Lex Sarah-utredning" if r["suggest_lex_sarah"] else "")
        for r in _recurrence_rows()
    ]
    header = ["Enhet", "Verksamhet", "Kvalitetsområde", "Antal", "Från", "Till", "Förslag"]
    return table_response(f"aterkommande-avvikelser-{application().today()}", header, rows)
