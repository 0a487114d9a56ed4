"""The projections: each keeps one view (its own tables) from the tracker's domain events.

Every handler writes through `self.view.transaction(tracking)`, so the view change and the
tracking position land in one transaction: alone per event, or as part of a runner's batch.
Events a projection does not handle fall through to the base method and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from events.child_report import ChildReport
from events.deviation import Deviation, DeviationStatus
from events.lex_sarah import LexSarahCase, LexSarahStatus
from projections import tables as t
from projections.recorder import ViewRecorder
from projections.rows import Rows


def _sub(subcategory: str | None) -> str:
    return subcategory or t.NO_SUBCATEGORY


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class View(Projection[ViewRecorder]):
    """Base of our projections: the tables it owns and the topics it needs."""

    tables: ClassVar[tuple[sa.Table, ...]] = ()
    handles: ClassVar[tuple[type, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.topics = tuple(get_topic(event_class) for event_class in cls.handles)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Not an event this view needs: record the position only."""
        with self.view.transaction(tracking):
            pass


# --- 1. deviation list ----------------------------------------------------------------


class DeviationList(View):
    name = "deviation_list"
    tables = (t.deviations,)
    handles = (
        Deviation.Reported,
        Deviation.Reclassified,
        Deviation.Assigned,
        Deviation.Closed,
        Deviation.Reopened,
        Deviation.Withdrawn,
        Deviation.EscalatedToLexSarah,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    def _set(self, tracking: Tracking, deviation_id: UUID, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.deviations, {"id": deviation_id}, **values)

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:  # type: ignore[name-defined]
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
                )
            )

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id, category=event.category, subcategory=event.subcategory
        )

    @process_event.register
    def _(self, event: Deviation.Assigned, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, assignee=event.assignee)

    @process_event.register
    def _(self, event: Deviation.Closed, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, status=DeviationStatus.CLOSED.value)

    @process_event.register
    def _(self, event: Deviation.Reopened, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, status=DeviationStatus.OPEN.value)

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, status=DeviationStatus.WITHDRAWN.value)

    @process_event.register
    def _(self, event: Deviation.EscalatedToLexSarah, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, lex_sarah_case_id=event.lex_sarah_case_id)


# --- 2. monthly counts ----------------------------------------------------------------


class MonthlyCounts(View):
    """(year, month of reported_on, operation, unit, category, subcategory) -> count."""

    name = "monthly_counts"
    tables = (t.monthly_counts, t.monthly_members)
    handles = (Deviation.Reported, Deviation.Reclassified, Deviation.Withdrawn)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @staticmethod
    def _key(member: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: member[name]
            for name in ("year", "month", "operation", "unit", "category", "subcategory")
        }

    @staticmethod
    def _member(rows: Rows, deviation_id: UUID) -> dict[str, Any] | None:
        return rows.get(t.monthly_members, deviation_id=deviation_id)

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:  # type: ignore[name-defined]
        member = {
            "deviation_id": event.originator_id,
            "year": event.reported_on.year,
            "month": event.reported_on.month,
            "operation": event.operation.value,
            "unit": event.unit,
            "category": event.category,
            "subcategory": _sub(event.subcategory),
        }
        with self.view.transaction(tracking) as rows:
            rows.add(t.monthly_members, member)
            rows.bump(t.monthly_counts, self._key(member))

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:  # type: ignore[name-defined]
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            rows.bump(t.monthly_counts, self._key(member), delta=-1)
            member |= {"category": event.category, "subcategory": _sub(event.subcategory)}
            rows.bump(t.monthly_counts, self._key(member))
            rows.change(
                t.monthly_members, {"deviation_id": event.originator_id},
                category=member["category"], subcategory=member["subcategory"],
            )

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:  # type: ignore[name-defined]
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            rows.bump(t.monthly_counts, self._key(member), delta=-1)
            rows.remove(t.monthly_members, deviation_id=event.originator_id)


# --- 3. annual table ------------------------------------------------------------------


class AnnualTable(View):
    """(year, category, subcategory, operation) -> deviations reported that year, and Lex
    Sarah investigations opened that year from deviations now classified in that row."""

    name = "annual_table"
    tables = (t.annual_counts, t.annual_members)
    handles = (
        Deviation.Reported,
        Deviation.Reclassified,
        Deviation.Withdrawn,
        LexSarahCase.Opened,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @staticmethod
    def _member(rows: Rows, deviation_id: UUID) -> dict[str, Any] | None:
        return rows.get(t.annual_members, deviation_id=deviation_id)

    @staticmethod
    def _count(rows: Rows, member: Mapping[str, Any], delta: int) -> None:
        """Add the member's deviation count, and its Lex Sarah count if it has one."""
        row = {k: member[k] for k in ("category", "subcategory", "operation")}
        rows.bump(t.annual_counts, {"year": member["year"], **row}, "deviations", delta)
        if member["lex_sarah_year"] is not None:
            rows.bump(
                t.annual_counts,
                {"year": member["lex_sarah_year"], **row}, "lex_sarah", delta,
            )

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:  # type: ignore[name-defined]
        member = {
            "deviation_id": event.originator_id,
            "year": event.reported_on.year,
            "operation": event.operation.value,
            "category": event.category,
            "subcategory": _sub(event.subcategory),
            "lex_sarah_year": None,
        }
        with self.view.transaction(tracking) as rows:
            rows.add(t.annual_members, member)
            self._count(rows, member, 1)

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:  # type: ignore[name-defined]
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            self._count(rows, member, -1)
            member |= {"category": event.category, "subcategory": _sub(event.subcategory)}
            self._count(rows, member, 1)
            rows.change(
                t.annual_members, {"deviation_id": event.originator_id},
                category=member["category"], subcategory=member["subcategory"],
            )

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:  # type: ignore[name-defined]
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            self._count(rows, member, -1)
            rows.remove(t.annual_members, deviation_id=event.originator_id)

    @process_event.register
    def _(self, event: LexSarahCase.Opened, tracking: Tracking) -> None:  # type: ignore[name-defined]
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.deviation_id)
            if member is None or member["lex_sarah_year"] is not None:
                return
            year = event.opened_on.year
            rows.bump(
                t.annual_counts,
                {
                    "year": year,
                    "category": member["category"],
                    "subcategory": member["subcategory"],
                    "operation": member["operation"],
                },
                "lex_sarah",
            )
            rows.change(
                t.annual_members, {"deviation_id": event.deviation_id},
                lex_sarah_year=year,
            )


