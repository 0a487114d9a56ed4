"""Casework queries on the to-do view (projections/views/todo.py): each deviation's next
step (the inbox), the measures list ("Åtgärder") and cause counts for the monthly report,
the annual table and the committee report."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.causes import CauseList
from events.clocks import add_months
from events.deviation import DeviationStatus, MeasureStatus
from events.taxonomy import Operation
from projections import tables as t
from projections.queries._rows import readable

# The deviation's steps, in task-list order (events.tasks names them the same way).
ANALYSE, MEASURES, FEEDBACK, CLOSE = "orsaksanalys", "atgarder", "aterkoppling", "avsluta"


def next_step(row: Any) -> str | None:
    """The first step an open deviation still lacks; None once it is closed or withdrawn.
    The same order as the task list on the deviation page."""
    if row["status"] != DeviationStatus.OPEN.value:
        return None
    if not row["analysed"]:
        return ANALYSE
    if not row["measures"] and not row["measures_not_needed"]:
        return MEASURES
    if row["feedback_required"] and not row["feedback"] and not row["feedback_not_possible"]:
        return FEEDBACK
    return CLOSE


def steps_of(engine: sa.Engine, ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
    """{deviation id: {"next_step", "measures_open"}} for the given deviations."""
    wanted = list(ids)
    if not wanted:
        return {}
    table = t.todo_deviations
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(table).where(table.c.id.in_(wanted))
        ).mappings().all()
    return {
        row["id"]: {"next_step": next_step(row), "measures_open": row["measures_open"]}
        for row in rows
    }


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, add_months(first, 1) - timedelta(days=1)


def list_measures(
    engine: sa.Engine,
    today: date,
    *,
    unit: str | None = None,
    units: Collection[str] | None = None,
    state: str | None = None,
    due: str | None = None,
    status: str | None = None,
    responsible: str | None = None,
) -> list[dict[str, Any]]:
    """Measures of deviations that are not withdrawn, the soonest due first (completed ones
    after the open ones). `state`: "open" (neither completed nor turned down) |
    "completed"; `due`: "overdue" (open and past its due date) | "this_month" (due in
    today's month) | "follow_up" (completed, its effect to be judged by today); `status`:
    one lifecycle status (events.deviation.MeasureStatus); `responsible`: exactly that
    owner (a username)."""
    m, c = t.todo_measures, t.todo_deviations
    conditions: list[sa.ColumnElement[bool]] = [c.c.status != DeviationStatus.WITHDRAWN.value]
    if unit:
        conditions.append(c.c.unit == unit)
    if units is not None:
        conditions.append(c.c.unit.in_(list(units)))
    if state == "open":
        conditions += [m.c.completed_on.is_(None), m.c.status != MeasureStatus.REJECTED.value]
    elif state == "completed":
        conditions.append(m.c.completed_on.is_not(None))
    if due == "overdue":
        conditions += [m.c.completed_on.is_(None), m.c.due_on < today,
                       m.c.status != MeasureStatus.REJECTED.value]
    elif due == "this_month":
        conditions.append(m.c.due_on.between(*_month(today)))
    elif due == "follow_up":
        conditions += [m.c.follow_up_on <= today, m.c.status == MeasureStatus.COMPLETED.value]
    if status:
        conditions.append(m.c.status == status)
    if responsible is not None:
        conditions.append(m.c.responsible_key == responsible)  # blind index
    query = (
        sa.select(
            *readable(m), c.c.operation, c.c.status.label("deviation_status"),
        )
        .join(c, c.c.id == m.c.deviation_id)
        .where(*conditions)
        .order_by(m.c.completed_on.is_not(None), m.c.due_on, c.c.number, m.c.measure)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        {
            "deviation_id": row["deviation_id"],
            "deviation_number": row["deviation_number"],
            "deviation_status": row["deviation_status"],
            "number": row["measure"],
            "unit": row["unit"],
            "operation": row["operation"],
            "description": row["description"],
            "responsible": row["responsible"],
            "due_on": row["due_on"],
            "added_on": row["added_on"],
            "completed_on": row["completed_on"],
            "status": row["status"],
            "goal": row["goal"],
            "follow_up_on": row["follow_up_on"],
            "follow_up_due": row["follow_up_on"] is not None and row["follow_up_on"] <= today
            and row["status"] == MeasureStatus.COMPLETED.value,
            "effect": row["effect"],
            "state": _state(row, today),
            "days_overdue": (today - row["due_on"]).days
            if _state(row, today) == "overdue" else 0,
        }
        for row in rows
    ]


def _state(row: Any, today: date) -> str:
    """open | overdue | completed | rejected: where the measure stands today."""
    if row["completed_on"]:
        return "completed"
    if row["status"] == MeasureStatus.REJECTED.value:
        return "rejected"
    return "overdue" if row["due_on"] < today else "open"


def _year_or_month(year: int, month: int | None) -> tuple[date, date]:
    first = date(year, month or 1, 1)
    return first, add_months(first, 1 if month else 12) - timedelta(days=1)


def analysed_count(engine: sa.Engine, year: int, month: int | None = None) -> int:
    """Deviations reported in the period (not withdrawn) whose analysis names causes."""
    c = t.todo_deviations
    query = sa.select(sa.func.count()).select_from(c).where(
        c.c.reported_on.between(*_year_or_month(year, month)),
        c.c.status != DeviationStatus.WITHDRAWN.value,
        c.c.causes != "",
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def cause_counts(
    engine: sa.Engine, year: int, month: int | None = None
) -> dict[str, dict[str, int]]:
    """{operation: {cause code: deviations}} for deviations reported in the year (or the
    month) whose current cause analysis names that cause; withdrawn ones are not counted.
    A deviation with two causes counts once under each."""
    first, last = _year_or_month(year, month)
    c, k = t.todo_deviations, t.todo_causes
    query = (
        sa.select(c.c.operation, k.c.cause, sa.func.count())
        .join(c, c.c.id == k.c.deviation_id)
        .where(
            c.c.reported_on.between(first, last),
            c.c.status != DeviationStatus.WITHDRAWN.value,
        )
        .group_by(c.c.operation, k.c.cause)
    )
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as connection:
        for operation, cause, n in connection.execute(query):
            counts.setdefault(operation, {})[cause] = int(n)
    return counts


def cause_table(
    engine: sa.Engine, causes: CauseList, year: int, month: int | None = None
) -> dict[str, Any]:
    """{"analysed": deviations whose analysis names causes, "rows": [{code, name, ifo, hvb,
    total}]}: every active cause of the list in its order, zeros included, then codes only
    the data still has (a cause retired since)."""
    counts = cause_counts(engine, year, month)
    codes = [cause.code for cause in causes.active()]
    codes += sorted({code for by_code in counts.values() for code in by_code} - set(codes))
    rows = []
    for code in codes:
        ifo = counts.get(Operation.IFO.value, {}).get(code, 0)
        hvb = counts.get(Operation.HVB.value, {}).get(code, 0)
        rows.append({"code": code, "name": causes.name(code), "ifo": ifo, "hvb": hvb,
                     "total": ifo + hvb})
    return {"analysed": analysed_count(engine, year, month), "rows": rows}


def recurrence_deviations(
    engine: sa.Engine, start: date, end: date
) -> dict[tuple[str, str, str | None], list[dict[str, Any]]]:
    """The deviations behind each recurrence row: {(unit, category, subcategory): [{id,
    number, status, lex_sarah_case_id}, oldest first]} for those reported in [start, end]."""
    r, d = t.recurrence_members, t.deviations
    query = (
        sa.select(r.c.unit, r.c.category, r.c.subcategory, d.c.id, d.c.number, d.c.status,
                  d.c.lex_sarah_case_id)
        .join(d, d.c.id == r.c.deviation_id)
        .where(r.c.reported_on.between(start, end))
        .order_by(d.c.reported_on, d.c.number)
    )
    found: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for unit, category, subcategory, id_, number, status, case_id in connection.execute(query):
            found.setdefault((unit, category, subcategory or None), []).append(
                {"id": id_, "number": number, "status": status, "lex_sarah_case_id": case_id}
            )
    return found
