"""The deviation list (view_deviations)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.clocks import local_date
from events.deviation import Deviation, DeviationStatus
from events.retention import ContentKind, RetentionRecord
from projections import tables as t
from projections.views.base import View


class DeviationList(View):
    name = "deviation_list"
    tables = (t.deviations,)
    # 2: assignee encrypted; 3: case_reference (for the search); 4: risk_score; 5: closed_on
    schema = 5
    handles = (
        Deviation.Reported,
        Deviation.Reclassified,
        Deviation.Assigned,
        Deviation.Closed,
        Deviation.Reopened,
        Deviation.Withdrawn,
        Deviation.EscalatedToLexSarah,
        Deviation.RiskAssessed,
        Deviation.MovedToUnit,
        RetentionRecord.ContentErased,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    def _set(self, tracking: Tracking, deviation_id: UUID, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.deviations, {"id": deviation_id}, **values)

    @process_event.register
    def _(self, event: RetentionRecord.ContentErased, tracking: Tracking) -> None:
        # As a rebuild after the erasure reads it (events/retention.py: the case's text).
        if ContentKind.DEVIATION in event.kinds:
            self._set(tracking, event.case_id, case_reference=None)
        else:
            self._set(tracking, event.case_id)

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(
                t.deviations, dict(
                    id=event.originator_id,
                    number=event.number,
                    reported_on=event.reported_on,
                    occurred_on=event.occurred_on,
                    unit=event.unit,
                    operation=event.operation.value,
                    category=event.category,
                    subcategory=event.subcategory,
                    status=DeviationStatus.OPEN.value,
                    source=event.source.value,
                    reporter=event.reporter,
                    case_reference=event.case_reference,
                )
            )

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id, category=event.category, subcategory=event.subcategory
        )

    @process_event.register
    def _(self, event: Deviation.Assigned, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, assignee=event.assignee)

    @process_event.register
    def _(self, event: Deviation.Closed, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, status=DeviationStatus.CLOSED.value,
                  closed_on=local_date(event.timestamp))

    @process_event.register
    def _(self, event: Deviation.Reopened, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, status=DeviationStatus.OPEN.value,
                  closed_on=None)

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, status=DeviationStatus.WITHDRAWN.value,
                  closed_on=local_date(event.timestamp))

    @process_event.register
    def _(self, event: Deviation.EscalatedToLexSarah, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, lex_sarah_case_id=event.lex_sarah_case_id)

    @process_event.register
    def _(self, event: Deviation.RiskAssessed, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, risk_score=event.score)

    @process_event.register
    def _(self, event: Deviation.MovedToUnit, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id, unit=event.unit, operation=event.operation.value
        )
