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
    schema = 2  # 2: IVO reference encrypted
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
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.escalations, id=event.originator_id)
            # An anmälan to IVO may come before the decision (on a proposed grade).
            reported = row is not None and row["ivo_sent_on"] is not None
            status = LexSarahStatus.REPORTED_TO_IVO if reported else LexSarahStatus.DECIDED
            rows.change(
                t.escalations, {"id": event.originator_id},
                grade=event.grade.value, decided_on=event.decided_on, status=status.value,
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


class LexSarahClocks(View):
    """The open cases' two clocks for the board: the remedy (genast: the first protective
    action, due the day the case is opened) and the anmälan to IVO of a serious case."""

    name = "lex_sarah_clocks"
    tables = (t.lex_sarah_clocks,)
    schema = 2  # 2: investigator encrypted, investigator_key
    handles = (
        LexSarahCase.Opened,
        LexSarahCase.ProtectiveActionRecorded,
        LexSarahCase.InvestigatorAssigned,
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
            rows.change(t.lex_sarah_clocks, {"id": case_id}, **values)

    @process_event.register
    def _(self, event: LexSarahCase.Opened, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(t.lex_sarah_clocks, dict(
                id=event.originator_id, number=event.number, unit=event.unit,
                opened_on=event.opened_on,
            ))

    @process_event.register
    def _(self, event: LexSarahCase.ProtectiveActionRecorded, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.lex_sarah_clocks, id=event.originator_id)
            if row is not None and (row["remedied_on"] is None
                                    or event.taken_on < row["remedied_on"]):
                rows.change(t.lex_sarah_clocks, {"id": event.originator_id},
                            remedied_on=event.taken_on)

    @process_event.register
    def _(self, event: LexSarahCase.InvestigatorAssigned, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            investigator=event.investigator, investigator_key=event.investigator,
        )

    @process_event.register
    def _(self, event: LexSarahCase.GradeProposed, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, proposed_grade=event.grade.value)

    @process_event.register
    def _(self, event: LexSarahCase.Decided, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, grade=event.grade.value)

    @process_event.register
    def _(self, event: LexSarahCase.ReportedToIVO, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, ivo_sent_on=event.sent_on)

    @process_event.register
    def _(self, event: LexSarahCase.Closed, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.remove(t.lex_sarah_clocks, id=event.originator_id)
