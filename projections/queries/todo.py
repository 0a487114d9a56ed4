"""What each person must do next, read from the to-do view (projections/views/todo.py): the
"Att göra" page and the notifier's reminder scan (the case pages' steps, the measures list
and the cause counts read the same view: projections/queries/casework.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.deviation import DeviationStatus, MeasureStatus
from events.lex_sarah import REQUIRED_KINDS, Grade
from projections import tables as t
from projections.queries._rows import readable

# What SOSFS 2011:5 ch. 5 requires an investigation to document: the domain's own list.
REQUIRED_FINDINGS: tuple[str, ...] = tuple(kind.value for kind in REQUIRED_KINDS)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _lacking_a_step(table: sa.Table) -> sa.ColumnElement[bool]:
    """No cause analysis; no measure and no reason none is needed; no feedback to a staff
    reporter and no reason it cannot be given."""
    return sa.or_(
        table.c.analysed.is_(False),
        sa.and_(table.c.measures == 0, table.c.measures_not_needed.is_(False)),
        sa.and_(
            table.c.feedback == 0, table.c.feedback_required.is_(True),
            table.c.feedback_not_possible.is_(False),
        ),
    )


def waiting_deviations(
    engine: sa.Engine, units: Collection[str] | None, *, limit: int = 200
) -> list[dict[str, Any]]:
    """Open deviations (in `units`; None = all) still lacking a cause analysis, a measure,
    or feedback to a staff reporter; oldest first."""
    table = t.todo_deviations
    query = sa.select(table).where(
        table.c.status == DeviationStatus.OPEN.value, _lacking_a_step(table)
    )
    if units is not None:
        query = query.where(table.c.unit.in_(list(units)))
    query = query.order_by(table.c.reported_on, table.c.number).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        dict(row) | {
            "needs_analysis": not row["analysed"],
            "needs_measure": row["measures"] == 0 and not row["measures_not_needed"],
            "needs_feedback": (
                row["feedback"] == 0 and row["feedback_required"]
                and not row["feedback_not_possible"]
            ),
        }
        for row in rows
    ]


def count_waiting_deviations(engine: sa.Engine, units: Collection[str] | None) -> int:
    table = t.todo_deviations
    query = sa.select(sa.func.count()).select_from(table).where(
        table.c.status == DeviationStatus.OPEN.value, _lacking_a_step(table)
    )
    if units is not None:
        query = query.where(table.c.unit.in_(list(units)))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def open_measures(
    engine: sa.Engine, *, responsible: str | None = None, due_by: date | None = None
) -> list[dict[str, Any]]:
    """Measures neither completed nor turned down on open deviations, soonest due first;
    for one responsible person and/or due on or before `due_by`."""
    measures, deviations = t.todo_measures, t.todo_deviations
    query = (
        sa.select(*readable(measures))
        .join(deviations, deviations.c.id == measures.c.deviation_id)
        .where(measures.c.completed_on.is_(None),
               measures.c.status != MeasureStatus.REJECTED.value,
               deviations.c.status == DeviationStatus.OPEN.value)
    )
    if responsible is not None:
        query = query.where(measures.c.responsible_key == responsible)  # blind index
    if due_by is not None:
        query = query.where(measures.c.due_on <= due_by)
    query = query.order_by(measures.c.due_on, measures.c.deviation_number, measures.c.measure)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def reports_with_feedback(engine: sa.Engine, reporter: str) -> list[dict[str, Any]]:
    """The reporter's own deviations that have feedback, newest feedback first."""
    table = t.todo_deviations
    query = (
        sa.select(table)
        .where(table.c.reporter == reporter, table.c.feedback > 0)
        .where(table.c.status != DeviationStatus.WITHDRAWN.value)
        .order_by(table.c.last_feedback_at.desc())
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [dict(row) | {"last_feedback_at": _aware(row["last_feedback_at"])} for row in rows]


@dataclass(frozen=True)
class NextStep:
    code: str  # protective_action | investigator | findings | proposal | decision | ivo
    #            | ivo_completion | informed | close
    missing_findings: tuple[str, ...] = ()


def next_step(row: dict[str, Any]) -> NextStep:
    """The first step an open Lex Sarah case still lacks, in the order the law and the
    case page take them."""
    if row["protective_actions"] == 0:
        return NextStep("protective_action")
    if not row["investigator"] and row["grade"] is None:  # decided: no investigator needed
        return NextStep("investigator")
    if row["grade"] is None:
        documented = set(row["finding_kinds"].split())
        missing = tuple(kind for kind in REQUIRED_FINDINGS if kind not in documented)
        if missing:
            return NextStep("findings", missing)
        return NextStep("decision" if row["proposed"] else "proposal")
    if Grade(row["grade"]).is_serious and row["ivo_sent_on"] is None:
        return NextStep("ivo")
    if row["ivo_completion_pending"]:  # sent "kompletteras": the investigation follows
        return NextStep("ivo_completion")
    if not row["informed"]:
        return NextStep("informed")
    return NextStep("close")


def open_lex_sarah_cases(
    engine: sa.Engine, *, investigator: str | None = None, unassigned: bool = False
) -> list[dict[str, Any]]:
    """Open Lex Sarah cases (optionally those of one investigator, or without one), oldest
    first."""
    table = t.todo_lex_sarah
    query = sa.select(*readable(table)).where(table.c.closed_on.is_(None))
    if investigator is not None:
        query = query.where(table.c.investigator_key == investigator)  # blind index
    if unassigned:  # an investigator can be assigned until the decision
        query = query.where(table.c.investigator.is_(None), table.c.grade.is_(None))
    query = query.order_by(table.c.opened_on, table.c.number)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def reporter_of(engine: sa.Engine, deviation_id: UUID) -> str | None:
    table = t.todo_deviations
    with engine.connect() as connection:
        return connection.execute(
            sa.select(table.c.reporter).where(table.c.id == deviation_id)
        ).scalar()
