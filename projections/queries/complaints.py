"""Klagomål och synpunkter: the inbox with each open complaint's two clocks (acknowledgement
and answer, in working days from the day it came in), and the counts by kind, operation,
kvalitetsområde and unit for the reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.calendar import add_working_days
from events.clocks import band, days_left
from projections import tables as t

# A complaint without a unit (the sender did not know, not routed yet): its own group.
NO_UNIT = ""
# A complaint not yet routed has no kvalitetsområde.
NO_CATEGORY = ""


@dataclass(frozen=True)
class ComplaintClock:
    """One target: "acknowledge" (someone has read it and taken it on) or "answer"."""

    kind: str
    due: date
    done_on: date | None
    left: int
    band: str  # overdue | due_today | soon | later | done | done_late

    @property
    def running(self) -> bool:
        return self.done_on is None


def _clock(kind: str, due: date, done_on: date | None, today: date, warning_days: int
           ) -> ComplaintClock:
    left = days_left(due, today)
    if done_on is not None:
        return ComplaintClock(kind, due, done_on, left, "done" if done_on <= due else "done_late")
    return ComplaintClock(kind, due, None, left, band(left, warning_days))  # the one rule


def complaint_clocks(row: Any, today: date, *, acknowledge_days: int, answer_days: int,
           warning_days: int = 3) -> list[ComplaintClock]:
    """The complaint's targets. The answer clock runs only when the sender wants an
    answer; both stop when the complaint is closed."""
    received = row["received_on"]
    closed = row["closed_on"]
    found = [_clock("acknowledge", add_working_days(received, acknowledge_days),
                    row["acknowledged_on"] or closed, today, warning_days)]
    if row["contact_wish"] != "inget":
        found.append(_clock("answer", add_working_days(received, answer_days),
                            row["answered_on"] or closed, today, warning_days))
    return found


def _scoped(query: sa.Select[Any], units: Collection[str] | None) -> sa.Select[Any]:
    if units is None:
        return query
    return query.where(t.complaints.c.unit.in_(sorted(units)))


def complaints(
    engine: sa.Engine,
    today: date,
    *,
    units: Collection[str] | None = None,
    open_only: bool = False,
    acknowledge_days: int = 2,
    answer_days: int = 15,
    warning_days: int = 3,
) -> list[dict[str, Any]]:
    """Complaints newest first, within `units` (None: every unit, also those without
    one), with their clocks."""
    table = t.complaints
    query = _scoped(sa.select(table), units).order_by(
        table.c.received_on.desc(), table.c.number.desc())
    if open_only:
        query = query.where(table.c.closed_on.is_(None))
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    result = []
    for row in rows:
        item = dict(row)
        item["clocks"] = complaint_clocks(row, today, acknowledge_days=acknowledge_days,
                                answer_days=answer_days, warning_days=warning_days)
        item["unanswered_messages"] = bool(
            row["last_sender_message_on"] is not None and row["closed_on"] is None
            and (row["last_answer_on"] is None
                 or row["last_sender_message_on"] >= row["last_answer_on"]))
        result.append(item)
    return result


def complaint_row(engine: sa.Engine, complaint_id: UUID) -> dict[str, Any] | None:
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(t.complaints).where(t.complaints.c.id == complaint_id)
        ).mappings().first()
    return None if row is None else dict(row)


@dataclass
class ComplaintCounts:
    """Complaints received in a period, counted by kind, operation, kvalitetsområde (""
    not yet routed) and unit ("" not known)."""

    total: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_unit: Counter[str] = field(default_factory=Counter)
    # (operation or "", category or "", kind) -> count: the table the reports print.
    by_operation_category_kind: Counter[tuple[str, str, str]] = field(default_factory=Counter)


def complaint_counts(engine: sa.Engine, first: date, last: date) -> ComplaintCounts:
    """Complaints received from `first` to `last` (inclusive)."""
    table = t.complaints
    query = (
        sa.select(table.c.kind, table.c.operation, table.c.category, table.c.unit,
                  sa.func.count().label("n"))
        .where(table.c.received_on >= first, table.c.received_on <= last)
        .group_by(table.c.kind, table.c.operation, table.c.category, table.c.unit)
    )
    counts = ComplaintCounts()
    with engine.connect() as connection:
        for row in connection.execute(query):
            n = int(row.n)
            operation, category = row.operation or "", row.category or NO_CATEGORY
            counts.total += n
            counts.by_kind[row.kind] += n
            counts.by_operation[operation] += n
            counts.by_category[category] += n
            counts.by_unit[row.unit or NO_UNIT] += n
            counts.by_operation_category_kind[(operation, category, row.kind)] += n
    return counts


def first_complaint_on(engine: sa.Engine) -> date | None:
    """The day the first complaint came in: months before it have no figures."""
    with engine.connect() as connection:
        found: date | None = connection.execute(
            sa.select(sa.func.min(t.complaints.c.received_on))).scalar()
    return found


# The board's and Att göra's names of the two clocks.
ACKNOWLEDGE_CLOCK = "complaint_acknowledge"
ANSWER_CLOCK = "complaint_answer"


def complaint_board(
    engine: sa.Engine,
    today: date,
    *,
    units: Collection[str] | None = None,
    unit: str | None = None,
    acknowledge_days: int,
    answer_days: int,
    warning_days: int = 3,
) -> list[dict[str, Any]]:
    """The open complaints' running clocks as the board lists clocks (the child reports'
    and Lex Sarah's keys, `complaint_id` for the link), fewest days left first."""
    board = []
    for row in complaints(engine, today, units=units, open_only=True,
                          acknowledge_days=acknowledge_days, answer_days=answer_days,
                          warning_days=warning_days):
        if unit is not None and row["unit"] != unit:
            continue
        for clock in row["clocks"]:
            if not clock.running:
                continue
            board.append({
                "complaint_id": row["id"], "number": row["number"], "unit": row["unit"],
                "handler": None,
                "clock": ACKNOWLEDGE_CLOCK if clock.kind == "acknowledge" else ANSWER_CLOCK,
                "due": clock.due, "days_left": clock.left, "band": clock.band,
            })
    board.sort(key=lambda r: (r["days_left"], r["number"], r["clock"]))
    return board


