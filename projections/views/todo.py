"""The to-do view: what needs doing on each case, in one place. The deviation page's task
list and the inbox ("Behöver åtgärd"), the "Att göra" page, the reminder scan, the measures
list ("Åtgärder") and the cause counts all read it with an indexed query instead of
replaying aggregates (queries in projections/queries/todo.py and casework.py).

Four tables (projections/tables.py, block 7): per deviation its steps (analysed and the
causes named, measures and how many are open, feedback given or excused); per measure its
owner, due date and completion; per (deviation, cause) the current analysis' causes; per
Lex Sarah case which steps are done. Like every view it is written in the runner's
transaction together with its tracking position, and it can be rebuilt from the log.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.clocks import local_date
from events.deviation import NO_REPORTER_SOURCES, Deviation, DeviationStatus, MeasureStatus
from events.lex_sarah import IvoInvestigation, LexSarahCase
from events.retention import ContentKind, RetentionRecord
from projections import tables as t
from projections.views.base import View, sub


class ToDo(View):
    name = "case_todo"
    tables = (t.todo_deviations, t.todo_measures, t.todo_causes, t.todo_lex_sarah)
    schema = 3  # 2: measures and investigator encrypted, *_key; 3: the measure lifecycle
    handles = (
        Deviation.Reported,
        Deviation.Reclassified,
        Deviation.CauseAnalysed,
        Deviation.MeasureAdded,
        Deviation.MeasureCompleted,
        Deviation.MeasurePlanned,
        Deviation.MeasureRejected,
        Deviation.MeasureFollowUpScheduled,
        Deviation.MeasureFollowedUp,
        Deviation.MovedToUnit,
        Deviation.NoMeasuresNeededRecorded,
        Deviation.FeedbackGiven,
        Deviation.FeedbackImpossibleRecorded,
        Deviation.Closed,
        Deviation.Reopened,
        Deviation.Withdrawn,
        LexSarahCase.Opened,
        LexSarahCase.ProtectiveActionRecorded,
        LexSarahCase.InvestigatorAssigned,
        LexSarahCase.FindingDocumented,
        LexSarahCase.FindingKindMarkedNotApplicable,
        LexSarahCase.GradeProposed,
        LexSarahCase.Decided,
        LexSarahCase.ReportedToIVO,
        LexSarahCase.IvoReportCompleted,
        LexSarahCase.PartyInformed,
        LexSarahCase.Closed,
        RetentionRecord.ContentErased,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    def _deviation(self, tracking: Tracking, deviation_id: UUID, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.todo_deviations, {"id": deviation_id}, **values)

    def _case(self, tracking: Tracking, case_id: UUID, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.todo_lex_sarah, {"id": case_id}, **values)

    @process_event.register
    def _(self, event: RetentionRecord.ContentErased, tracking: Tracking) -> None:
        # As a rebuild after the erasure reads it (events/retention.py: the case's text).
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_deviations, id=event.case_id)
            if row is None or ContentKind.DEVIATION not in event.kinds:
                return
            for number in range(1, row["measures"] + 1):
                rows.change(t.todo_measures, {"deviation_id": event.case_id, "measure": number},
                            description="", goal=None)

    # --- deviations ----------------------------------------------------------------------

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(
                t.todo_deviations, dict(
                    id=event.originator_id, number=event.number, unit=event.unit,
                    operation=event.operation.value, category=event.category,
                    subcategory=sub(event.subcategory), reporter=event.reporter,
                    source=event.source.value, reported_on=event.reported_on,
                    status=DeviationStatus.OPEN.value,
                    feedback_required=event.source not in NO_REPORTER_SOURCES,
                    analysed=False, causes="", measures=0, measures_open=0, feedback=0,
                    last_feedback_at=None, measures_not_needed=False,
                    feedback_not_possible=False,
                )
            )

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:
        self._deviation(
            tracking, event.originator_id,
            category=event.category, subcategory=sub(event.subcategory),
        )

    @process_event.register
    def _(self, event: Deviation.CauseAnalysed, tracking: Tracking) -> None:
        # A new analysis replaces the causes of the one before.
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_deviations, id=event.originator_id)
            if row is None:
                return
            for code in row["causes"].split():
                rows.remove(t.todo_causes, deviation_id=event.originator_id, cause=code)
            for code in event.causes:
                rows.add(t.todo_causes, {"deviation_id": event.originator_id, "cause": code})
            rows.change(
                t.todo_deviations, {"id": event.originator_id},
                analysed=True, causes=" ".join(event.causes),
            )

    @process_event.register
    def _(self, event: Deviation.MeasureAdded, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_deviations, id=event.originator_id)
            if row is None:
                return
            rows.add(
                t.todo_measures, dict(
                    deviation_id=event.originator_id, measure=event.measure,
                    deviation_number=row["number"], unit=row["unit"],
                    description=event.description, responsible=event.responsible,
                    responsible_key=event.responsible,
                    due_on=event.due_on, added_on=local_date(event.timestamp),
                    completed_on=None, status=event.status.value, goal=event.goal,
                    follow_up_on=event.follow_up_on, effect=None,
                )
            )
            rows.change(
                t.todo_deviations, {"id": event.originator_id},
                measures=row["measures"] + 1, measures_open=row["measures_open"] + 1,
                measures_not_needed=False,
            )

    @process_event.register
    def _(self, event: Deviation.MeasureCompleted, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_deviations, id=event.originator_id)
            if row is None:
                return
            rows.change(
                t.todo_measures, {"deviation_id": event.originator_id, "measure": event.measure},
                completed_on=event.completed_on, status=MeasureStatus.COMPLETED.value,
            )
            rows.change(
                t.todo_deviations, {"id": event.originator_id},
                measures_open=max(0, row["measures_open"] - 1),
            )

    def _measure(self, tracking: Tracking, event: Any, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(
                t.todo_measures,
                {"deviation_id": event.originator_id, "measure": event.measure}, **values,
            )

    @process_event.register
    def _(self, event: Deviation.MeasurePlanned, tracking: Tracking) -> None:
        self._measure(tracking, event, status=MeasureStatus.PLANNED.value)

    @process_event.register
    def _(self, event: Deviation.MeasureRejected, tracking: Tracking) -> None:
        # Turned down: no longer open (it was not completed: only open ones can be).
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_deviations, id=event.originator_id)
            if row is None:
                return
            rows.change(
                t.todo_measures, {"deviation_id": event.originator_id, "measure": event.measure},
                status=MeasureStatus.REJECTED.value, follow_up_on=None,
            )
            rows.change(
                t.todo_deviations, {"id": event.originator_id},
                measures_open=max(0, row["measures_open"] - 1),
            )

    @process_event.register
    def _(self, event: Deviation.MeasureFollowUpScheduled, tracking: Tracking) -> None:
        self._measure(tracking, event, follow_up_on=event.follow_up_on)

    @process_event.register
    def _(self, event: Deviation.MeasureFollowedUp, tracking: Tracking) -> None:
        self._measure(
            tracking, event, follow_up_on=event.next_follow_up_on, effect=event.effect.value
        )

    @process_event.register
    def _(self, event: Deviation.MovedToUnit, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_deviations, id=event.originator_id)
            if row is None:
                return
            rows.change(
                t.todo_deviations, {"id": event.originator_id},
                unit=event.unit, operation=event.operation.value,
            )
            for number in range(1, row["measures"] + 1):
                rows.change(
                    t.todo_measures, {"deviation_id": event.originator_id, "measure": number},
                    unit=event.unit,
                )

    @process_event.register
    def _(self, event: Deviation.NoMeasuresNeededRecorded, tracking: Tracking) -> None:
        self._deviation(tracking, event.originator_id, measures_not_needed=True)

    @process_event.register
    def _(self, event: Deviation.FeedbackImpossibleRecorded, tracking: Tracking) -> None:
        self._deviation(tracking, event.originator_id, feedback_not_possible=True)

    @process_event.register
    def _(self, event: Deviation.FeedbackGiven, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_deviations, id=event.originator_id)
            if row is None:
                return
            rows.change(
                t.todo_deviations, {"id": event.originator_id},
                feedback=row["feedback"] + 1, last_feedback_at=event.timestamp.astimezone(UTC),
            )

    @process_event.register
    def _(self, event: Deviation.Closed, tracking: Tracking) -> None:
        self._deviation(tracking, event.originator_id, status=DeviationStatus.CLOSED.value)

    @process_event.register
    def _(self, event: Deviation.Reopened, tracking: Tracking) -> None:
        self._deviation(tracking, event.originator_id, status=DeviationStatus.OPEN.value)

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:
        self._deviation(tracking, event.originator_id, status=DeviationStatus.WITHDRAWN.value)

    # --- Lex Sarah -----------------------------------------------------------------------

    @process_event.register
    def _(self, event: LexSarahCase.Opened, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(
                t.todo_lex_sarah, dict(
                    id=event.originator_id, number=event.number, unit=event.unit,
                    opened_on=event.opened_on, investigator=None, investigator_key=None,
                    protective_actions=0,
                    finding_kinds="", proposed=False, grade=None, ivo_sent_on=None,
                    ivo_completion_pending=False, informed=False, closed_on=None,
                )
            )

    @process_event.register
    def _(self, event: LexSarahCase.ProtectiveActionRecorded, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_lex_sarah, id=event.originator_id)
            if row is not None:
                rows.change(
                    t.todo_lex_sarah, {"id": event.originator_id},
                    protective_actions=row["protective_actions"] + 1,
                )

    @process_event.register
    def _(self, event: LexSarahCase.InvestigatorAssigned, tracking: Tracking) -> None:
        self._case(
            tracking, event.originator_id,
            investigator=event.investigator, investigator_key=event.investigator,
        )

    @process_event.register
    def _(self, event: LexSarahCase.FindingDocumented, tracking: Tracking) -> None:
        self._cover_kind(tracking, event.originator_id, event.kind.value)

    @process_event.register
    def _(self, event: LexSarahCase.FindingKindMarkedNotApplicable, tracking: Tracking) -> None:
        # "Ej tillämpligt" covers the kind as a finding does (the decision's rule).
        self._cover_kind(tracking, event.originator_id, event.kind.value)

    def _cover_kind(self, tracking: Tracking, case_id: UUID, kind: str) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.todo_lex_sarah, id=case_id)
            if row is None:
                return
            kinds = set(row["finding_kinds"].split()) | {kind}
            rows.change(t.todo_lex_sarah, {"id": case_id}, finding_kinds=" ".join(sorted(kinds)))

    @process_event.register
    def _(self, event: LexSarahCase.GradeProposed, tracking: Tracking) -> None:
        self._case(tracking, event.originator_id, proposed=True)

    @process_event.register
    def _(self, event: LexSarahCase.Decided, tracking: Tracking) -> None:
        self._case(tracking, event.originator_id, grade=event.grade.value)

    @process_event.register
    def _(self, event: LexSarahCase.ReportedToIVO, tracking: Tracking) -> None:
        self._case(
            tracking, event.originator_id, ivo_sent_on=event.sent_on,
            ivo_completion_pending=event.investigation is IvoInvestigation.TO_FOLLOW,
        )

    @process_event.register
    def _(self, event: LexSarahCase.IvoReportCompleted, tracking: Tracking) -> None:
        self._case(tracking, event.originator_id, ivo_completion_pending=False)

    @process_event.register
    def _(self, event: LexSarahCase.PartyInformed, tracking: Tracking) -> None:
        self._case(tracking, event.originator_id, informed=True)

    @process_event.register
    def _(self, event: LexSarahCase.Closed, tracking: Tracking) -> None:
        self._case(tracking, event.originator_id, closed_on=event.closed_on)
