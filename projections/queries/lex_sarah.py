"""Lex Sarah cases (escalations) with days open, and the open cases' clocks for the board."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.clocks import ClockReading, ivo_clock, remedy_clock
from events.lex_sarah import Grade
from projections import tables as t
from projections.queries.child_reports import clock_row


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


def _serious(row: Any) -> bool | None:
    """The grade decided, or until then proposed: serious, not serious, or not judged."""
    code = row["grade"] or row["proposed_grade"]
    return None if code is None else Grade(code).is_serious


def lex_sarah_clocks(
    engine: sa.Engine,
    today: date,
    *,
    ivo_target_days: int,
    unit: str | None = None,
    units: Collection[str] | None = None,
    handler: str | None = None,
    case_ids: Collection[UUID] | None = None,
) -> list[tuple[dict[str, Any], list[ClockReading]]]:
    """Each open case (the view holds open cases only) with its clocks' readings by
    events.clocks: the remedy (genast, due the day the case is opened) and the anmälan to
    IVO while one may be due (LexSarahCase.clocks reads the same functions)."""
    table = t.lex_sarah_clocks
    conditions: list[sa.ColumnElement[bool]] = []
    if unit:
        conditions.append(table.c.unit == unit)
    if units is not None:
        conditions.append(table.c.unit.in_(list(units)))
    if handler:
        conditions.append(table.c.investigator_key == handler)  # blind index
    if case_ids is not None:
        conditions.append(table.c.id.in_(list(case_ids)))
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table).where(*conditions)).mappings().all()
    result = []
    for row in rows:
        readings = [remedy_clock(row["opened_on"], row["remedied_on"], today)]
        ivo = ivo_clock(row["opened_on"], ivo_target_days, today, serious=_serious(row),
                        sent_on=row["ivo_sent_on"])
        if ivo is not None:
            readings.append(ivo)
        result.append((dict(row), readings))
    return result


def lex_sarah_board(
    engine: sa.Engine,
    today: date,
    *,
    ivo_target_days: int,
    warning_days: int = 3,
    unit: str | None = None,
    units: Collection[str] | None = None,
    handler: str | None = None,
) -> list[dict[str, Any]]:
    """Open Lex Sarah clocks, as board rows like the child reports' (`case_id` for the
    link). `handler` filters on the investigator."""
    board = [
        clock_row(
            reading, warning_days, case_id=row["id"], number=row["number"], unit=row["unit"],
            handler=row["investigator"],
        )
        for row, readings in lex_sarah_clocks(
            engine, today, ivo_target_days=ivo_target_days, unit=unit, units=units,
            handler=handler,
        )
        for reading in readings
        if reading.running
    ]
    board.sort(key=lambda r: (r["days_left"], r["number"], r["clock"]))
    return board
