"""The casework view: for each deviation the facts its task list needs (analysed, measures
open, feedback given or excused), its measures with owner and due date, and the cause codes
of its analysis (queries in projections.queries.casework)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.clocks import local_date
from events.deviation import NO_REPORTER_SOURCES, Deviation, DeviationStatus
from projections import tables as t
from projections.views.base import View, sub


class Casework(View):
    name = "casework"
    tables = (t.casework, t.cause_members, t.measures)
    handles = (
        Deviation.Reported,
        Deviation.Reclassified,
        Deviation.CauseAnalysed,
        Deviation.MeasureAdded,
        Deviation.MeasureCompleted,
        Deviation.NoMeasuresNeededRecorded,
        Deviation.FeedbackGiven,
        Deviation.FeedbackImpossibleRecorded,
        Deviation.Closed,
        Deviation.Reopened,
        Deviation.Withdrawn,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    def _set(self, tracking: Tracking, deviation_id: UUID, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.casework, {"deviation_id": deviation_id}, **values)

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(
                t.casework, dict(
                    deviation_id=event.originator_id,
                    number=event.number,
                    unit=event.unit,
                    operation=event.operation.value,
                    category=event.category,
                    subcategory=sub(event.subcategory),
                    reported_on=event.reported_on,
                    status=DeviationStatus.OPEN.value,
                    feedback_required=event.source not in NO_REPORTER_SOURCES,
                    analysed=False,
                    causes="",
                    measures=0,
                    measures_open=0,
                    no_measures=False,
                    feedback=False,
                    no_feedback=False,
                )
            )

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            category=event.category, subcategory=sub(event.subcategory),
        )

    @process_event.register
    def _(self, event: Deviation.CauseAnalysed, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.casework, deviation_id=event.originator_id)
            if row is None:
                return
            for code in row["causes"].split():
                rows.remove(t.cause_members, deviation_id=event.originator_id, cause=code)
            for code in event.causes:
                rows.add(t.cause_members, {"deviation_id": event.originator_id, "cause": code})
            rows.change(
                t.casework, {"deviation_id": event.originator_id},
                analysed=True, causes=" ".join(event.causes),
            )

    @process_event.register
    def _(self, event: Deviation.MeasureAdded, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.casework, deviation_id=event.originator_id)
            if row is None:
                return
            rows.add(
                t.measures, dict(
                    deviation_id=event.originator_id,
                    number=event.measure,
                    description=event.description,
                    responsible=event.responsible,
                    due_on=event.due_on,
                    added_on=local_date(event.timestamp),
                    completed_on=None,
                )
            )
            rows.change(
                t.casework, {"deviation_id": event.originator_id},
                measures=row["measures"] + 1, measures_open=row["measures_open"] + 1,
                no_measures=False,
            )

    @process_event.register
    def _(self, event: Deviation.MeasureCompleted, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.casework, deviation_id=event.originator_id)
            if row is None:
                return
            rows.change(
                t.measures, {"deviation_id": event.originator_id, "number": event.measure},
                completed_on=event.completed_on,
            )
            rows.change(
                t.casework, {"deviation_id": event.originator_id},
                measures_open=max(0, row["measures_open"] - 1),
            )

    @process_event.register
    def _(self, event: Deviation.NoMeasuresNeededRecorded, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, no_measures=True)

    @process_event.register
    def _(self, event: Deviation.FeedbackGiven, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, feedback=True)

    @process_event.register
    def _(self, event: Deviation.FeedbackImpossibleRecorded, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, no_feedback=True)

    @process_event.register
    def _(self, event: Deviation.Closed, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, status=DeviationStatus.CLOSED.value)

    @process_event.register
    def _(self, event: Deviation.Reopened, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, status=DeviationStatus.OPEN.value)

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, status=DeviationStatus.WITHDRAWN.value)