def has_complaint_data(engine: sa.Engine, last: date, today: date) -> bool:
    """Whether a period ending on `last` has complaint figures: the tracker took complaints
    in it (from the month the first one came in) and it has begun. Earlier periods read
    "uppgift saknas", never 0 (the deviation counts' rule, projections/queries/coverage.py)."""
    first = first_complaint_on(engine)
    if first is None:
        return False
    if isinstance(first, str):  # SQLite without type information in an aggregate
        first = date.fromisoformat(first)
    return (last.year, last.month) >= (first.year, first.month) and (
        (today.year, today.month) >= (first.year, first.month))


def joint_counts(engine: sa.Engine, first: date, last: date) -> list[dict[str, Any]]:
    """The joint analysis SOSFS 2011:9 5 kap. asks for: per kvalitetsområde and unit, the
    complaints received, the deviations reported (withdrawn and imported ones left out) and
    the Lex Sarah investigations opened from `first` to `last`. A complaint not yet routed
    counts under category "" and its unit (or "")."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def row(category: str | None, unit: str | None) -> dict[str, Any]:
        key = (category or NO_CATEGORY, unit or NO_UNIT)
        return found.setdefault(key, {"category": key[0], "unit": key[1], "complaints": 0,
                                      "deviations": 0, "lex_sarah": 0})

    complaints_t, deviations, cases = t.complaints, t.deviations, t.escalations
    with engine.connect() as connection:
        for hit in connection.execute(
            sa.select(complaints_t.c.category, complaints_t.c.unit, sa.func.count())
            .where(complaints_t.c.received_on >= first, complaints_t.c.received_on <= last,
                   complaints_t.c.kind == "klagomal")
            .group_by(complaints_t.c.category, complaints_t.c.unit)
        ):
            row(hit[0], hit[1])["complaints"] += int(hit[2])
        for hit in connection.execute(
            sa.select(deviations.c.category, deviations.c.unit, sa.func.count())
            .where(deviations.c.reported_on >= first, deviations.c.reported_on <= last,
                   deviations.c.status != "withdrawn", deviations.c.source != "import")
            .group_by(deviations.c.category, deviations.c.unit)
        ):
            row(hit[0], hit[1])["deviations"] += int(hit[2])
        for hit in connection.execute(
            sa.select(deviations.c.category, cases.c.unit, sa.func.count())
            .select_from(cases.join(deviations, deviations.c.id == cases.c.deviation_id))
            .where(cases.c.opened_on >= first, cases.c.opened_on <= last)
            .group_by(deviations.c.category, cases.c.unit)
        ):
            row(hit[0], hit[1])["lex_sarah"] += int(hit[2])
    return sorted(found.values(), key=lambda r: (r["category"] == NO_CATEGORY, r["category"],
                                                 r["unit"]))
