"""Child reports and their clocks: the list, the Bevakning board and the scheduler's
candidates. Statuses depend on today, so they are computed here from stored dates with the
domain's own rules, never stored."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.child_report import PreliminaryDecision, ReporterCategory
from events.clocks import (
    UNDECIDED,
    Clock,
    ClockReading,
    ClockStatus,
    feedback_clock,
    investigation_clock,
    preliminary_clock,
    protection_clock,
)
from projections import tables as t
from projections.queries._rows import aware

OPENS = PreliminaryDecision.OPEN_INVESTIGATION.value


def _readings(row: Any, today: date) -> dict[Clock, ClockReading | None]:
    """Each clock's reading from a view row, by the rules in events.clocks (the aggregate
    asks the same functions with its own fields)."""
    not_registered = row["decision"] == OPENS and row["investigation_opened_on"] is None
    return {
        Clock.SKYDDSBEDOMNING: protection_clock(
            row["protection_due"], aware(row["protection_assessed_at"]), today
        ),
        Clock.FORHANDSBEDOMNING: preliminary_clock(
            row["deadline"], row["original_deadline"], row["decided_on"], today,
            exempt=row["ongoing_investigation"],
        ),
        Clock.UTREDNINGSTID: investigation_clock(
            row["investigation_deadline"], row["investigation_original_deadline"],
            row["investigation_completed_on"], today,
            decided_to_open_on=row["decided_on"] if not_registered else None,
        ),
        Clock.ATERKOPPLING: feedback_clock(
            row["feedback_requested_on"], row["decided_on"], today,
            investigation_under_way=row["ongoing_investigation"],
            obliged=row["reporter_category"] != ReporterCategory.ENSKILD.value,
            given_on=None if row["feedback_declined"] else row["feedback_answered_on"],
            declined_on=row["feedback_answered_on"] if row["feedback_declined"] else None,
        ),
    }


def clock_row(
    reading: ClockReading, warning_days: int, **case: Any
) -> dict[str, Any]:
    """A running clock as Bevakning, Att göra and the digest list it: the case's keys
    (number, unit, handler and its id: `report_id` or `case_id`) and the reading's own
    clock, due day, status, days left, band and words. Every area's board rows are made
    here, so no reader works out a band or a day count of its own."""
    assert reading.days_left is not None, "only a running clock is on the board"
    return case | {
        "clock": reading.clock,
        "label": reading.label,
        "due": reading.due,
        "status": reading.status,
        "days_left": reading.days_left,
        "days_text": reading.days_text,
        "band": reading.band(warning_days),
    }


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
        conditions.append(table.c.handler_key == handler)  # blind index
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
        readings = _readings(row, today)
        preliminary = readings[Clock.FORHANDSBEDOMNING]
        assert preliminary is not None
        clock = preliminary.status
        if status == ClockStatus.OPEN.value:
            if clock not in UNDECIDED:
                continue
        elif status and clock.value != status:
            continue
        protection = readings[Clock.SKYDDSBEDOMNING]
        investigation = readings[Clock.UTREDNINGSTID]
        result.append(
            {
                "id": row["id"],
                "number": row["number"],
                "unit": row["unit"],
                "operation": row["operation"],
                "case_reference": row["case_reference"],
                "received_at": aware(row["received_at"]),
                "handler": row["handler"],
                "deadline": row["deadline"],
                "days_left": preliminary.days_left,
                "status": clock.value,
                "decided_on": row["decided_on"],
                "decision": row["decision"],
                "protection_due": row["protection_due"],
                "protection_assessed": aware(row["protection_assessed_at"]),
                "protection_status": protection.status.value if protection else None,
                "investigation_opened_on": row["investigation_opened_on"],
                "investigation_deadline": investigation.due if investigation else None,
                "investigation_status": investigation.status.value if investigation else None,
                "breach_deviation_id": row["breach_deviation_id"],
                "investigation_breach_deviation_id": row["investigation_breach_deviation_id"],
            }
        )
    return result


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
    exempt, investigation opened and not completed, or decided and its start never
    registered), fewest days left first."""
    table = t.child_reports
    open_clock = sa.or_(
        table.c.protection_assessed_at.is_(None),
        sa.and_(table.c.ongoing_investigation.is_(False), table.c.decided_on.is_(None)),
        sa.and_(
            table.c.investigation_deadline.is_not(None),
            table.c.investigation_completed_on.is_(None),
        ),
        sa.and_(table.c.decision == OPENS, table.c.investigation_opened_on.is_(None)),
        sa.and_(
            table.c.feedback_requested_on.is_not(None),
            table.c.feedback_answered_on.is_(None),
        ),
    )
    query = sa.select(table).where(open_clock, *_report_conditions(unit, units, handler))
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    board = []
    for row in rows:
        for reading in _readings(row, today).values():
            if reading is None or not reading.running:
                continue
            board.append(clock_row(
                reading, warning_days, report_id=row["id"], number=row["number"],
                unit=row["unit"], handler=row["handler"],
            ))
    board.sort(key=lambda r: (r["days_left"], r["number"], r["clock"]))
    return board


def upcoming_deadlines(engine: sa.Engine, today: date, days: int) -> list[dict[str, Any]]:
    """Board rows due within `days` from today, overdue ones included (for the warnings
    and the daily digest)."""
    return [
        r for r in deadline_board(engine, today, warning_days=days) if r["days_left"] <= days
    ]


def overdue_candidates(engine: sa.Engine, today: date) -> list[tuple[UUID, Clock]]:
    """(report_id, förhandsbedömning | utredningstid) for every clock breached by `today`
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
    return [(i, Clock.FORHANDSBEDOMNING) for i in preliminary] + [
        (i, Clock.UTREDNINGSTID) for i in investigation
    ]
