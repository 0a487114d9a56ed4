"""Lex Sarah cases as the escalations list sees them (view_escalations)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.lex_sarah import LexSarahCase, LexSarahStatus
from projections import tables as t
from projections.views.base import View


class Escalations(View):
    name = "escalations"
    tables = (t.escalations,)
    handles = (
        LexSarahCase.Opened,
        LexSarahCase.GradeProposed,
        LexSarahCase.Decided,
        LexSarahCase.ReportedToIVO,
        LexSarahCase.Closed,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    def _set(self, tracking: Tracking, case_id: UUID, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.escalations, {"id": case_id}, **values)

    @process_event.register
    def _(self, event: LexSarahCase.Opened, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(
                t.escalations, dict(
                    id=event.originator_id,
                    number=event.number,
                    deviation_id=event.deviation_id,
                    deviation_number=event.deviation_number,
                    unit=event.unit,
                    operation=event.operation.value,
                    opened_on=event.opened_on,
                    status=LexSarahStatus.OPEN.value,
                )
            )

    @process_event.register
    def _(self, event: LexSarahCase.GradeProposed, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, proposed_grade=event.grade.value)

    @process_event.register
    def _(self, event: LexSarahCase.Decided, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            grade=event.grade.value, decided_on=event.decided_on,
            status=LexSarahStatus.DECIDED.value,
        )

    @process_event.register
    def _(self, event: LexSarahCase.ReportedToIVO, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            ivo_sent_on=event.sent_on, ivo_reference=event.ivo_reference,
            status=LexSarahStatus.REPORTED_TO_IVO.value,
        )

    @process_event.register
    def _(self, event: LexSarahCase.Closed, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            closed_on=event.closed_on, status=LexSarahStatus.CLOSED.value,
        )
