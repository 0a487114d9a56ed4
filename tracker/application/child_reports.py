"""Child report commands (anmälningar om barn) and the scheduler's breach commands, which
record a missed clock and file its deviation in one save."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from events.base import check_received
from events.child_report import ChildReport, PreliminaryDecision, ReporterCategory
from events.clocks import BREACH_ID_KEYS, Clock, local_date
from events.deviation import Deviation, Source
from events.legal import cite_on
from events.numbering import SeriesKind
from tracker.application.base import (
    SCHEDULER_ACTOR,
    ApplicationBase,
)


def breach_deviation_id(report_id: UUID, clock: Clock) -> UUID:
    """The one deviation a breach may cause. A second filing for the same breach collides
    on this id in the event store, so duplicates are impossible whatever runs twice."""
    key = BREACH_ID_KEYS[clock]
    return uuid5(NAMESPACE_URL, f"/tracker/child-reports/{report_id}/breach/{key}")


# What a breach files: the deviation's subcategory and the subject of its description.
BREACH_DEVIATIONS: dict[Clock, tuple[str, str]] = {
    Clock.SKYDDSBEDOMNING: ("annat", "Skyddsbedömningen"),
    Clock.FORHANDSBEDOMNING: ("forhandsbedomning", "Förhandsbedömningen"),
    Clock.UTREDNINGSTID: ("utredningstid", "Utredningen"),
}


class ChildReportCommands(ApplicationBase):
    def get_child_report(self, report_id: UUID) -> ChildReport:
        return self._get(ChildReport, report_id)

    def receive_child_report(
        self,
        *,
        actor: str,
        unit: str,
        received_at: datetime,
        case_reference: str,
        ongoing_investigation: bool = False,
    ) -> ChildReport:
        found_unit = self.organisation.unit(unit)
        now = self.now()
        received: list[ChildReport] = []

        def build(number: str) -> list[ChildReport]:
            received[:] = [
                ChildReport.receive(
                    number=number,
                    unit=found_unit.code,
                    operation=found_unit.operation,
                    received_at=received_at,
                    case_reference=case_reference,
                    ongoing_investigation=ongoing_investigation,
                    now=now,
                    actor=actor,
                    protection_cutoff=self.protection_cutoff,
                    sunday_rule=self.sunday_rule,
                )
            ]
            return received

        if received_at.tzinfo:
            check_received("received_at", received_at, now)  # before its year is read
        year = local_date(received_at).year if received_at.tzinfo else now.year
        self._save_numbered(SeriesKind.CHILD_REPORT, year, build)
        return received[0]

    def assess_protection(
        self,
        report_id: UUID,
        *,
        actor: str,
        assessed_at: datetime,
        immediate_protection_needed: bool,
        expected_version: int | None = None,
    ) -> ChildReport:
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.assess_protection,
            assessed_at=assessed_at, immediate_protection_needed=immediate_protection_needed,
            now=self.now(), actor=actor,
        )

    def assign_handler(
        self, report_id: UUID, *, actor: str, handler: str, expected_version: int | None = None
    ) -> ChildReport:
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.assign_handler,
            handler=handler, actor=actor,
        )

    def extend_preliminary_deadline(
        self,
        report_id: UUID,
        *,
        actor: str,
        reason: str,
        new_deadline: date,
        decided_by: str,
        decided_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.extend_deadline,
            reason=reason, new_deadline=new_deadline, decided_by=decided_by,
            decided_on=decided_on or today, today=today, actor=actor,
        )

    def decide_preliminary_assessment(
        self,
        report_id: UUID,
        *,
        actor: str,
        decision: PreliminaryDecision,
        decided_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.decide,
            decision=decision, decided_on=decided_on or today, today=today, actor=actor,
            sunday_rule=self.sunday_rule,
        )

    def open_investigation(
        self,
        report_id: UUID,
        *,
        actor: str,
        opened_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.open_investigation,
            opened_on=opened_on or today, today=today, actor=actor,
            sunday_rule=self.sunday_rule,
        )

    def extend_investigation(
        self,
        report_id: UUID,
        *,
        actor: str,
        reason: str,
        new_deadline: date,
        decided_by: str,
        decided_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.extend_investigation,
            reason=reason, new_deadline=new_deadline, decided_by=decided_by,
            decided_on=decided_on or today, today=today, actor=actor,
        )

    def complete_investigation(
        self,
        report_id: UUID,
        *,
        actor: str,
        completed_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.complete_investigation,
            completed_on=completed_on or today, today=today, actor=actor,
        )

    # --- återkoppling to the anmälare (SoL 19 kap. 6 §), information (20 kap. 4 §) ---

    def record_reporter_category(
        self, report_id: UUID, *, actor: str, category: ReporterCategory,
        expected_version: int | None = None,
    ) -> ChildReport:
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.record_reporter_category,
            category=category, actor=actor,
        )

    def request_reporter_feedback(
        self, report_id: UUID, *, actor: str, requested_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.request_feedback,
            requested_on=requested_on or today, today=today, actor=actor,
        )

    def give_reporter_feedback(
        self, report_id: UUID, *, actor: str, how: str, given_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.give_feedback,
            given_on=given_on or today, how=how, today=today, actor=actor,
        )

    def decline_reporter_feedback(
        self, report_id: UUID, *, actor: str, reason: str, declined_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version, ChildReport.decline_feedback,
            declined_on=declined_on or today, reason=reason, today=today, actor=actor,
        )

    def record_investigation_information(
        self, report_id: UUID, *, actor: str, informed_on: date | None = None,
        expected_version: int | None = None,
    ) -> ChildReport:
        today = self.today()
        return self._command(
            ChildReport, report_id, expected_version,
            ChildReport.record_investigation_information,
            informed_on=informed_on or today, today=today, actor=actor,
        )

    # --- breaches (the scheduler's commands) -------------------------------------------

    def flag_breach(
        self, report_id: UUID, clock: Clock, *, today: date | None = None
    ) -> UUID | None:
        """Record the breach on the report and file its deviation in one save. Returns the
        deviation id, or None when there is nothing (or nothing more) to flag. A late
        skyddsbedömning is filed only when the installation asks for it; the report records
        nothing then, and the deviation's fixed id is what makes a second filing impossible."""
        return self._flag_breach(report_id, clock, today or self.today())

    def flag_preliminary_breach(self, report_id: UUID, *, today: date | None = None) -> UUID | None:
        return self.flag_breach(report_id, Clock.FORHANDSBEDOMNING, today=today)

    def flag_investigation_breach(
        self, report_id: UUID, *, today: date | None = None
    ) -> UUID | None:
        return self.flag_breach(report_id, Clock.UTREDNINGSTID, today=today)

    def flag_protection_breach(self, report_id: UUID, *, today: date | None = None) -> UUID | None:
        return self.flag_breach(report_id, Clock.SKYDDSBEDOMNING, today=today)

    def _flag_breach(self, report_id: UUID, clock: Clock, today: date) -> UUID | None:
        deviation_id = breach_deviation_id(report_id, clock)

        def attempt() -> UUID | None:
            report = self.get_child_report(report_id)
            due = _unflagged_breach(report, clock, today)
            if due is None or (clock is Clock.SKYDDSBEDOMNING and deviation_id in self.repository):
                return None
            subcategory, subject = BREACH_DEVIATIONS[clock]
            series = self._series(SeriesKind.DEVIATION, today.year)
            deviation = Deviation.report(
                id=deviation_id,
                number=series.issue(),
                unit=report.unit,
                operation=report.operation,
                category="handlaggning",
                subcategory=subcategory,
                occurred_on=due + timedelta(days=1),
                reported_on=today,
                description=(
                    f"{subject} för anmälan {report.number} (ärende {report.case_reference}) "
                    f"blev inte klar i tid. Tidsfristen löpte ut {due.isoformat()} "
                    f"({cite_on(clock.value, due)}); "  # the clock codes are the legal keys
                    f"{(today - due).days} dagar över tiden när det upptäcktes."
                ),
                immediate_actions=None,
                case_reference=report.case_reference,
                reporter=SCHEDULER_ACTOR,
                source=Source.SCHEDULER,
                taxonomy=self.organisation.taxonomy(),
                today=today,
            )
            if clock is Clock.FORHANDSBEDOMNING:
                report.flag_preliminary_breach(
                    flagged_on=today, deviation_id=deviation_id, actor=SCHEDULER_ACTOR
                )
            elif clock is Clock.UTREDNINGSTID:
                report.flag_investigation_breach(
                    flagged_on=today, deviation_id=deviation_id, actor=SCHEDULER_ACTOR
                )
            self.save(series, deviation, report)
            return deviation_id

        # A clash: someone else flagged it, or took our number: look again.
        return self._until_saved(attempt)


def _unflagged_breach(report: ChildReport, clock: Clock, today: date) -> date | None:
    """The due date when `clock` is breached and not yet flagged on the report."""
    if clock is Clock.FORHANDSBEDOMNING:
        if report.breach_flagged_on is None and report.is_preliminary_breached(today):
            return report.deadline
    elif clock is Clock.UTREDNINGSTID:
        if report.investigation_breach_flagged_on is None and report.is_investigation_breached(
            today
        ):
            return report.investigation_deadline
    elif report.is_protection_late(today):
        return report.protection_due
    return None
