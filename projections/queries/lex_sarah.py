"""Lex Sarah cases (escalations) with days open, and the open cases' clocks for the board."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa

from events.clocks import (
    ClockStatus,
    LexSarahClock,
    days_left,
    ivo_report_due,
    lex_sarah_remedy_due,
)
from events.lex_sarah import Grade
from projections import tables as t
from projections.queries.child_reports import _band as band  # the board's one banding rule


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


def _serious(code: str | None) -> bool:
    return code is not None and Grade(code).is_serious


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
    """Open Lex Sarah clocks, banded like the child reports' (same keys, `case_id` for the
    link): a case with no remedy recorded (due the day it was opened: genast), and a
    serious case (grade decided, or until then proposed) not yet reported to IVO, due
    `ivo_target_days` after opening. `handler` filters on the investigator."""
    table = t.lex_sarah_clocks
    conditions: list[sa.ColumnElement[bool]] = []
    if unit:
        conditions.append(table.c.unit == unit)
    if units is not None:
        conditions.append(table.c.unit.in_(list(units)))
    if handler:
        conditions.append(table.c.investigator_key == handler)  # blind index
    open_clock = sa.or_(table.c.remedied_on.is_(None), table.c.ivo_sent_on.is_(None))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(table).where(open_clock, *conditions)
        ).mappings().all()
    board = []
    for row in rows:
        clocks: list[tuple[LexSarahClock, date]] = []
        if row["remedied_on"] is None:
            clocks.append((LexSarahClock.AVHJALPANDE, lex_sarah_remedy_due(row["opened_on"])))
        grade = row["grade"] or row["proposed_grade"]
        if row["ivo_sent_on"] is None and _serious(grade):
            clocks.append((LexSarahClock.IVO, ivo_report_due(row["opened_on"], ivo_target_days)))
        for clock, due in clocks:
            left = days_left(due, today)
            # Open until done (the row goes then), so its status follows from the days left.
            status = (ClockStatus.OVERDUE if left < 0
                      else ClockStatus.DUE_TODAY if left == 0 else ClockStatus.OPEN)
            board.append({
                "case_id": row["id"], "number": row["number"], "unit": row["unit"],
                "handler": row["investigator"], "clock": clock, "due": due,
                "days_left": left, "band": band(status, left, warning_days),
            })
    board.sort(key=lambda r: (r["days_left"], r["number"], r["clock"]))
    return board
