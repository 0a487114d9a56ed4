"""Each case's dates that retention periods count from (received, decided, closed), read
from the views: one row per deviation, complaint, Lex Sarah case and child report, with
what of a case file it has and whether an open Lex Sarah investigation holds it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.child_report import PreliminaryDecision
from events.clocks import local_date
from events.lex_sarah_terms import LexSarahStatus
from projections import tables as t
from projections.queries._rows import aware


@dataclass(frozen=True)
class CaseDates:
    id: UUID
    number: str
    kind: str  # deviation | complaint | lex_sarah | child_report (events.retention.CASE_KINDS)
    received_on: date
    decided_on: date | None
    closed_on: date | None
    # The case, or the Lex Sarah case a deviation led to, is still being investigated.
    lex_sarah_open: bool
    has_case_file: bool  # a conversation may be on file
    attachments: int


def _child_report_closed(row: Any) -> date | None:
    """No investigation: closed by the decision; one opened: when it was completed."""
    if row.decision == PreliminaryDecision.NO_INVESTIGATION.value:
        return row.decided_on
    if row.decision == PreliminaryDecision.OPEN_INVESTIGATION.value:
        return row.investigation_completed_on
    return None


def case_dates(connection: sa.Connection, *, number: str | None = None) -> Iterator[CaseDates]:
    """Every case, or the one with that number (AV-2026-0012, any case)."""
    files = {
        row.case_id: row.attachments
        for row in connection.execute(sa.select(t.case_files.c.case_id, t.case_files.c.attachments))
    }
    open_lex_sarah = {
        row.id for row in connection.execute(
            sa.select(t.escalations.c.id)
            .where(t.escalations.c.status != LexSarahStatus.CLOSED.value)
        )
    }

    def made(
        id: UUID, number: str, kind: str, received: date, decided: date | None,
        closed: date | None, lex_sarah_open: bool,
    ) -> CaseDates:
        return CaseDates(id, number, kind, received, decided, closed, lex_sarah_open,
                         id in files, files.get(id, 0))

    def only(query: sa.Select[Any], table: sa.Table) -> sa.Select[Any]:
        return query if number is None else query.where(table.c.number == number.upper())

    d = t.deviations
    for row in connection.execute(only(
        sa.select(d.c.id, d.c.number, d.c.reported_on, d.c.closed_on, d.c.lex_sarah_case_id), d
    )):
        yield made(row.id, row.number, "deviation", row.reported_on, None, row.closed_on,
                   row.lex_sarah_case_id in open_lex_sarah)
    c = t.complaints
    for complaint in connection.execute(only(
        sa.select(c.c.id, c.c.number, c.c.received_on, c.c.closed_on), c
    )):
        yield made(complaint.id, complaint.number, "complaint", complaint.received_on, None,
                   complaint.closed_on, False)
    e = t.escalations
    for case in connection.execute(only(
        sa.select(e.c.id, e.c.number, e.c.opened_on, e.c.decided_on, e.c.closed_on), e
    )):
        yield made(case.id, case.number, "lex_sarah", case.opened_on, case.decided_on,
                   case.closed_on, case.id in open_lex_sarah)
    r = t.child_reports
    for report in connection.execute(only(sa.select(
        r.c.id, r.c.number, r.c.received_at, r.c.decided_on, r.c.decision,
        r.c.investigation_completed_on,
    ), r)):
        received = aware(report.received_at)
        assert received is not None
        yield made(report.id, report.number, "child_report", local_date(received),
                   report.decided_on, _child_report_closed(report), False)
