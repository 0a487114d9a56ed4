"""Child reports' dates and the scheduler's watch columns (view_child_reports)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.child_report import ChildReport
from events.clocks import SETTLED, investigation_status, preliminary_status
from events.retention import ContentKind, RetentionRecord
from projections import tables as t
from projections.views.base import View, utc


def watch_columns(row: Mapping[str, Any]) -> dict[str, date | None]:
    """The deadline while a breach could still be flagged, else None (see tables.py).
    Whether a clock is settled does not depend on the day, so any day will do: its own."""
    deadline = row["deadline"]
    preliminary = preliminary_status(
        deadline, row["original_deadline"], row["decided_on"], deadline,
        exempt=row["ongoing_investigation"],
    )
    opened_deadline = row["investigation_deadline"]
    investigation = (
        investigation_status(
            opened_deadline, None, row["investigation_completed_on"], opened_deadline
        )
        if opened_deadline is not None
        else None
    )
    return {
        "preliminary_watch": (
            deadline
            if row["breach_flagged_on"] is None and preliminary not in SETTLED
            else None
        ),
        "investigation_watch": (
            opened_deadline
            if investigation is not None
            and row["investigation_breach_flagged_on"] is None
            and investigation not in SETTLED
            else None
        ),
    }


class Deadlines(View):
    name = "deadlines"
    tables = (t.child_reports,)
    schema = 3  # 2: case reference and handler encrypted, handler_key; 3: återkoppling
    handles = (
        ChildReport.Received,
        ChildReport.ProtectionAssessed,
        ChildReport.HandlerAssigned,
        ChildReport.DeadlineExtended,
        ChildReport.PreliminaryAssessmentDecided,
        ChildReport.PreliminaryAssessmentBreachFlagged,
        ChildReport.InvestigationOpened,
        ChildReport.InvestigationExtended,
        ChildReport.InvestigationCompleted,
        ChildReport.InvestigationBreachFlagged,
        ChildReport.ReporterCategoryRecorded,
        ChildReport.FeedbackRequested,
        ChildReport.FeedbackGiven,
        ChildReport.FeedbackDeclined,
        RetentionRecord.ContentErased,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    def _set(self, tracking: Tracking, report_id: UUID, **values: Any) -> None:
        table = t.child_reports
        with self.view.transaction(tracking) as rows:
            row = rows.get(table, id=report_id)
            if row is None:
                return
            rows.change(table, {"id": report_id}, **values, **watch_columns(row | values))

    @process_event.register
    def _(self, event: RetentionRecord.ContentErased, tracking: Tracking) -> None:
        # As a rebuild after the erasure reads it (events/retention.py: the case's text).
        if ContentKind.CHILD_REPORT in event.kinds:
            self._set(tracking, event.case_id, case_reference="")
        else:
            self._set(tracking, event.case_id)

    @process_event.register
    def _(self, event: ChildReport.Received, tracking: Tracking) -> None:
        row: dict[str, Any] = {
            "id": event.originator_id,
            "number": event.number,
            "unit": event.unit,
            "operation": event.operation.value,
            "case_reference": event.case_reference,
            "received_at": utc(event.received_at),
            "ongoing_investigation": event.ongoing_investigation,
            "original_deadline": event.deadline,
            "deadline": event.deadline,
            "protection_due": event.protection_due,
            "decided_on": None,
            "breach_flagged_on": None,
            "investigation_deadline": None,
            "investigation_completed_on": None,
            "investigation_breach_flagged_on": None,
        }
        with self.view.transaction(tracking) as rows:
            rows.add(t.child_reports, row | watch_columns(row))

    @process_event.register
    def _(self, event: ChildReport.ProtectionAssessed, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, protection_assessed_at=utc(event.assessed_at))

    @process_event.register
    def _(self, event: ChildReport.HandlerAssigned, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, handler=event.handler, handler_key=event.handler)

    @process_event.register
    def _(self, event: ChildReport.DeadlineExtended, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, deadline=event.new_deadline)

    @process_event.register
    def _(self, event: ChildReport.PreliminaryAssessmentDecided, tracking: Tracking) -> None:
        opened: dict[str, Any] = {}
        if event.investigation_deadline is not None:  # the decision opened it (version 2)
            opened = {
                "investigation_opened_on": event.decided_on,
                "investigation_original_deadline": event.investigation_deadline,
                "investigation_deadline": event.investigation_deadline,
            }
        self._set(
            tracking, event.originator_id,
            decided_on=event.decided_on, decision=event.decision.value, **opened,
        )

    @process_event.register
    def _(self, event: ChildReport.PreliminaryAssessmentBreachFlagged, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            breach_flagged_on=event.flagged_on, breach_deviation_id=event.deviation_id,
        )

    @process_event.register
    def _(self, event: ChildReport.InvestigationOpened, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            investigation_opened_on=event.opened_on,
            investigation_original_deadline=event.deadline,
            investigation_deadline=event.deadline,
        )

    @process_event.register
    def _(self, event: ChildReport.InvestigationExtended, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, investigation_deadline=event.new_deadline)

    @process_event.register
    def _(self, event: ChildReport.InvestigationCompleted, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, investigation_completed_on=event.completed_on)

    @process_event.register
    def _(self, event: ChildReport.InvestigationBreachFlagged, tracking: Tracking) -> None:
        self._set(
            tracking, event.originator_id,
            investigation_breach_flagged_on=event.flagged_on,
            investigation_breach_deviation_id=event.deviation_id,
        )

    @process_event.register
    def _(self, event: ChildReport.ReporterCategoryRecorded, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, reporter_category=event.category.value)

    @process_event.register
    def _(self, event: ChildReport.FeedbackRequested, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, feedback_requested_on=event.requested_on)

    @process_event.register
    def _(self, event: ChildReport.FeedbackGiven, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, feedback_answered_on=event.given_on,
                  feedback_declined=False)

    @process_event.register
    def _(self, event: ChildReport.FeedbackDeclined, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, feedback_answered_on=event.declined_on,
                  feedback_declined=True)
