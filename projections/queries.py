"""Read functions over the views. First argument an Engine; plain dicts and dataclasses out.

Statuses that depend on today (deadline clocks, days open, the rolling recurrence window)
are computed here from stored dates, with the domain's own rules (events.clocks and
ChildReport), never stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.child_report import ChildReport, ClockStatus
from events.clocks import add_months, days_left, is_past, local_date
from events.taxonomy import Operation, Taxonomy
from projections import tables as t
from projections.sources import TaxonomySource

OPERATIONS = [operation.value for operation in Operation]


def _sub_out(value: str | None) -> str | None:
    return value or None


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _row_order(taxonomy: Taxonomy) -> dict[tuple[str, str | None], int]:
    return {row: i for i, row in enumerate(taxonomy.rows())}


# --- 1. deviation list ----------------------------------------------------------------


@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _period(year: int | None, month: int | None) -> tuple[date, date] | None:
    """[first, last] day of a year or a month."""
    if year is None:
        return None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    first = date(year, month, 1)
    return first, add_months(first, 1) - timedelta(days=1)


def list_deviations(
    engine: sa.Engine,
    *,
    year: int | None = None,
    month: int | None = None,
    operation: str | None = None,
    unit: str | None = None,
    units: Collection[str] | None = None,
    category: str | None = None,
    status: str | None = None,
    reporter: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Deviations newest first (reported_on desc, number desc). `units` restricts the rows
    to those units (an enhetschef's scope); `month` needs `year`."""
    table = t.deviations
    conditions: list[sa.ColumnElement[bool]] = []
    period = _period(year, month)
    if period is not None:
        conditions.append(table.c.reported_on.between(*period))
    if operation:
        conditions.append(table.c.operation == operation)
    if unit:
        conditions.append(table.c.unit == unit)
    if units is not None:
        conditions.append(table.c.unit.in_(list(units)))
    if category:
        conditions.append(table.c.category == category)
    if status:
        conditions.append(table.c.status == status)
    if reporter:
        conditions.append(table.c.reporter == reporter)
    page, per_page = max(1, page), max(1, per_page)
    query = (
        sa.select(table)
        .where(*conditions)
        .order_by(table.c.reported_on.desc(), table.c.number.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    with engine.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*conditions)
        ).scalar_one()
        rows = connection.execute(query).mappings().all()
    items = [
        {
            "id": row["id"],
            "number": row["number"],
            "reported_on": row["reported_on"],
            "occurred_on": row["occurred_on"],
            "unit": row["unit"],
            "operation": row["operation"],
            "category": row["category"],
            "subcategory": row["subcategory"],
            "status": row["status"],
            "source": row["source"],
            "reporter": row["reporter"],
            "assignee": row["assignee"],
            "lex_sarah_case_id": row["lex_sarah_case_id"],
        }
        for row in rows
    ]
    return Page(items, total, page, per_page)


# --- 2. monthly counts ----------------------------------------------------------------


def monthly_report(
    engine: sa.Engine, year: int, month: int, *, organisation: TaxonomySource
) -> dict[str, Any]:
    """Deviations reported in the month, per operation and (sub)category (rows with a
    count only; subcategory None where there is none)."""
    table = t.monthly_counts
    count = sa.func.sum(table.c.count)
    query = (
        sa.select(table.c.operation, table.c.category, table.c.subcategory, count)
        .where(table.c.year == year, table.c.month == month)
        .group_by(table.c.operation, table.c.category, table.c.subcategory)
    )
    with engine.connect() as connection:
        found = connection.execute(query).all()
    order = _row_order(organisation.taxonomy())
    rows = [
        {"operation": op, "category": cat, "subcategory": _sub_out(sub), "count": int(n)}
        for op, cat, sub, n in found
        if n
    ]
    rows.sort(
        key=lambda r: (
            OPERATIONS.index(r["operation"]) if r["operation"] in OPERATIONS else len(OPERATIONS),
            order.get((r["category"], r["subcategory"]), len(order)),
            r["category"],
            r["subcategory"] or "",
        )
    )
    by_operation = dict.fromkeys(OPERATIONS, 0)
    for row in rows:
        by_operation[row["operation"]] = by_operation.get(row["operation"], 0) + row["count"]
    return {
        "year": year,
        "month": month,
        "total": sum(by_operation.values()),
        "by_operation": by_operation,
        "rows": rows,
    }