# --- 4. escalations -------------------------------------------------------------------


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
    def _(self, event: LexSarahCase.Opened, tracking: Tracking) -> None:  # type: ignore[name-defined]
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
    def _(self, event: LexSarahCase.GradeProposed, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, proposed_grade=event.grade.value)

    @process_event.register
    def _(self, event: LexSarahCase.Decided, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id,
            grade=event.grade.value, decided_on=event.decided_on,
            status=LexSarahStatus.DECIDED.value,
        )

    @process_event.register
    def _(self, event: LexSarahCase.ReportedToIVO, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id,
            ivo_sent_on=event.sent_on, ivo_reference=event.ivo_reference,
            status=LexSarahStatus.REPORTED_TO_IVO.value,
        )

    @process_event.register
    def _(self, event: LexSarahCase.Closed, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id,
            closed_on=event.closed_on, status=LexSarahStatus.CLOSED.value,
        )


# --- 5. deadlines ---------------------------------------------------------------------


def watch_columns(row: Mapping[str, Any]) -> dict[str, date | None]:
    """The deadline while a breach could still be flagged, else None (see tables.py)."""
    preliminary: date | None = None
    if (
        not row["ongoing_investigation"]
        and row["breach_flagged_on"] is None
        and (row["decided_on"] is None or row["decided_on"] > row["deadline"])
    ):
        preliminary = row["deadline"]
    investigation: date | None = None
    deadline = row["investigation_deadline"]
    completed = row["investigation_completed_on"]
    if (
        deadline is not None
        and row["investigation_breach_flagged_on"] is None
        and (completed is None or completed > deadline)
    ):
        investigation = deadline
    return {"preliminary_watch": preliminary, "investigation_watch": investigation}


class Deadlines(View):
    name = "deadlines"
    tables = (t.child_reports,)
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
    def _(self, event: ChildReport.Received, tracking: Tracking) -> None:  # type: ignore[name-defined]
        row: dict[str, Any] = {
            "id": event.originator_id,
            "number": event.number,
            "unit": event.unit,
            "operation": event.operation.value,
            "case_reference": event.case_reference,
            "received_at": _utc(event.received_at),
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
    def _(self, event: ChildReport.ProtectionAssessed, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, protection_assessed_at=_utc(event.assessed_at))

    @process_event.register
    def _(self, event: ChildReport.HandlerAssigned, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, handler=event.handler)

    @process_event.register
    def _(self, event: ChildReport.DeadlineExtended, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, deadline=event.new_deadline)

    @process_event.register
    def _(self, event: ChildReport.PreliminaryAssessmentDecided, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id,
            decided_on=event.decided_on, decision=event.decision.value,
        )

    @process_event.register
    def _(self, event: ChildReport.PreliminaryAssessmentBreachFlagged, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id,
            breach_flagged_on=event.flagged_on, breach_deviation_id=event.deviation_id,
        )

    @process_event.register
    def _(self, event: ChildReport.InvestigationOpened, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id,
            investigation_opened_on=event.opened_on,
            investigation_original_deadline=event.deadline,
            investigation_deadline=event.deadline,
        )

    @process_event.register
    def _(self, event: ChildReport.InvestigationExtended, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, investigation_deadline=event.new_deadline)

    @process_event.register
    def _(self, event: ChildReport.InvestigationCompleted, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(tracking, event.originator_id, investigation_completed_on=event.completed_on)

    @process_event.register
    def _(self, event: ChildReport.InvestigationBreachFlagged, tracking: Tracking) -> None:  # type: ignore[name-defined]
        self._set(
            tracking, event.originator_id,
            investigation_breach_flagged_on=event.flagged_on,
            investigation_breach_deviation_id=event.deviation_id,
        )


# --- 6. recurrence --------------------------------------------------------------------


class Recurrence(View):
    """Counted deviations by unit and (sub)category with their reported date."""

    name = "recurrence"
    tables = (t.recurrence_members,)
    handles = (Deviation.Reported, Deviation.Reclassified, Deviation.Withdrawn)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:  # type: ignore[name-defined]
        with self.view.transaction(tracking) as rows:
            rows.add(
                t.recurrence_members, dict(
                    deviation_id=event.originator_id,
                    unit=event.unit,
                    operation=event.operation.value,
                    category=event.category,
                    subcategory=_sub(event.subcategory),
                    reported_on=event.reported_on,
                )
            )

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:  # type: ignore[name-defined]
        table = t.recurrence_members
        with self.view.transaction(tracking) as rows:
            rows.change(
                table, {"deviation_id": event.originator_id},
                category=event.category, subcategory=_sub(event.subcategory),
            )

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:  # type: ignore[name-defined]
        table = t.recurrence_members
        with self.view.transaction(tracking) as rows:
            rows.remove(table, deviation_id=event.originator_id)


VIEWS: dict[str, type[View]] = {
    view.name: view
    for view in (DeviationList, MonthlyCounts, AnnualTable, Escalations, Deadlines, Recurrence)
}