def monthly_series(engine: sa.Engine, years: Iterable[int]) -> dict[int, list[int]]:
    """Deviations per month for each year (the year-over-year chart)."""
    wanted = sorted(set(years))
    series = {year: [0] * 12 for year in wanted}
    if not wanted:
        return series
    table = t.monthly_counts
    query = (
        sa.select(table.c.year, table.c.month, sa.func.sum(table.c.count))
        .where(table.c.year.in_(wanted))
        .group_by(table.c.year, table.c.month)
    )
    with engine.connect() as connection:
        for year, month, n in connection.execute(query):
            series[year][month - 1] = int(n)
    return series


# --- 3. annual table ------------------------------------------------------------------


def annual_report(
    engine: sa.Engine, year: int, *, organisation: TaxonomySource
) -> dict[str, Any]:
    """The kvalitetsberättelse table: a row per category, followed for categories with
    subcategories by a "varav" row per subcategory; IFO, HVB, total and Lex Sarah
    investigations opened in `year` from deviations now classified in that row. A category
    row is the sum of its subcategory rows; `total` sums the category rows."""
    table = t.annual_counts
    query = (
        sa.select(
            table.c.category, table.c.subcategory, table.c.operation,
            sa.func.sum(table.c.deviations), sa.func.sum(table.c.lex_sarah),
        )
        .where(table.c.year == year)
        .group_by(table.c.category, table.c.subcategory, table.c.operation)
    )
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"ifo": 0, "hvb": 0, "lex_sarah": 0}
    )
    with engine.connect() as connection:
        for category, subcategory, operation, deviations, lex_sarah in connection.execute(query):
            cell = counts[(category, subcategory)]
            column = operation.lower()
            cell[column] = cell.get(column, 0) + int(deviations or 0)
            cell["lex_sarah"] += int(lex_sarah or 0)

    def row(category: str, subcategory: str | None, cells: list[dict[str, int]]) -> dict[str, Any]:
        ifo = sum(c["ifo"] for c in cells)
        hvb = sum(c["hvb"] for c in cells)
        return {
            "category": category,
            "subcategory": subcategory,
            "ifo": ifo,
            "hvb": hvb,
            "total": ifo + hvb,
            "lex_sarah": sum(c["lex_sarah"] for c in cells),
        }

    taxonomy = organisation.taxonomy()
    # Codes in the data but no longer in the taxonomy still get their rows, last.
    categories: dict[str, list[str]] = {
        code: list(category.subcategories) for code, category in taxonomy.categories.items()
    }
    for category, subcategory in sorted(counts):
        subs = categories.setdefault(category, [])
        if subcategory and subcategory not in subs:
            subs.append(subcategory)
    rows: list[dict[str, Any]] = []
    for category, subcategories in categories.items():
        known = taxonomy.categories.get(category)
        cells = [counts[key] for key in counts if key[0] == category]
        if known is not None and not known.active and not any(cells):
            continue
        rows.append(row(category, None, cells))
        for subcategory in subcategories:
            rows.append(row(category, subcategory, [counts.get((category, subcategory), {
                "ifo": 0, "hvb": 0, "lex_sarah": 0})]))
    category_rows = [r for r in rows if r["subcategory"] is None]
    total = {
        key: sum(r[key] for r in category_rows) for key in ("ifo", "hvb", "total", "lex_sarah")
    }
    return {"year": year, "rows": rows, "total": total}


def yearly_totals(engine: sa.Engine) -> dict[str, Any]:
    """Deviations reported per year, every year with any."""
    table = t.annual_counts
    query = (
        sa.select(table.c.year, sa.func.sum(table.c.deviations))
        .group_by(table.c.year)
        .order_by(table.c.year)
    )
    with engine.connect() as connection:
        years = [
            {"year": year, "total": int(n)} for year, n in connection.execute(query) if n
        ]
    return {"years": years}


# --- 4. escalations -------------------------------------------------------------------


def escalations(engine: sa.Engine, today: date) -> list[dict[str, Any]]:
    """Lex Sarah cases, newest first, with days open (until closed, or until today)."""
    table = t.escalations
    query = sa.select(table).order_by(table.c.opened_on.desc(), table.c.number.desc())
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        {
            "id": row["id"],
            "number": row["number"],
            "deviation_id": row["deviation_id"],
            "deviation_number": row["deviation_number"],
            "unit": row["unit"],
            "operation": row["operation"],
            "opened_on": row["opened_on"],
            "proposed_grade": row["proposed_grade"],
            "grade": row["grade"],
            "decided_on": row["decided_on"],
            "status": row["status"],
            "ivo_sent_on": row["ivo_sent_on"],
            "ivo_reference": row["ivo_reference"],
            "days_open": ((row["closed_on"] or today) - row["opened_on"]).days,
            "closed_on": row["closed_on"],
        }
        for row in rows
    ]


# --- 5. deadlines ---------------------------------------------------------------------

UNDECIDED = frozenset(
    {ClockStatus.OPEN, ClockStatus.DUE_TODAY, ClockStatus.OVERDUE, ClockStatus.EXTENDED}
)


def preliminary_status(row: Any, today: date) -> ClockStatus:
    """The förhandsbedömning clock by ChildReport's own rule, applied to a view row."""
    state = SimpleNamespace(
        is_exempt=row["ongoing_investigation"],
        decided_on=row["decided_on"],
        deadline=row["deadline"],
        original_deadline=row["original_deadline"],
    )
    return ChildReport.preliminary_status(state, today)  # type: ignore[arg-type]


def _open_clock_status(due: date, today: date, extended: bool = False) -> ClockStatus:
    if is_past(due, today):
        return ClockStatus.OVERDUE
    if due == today:
        return ClockStatus.DUE_TODAY
    return ClockStatus.EXTENDED if extended else ClockStatus.OPEN


def protection_status(row: Any, today: date) -> ClockStatus:
    """Skyddsbedömning: done in time, done late, or open against its due day."""
    assessed = _aware(row["protection_assessed_at"])
    due = row["protection_due"]
    if assessed is not None:
        late = is_past(due, local_date(assessed))
        return ClockStatus.DECIDED_LATE if late else ClockStatus.DECIDED
    return _open_clock_status(due, today)


def investigation_status(row: Any, today: date) -> ClockStatus | None:
    """Utredningstid (None before an investigation is opened)."""
    deadline = row["investigation_deadline"]
    if deadline is None:
        return None
    completed = row["investigation_completed_on"]
    if completed is not None:
        return ClockStatus.DECIDED_LATE if is_past(deadline, completed) else ClockStatus.DECIDED
    extended = deadline != row["investigation_original_deadline"]
    return _open_clock_status(deadline, today, extended)


def _report_conditions(
    unit: str | None, units: Collection[str] | None, handler: str | None
) -> list[sa.ColumnElement[bool]]:
    table = t.child_reports
    conditions: list[sa.ColumnElement[bool]] = []
    if unit:
        conditions.append(table.c.unit == unit)
    if units is not None:
        conditions.append(table.c.unit.in_(list(units)))
    if handler:
        conditions.append(table.c.handler == handler)
    return conditions


def child_reports(
    engine: sa.Engine,
    today: date,
    *,
    status: str | None = None,
    unit: str | None = None,
    units: Collection[str] | None = None,
    handler: str | None = None,
) -> list[dict[str, Any]]:
    """Every child report with its clocks, soonest förhandsbedömning deadline first.
    `status` is a ClockStatus value of the förhandsbedömning, or "open" for any report
    still undecided and not exempt (open, due today, overdue or extended)."""
    table = t.child_reports
    query = (
        sa.select(table)
        .where(*_report_conditions(unit, units, handler))
        .order_by(table.c.deadline, table.c.number)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    result = []
    for row in rows:
        clock = preliminary_status(row, today)
        if status == ClockStatus.OPEN.value:
            if clock not in UNDECIDED:
                continue
        elif status and clock.value != status:
            continue
        investigation = investigation_status(row, today)
        result.append(
            {
                "id": row["id"],
                "number": row["number"],
                "unit": row["unit"],
                "operation": row["operation"],
                "case_reference": row["case_reference"],
                "received_at": _aware(row["received_at"]),
                "handler": row["handler"],
                "deadline": row["deadline"],
                "days_left": days_left(row["deadline"], today) if clock in UNDECIDED else None,
                "status": clock.value,
                "decided_on": row["decided_on"],
                "decision": row["decision"],
                "protection_due": row["protection_due"],
                "protection_assessed": _aware(row["protection_assessed_at"]),
                "protection_status": protection_status(row, today).value,
                "investigation_opened_on": row["investigation_opened_on"],
                "investigation_deadline": row["investigation_deadline"],
                "investigation_status": investigation.value if investigation else None,
                "breach_deviation_id": row["breach_deviation_id"],
                "investigation_breach_deviation_id": row["investigation_breach_deviation_id"],
            }
        )
    return result


def _band(left: int, warning_days: int) -> str:
    if left < 0:
        return "overdue"
    if left == 0:
        return "due_today"
    return "soon" if left <= warning_days else "later"


def deadline_board(
    engine: sa.Engine,
    today: date,
    *,
    unit: str | None = None,
    units: Collection[str] | None = None,
    handler: str | None = None,
    warning_days: int = 3,
) -> list[dict[str, Any]]:
    """Every open clock (skyddsbedömning not yet made, förhandsbedömning undecided and not
    exempt, investigation opened and not completed), fewest days left first."""
    table = t.child_reports
    open_clock = sa.or_(
        table.c.protection_assessed_at.is_(None),
        sa.and_(table.c.ongoing_investigation.is_(False), table.c.decided_on.is_(None)),
        sa.and_(
            table.c.investigation_deadline.is_not(None),
            table.c.investigation_completed_on.is_(None),
        ),
    )
    query = sa.select(table).where(open_clock, *_report_conditions(unit, units, handler))
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    board = []
    for row in rows:
        clocks: list[tuple[str, date]] = []
        if row["protection_assessed_at"] is None:
            clocks.append(("skyddsbedomning", row["protection_due"]))
        if not row["ongoing_investigation"] and row["decided_on"] is None:
            clocks.append(("forhandsbedomning", row["deadline"]))
        if row["investigation_deadline"] is not None and row["investigation_completed_on"] is None:
            clocks.append(("utredning", row["investigation_deadline"]))
        for clock, due in clocks:
            left = days_left(due, today)
            board.append(
                {
                    "report_id": row["id"],
                    "number": row["number"],
                    "unit": row["unit"],
                    "handler": row["handler"],
                    "clock": clock,
                    "due": due,
                    "days_left": left,
                    "band": _band(left, warning_days),
                }
            )
    board.sort(key=lambda r: (r["days_left"], r["number"], r["clock"]))
    return board


def upcoming_deadlines(engine: sa.Engine, today: date, days: int) -> list[dict[str, Any]]:
    """Board rows due within `days` from today, overdue ones included (for the warnings
    and the daily digest)."""
    return [
        r for r in deadline_board(engine, today, warning_days=days) if r["days_left"] <= days
    ]


def overdue_candidates(engine: sa.Engine, today: date) -> list[tuple[UUID, str]]:
    """(report_id, "preliminary" | "investigation") for every clock breached by `today`
    and not yet flagged: two index range scans on the watch columns. The scheduler checks
    each against its aggregate before flagging."""
    table = t.child_reports
    with engine.connect() as connection:
        preliminary = connection.execute(
            sa.select(table.c.id)
            .where(table.c.preliminary_watch < today)
            .order_by(table.c.preliminary_watch, table.c.number)
        ).scalars().all()
        investigation = connection.execute(
            sa.select(table.c.id)
            .where(table.c.investigation_watch < today)
            .order_by(table.c.investigation_watch, table.c.number)
        ).scalars().all()
    return [(i, "preliminary") for i in preliminary] + [(i, "investigation") for i in investigation]


# --- 6. recurrence --------------------------------------------------------------------


def recurrence_window(today: date) -> tuple[date, date]:
    """The rolling three months up to and including today."""
    return add_months(today, -3) + timedelta(days=1), today


def recurrence(engine: sa.Engine, today: date, threshold: int = 3) -> list[dict[str, Any]]:
    """Deviations per unit and (sub)category reported in the rolling three months, most
    first; at or above `threshold` a Lex Sarah investigation should be considered."""
    start, end = recurrence_window(today)
    table = t.recurrence_members
    count = sa.func.count().label("count")
    query = (
        sa.select(table.c.unit, table.c.operation, table.c.category, table.c.subcategory, count)
        .where(table.c.reported_on.between(start, end))
        .group_by(table.c.unit, table.c.operation, table.c.category, table.c.subcategory)
    )
    with engine.connect() as connection:
        found = connection.execute(query).all()
    rows = [
        {
            "unit": unit,
            "operation": operation,
            "category": category,
            "subcategory": _sub_out(subcategory),
            "count": int(n),
            "window_start": start,
            "window_end": end,
            "suggest_lex_sarah": int(n) >= threshold,
        }
        for unit, operation, category, subcategory, n in found
    ]
    rows.sort(key=lambda r: (-r["count"], r["unit"], r["category"], r["subcategory"] or ""))
    return rows
