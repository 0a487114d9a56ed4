"""The command side: one eventsourcing Application for deviations, Lex Sarah cases and
child reports. Every command is get -> call -> save; organisation data (units, taxonomy)
is checked on every command."""

from __future__ import annotations

import random
import time as time_module
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from events.child_report import ChildReport, PreliminaryDecision
from events.clocks import DEFAULT_PROTECTION_CUTOFF, local_date
from events.deviation import Deviation, Source
from events.lex_sarah import FindingKind, FindingNature, Grade, InformedParty, LexSarahCase
from events.numbering import NumberSeries, SeriesKind
from tracker import transcodings
from tracker.organisation import Organisation

A = TypeVar("A", bound=Aggregate)

SCHEDULER_ACTOR = "scheduler"
NUMBERING_ATTEMPTS = 50


class NotFound(LookupError):
    """No case of that kind with that id."""


class ConflictError(Exception):
    """Someone else changed the case since it was read: nothing was saved."""

    def __init__(self, expected: int | None = None, actual: int | None = None) -> None:
        self.expected, self.actual = expected, actual
        super().__init__("The case was changed by someone else; reload it and try again.")


@dataclass(frozen=True)
class HistoryEntry:
    type: str
    at: datetime
    by: str | None
    data: dict[str, Any]
    version: int


def breach_deviation_id(report_id: UUID, clock: str) -> UUID:
    """The one deviation a breach may cause. A second filing for the same breach collides
    on this id in the event store, so duplicates are impossible whatever runs twice."""
    return uuid5(NAMESPACE_URL, f"/tracker/child-reports/{report_id}/breach/{clock}")


def _plain(value: Any) -> Any:
    """JSON-friendly form of an event attribute for the history view."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "value") and type(value).__module__.startswith("events."):
        return value.value
    return value


class TrackerApplication(Application[UUID]):
    name = "tracker"
    is_snapshotting_enabled = True
    snapshotting_intervals = {NumberSeries: 100}  # noqa: RUF012 - library's class attribute

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        organisation: Organisation,
        clock: Callable[[], datetime] | None = None,
        protection_cutoff: time = DEFAULT_PROTECTION_CUTOFF,
    ) -> None:
        super().__init__(env)
        self.organisation = organisation
        self.clock = clock or (lambda: datetime.now(UTC))
        self.protection_cutoff = protection_cutoff

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcodings.register(transcoder)

    # --- plumbing ----------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return local_date(self.now())

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise NotFound(aggregate_id)
        return aggregate

    def _save(self, *aggregates: Aggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise ConflictError from None

    def _update(
        self,
        cls: type[A],
        aggregate_id: UUID,
        expected_version: int | None,
        command: Callable[[A], Any],
    ) -> A:
        aggregate = self._get(cls, aggregate_id)
        if expected_version is not None and aggregate.version != expected_version:
            raise ConflictError(expected_version, aggregate.version)
        command(aggregate)
        self._save(aggregate)
        return aggregate

    def _series(self, kind: SeriesKind, year: int) -> NumberSeries:
        try:
            return self.repository.get(NumberSeries.create_id(kind, year))
        except AggregateNotFoundError:
            return NumberSeries(kind, year)

    def _save_numbered(
        self, kind: SeriesKind, year: int, build: Callable[[str], Sequence[Aggregate]]
    ) -> None:
        """Issue the next number and save it with what `build` made, in one transaction;
        on a clash with a concurrent filing, build again from fresh state."""
        for attempt in range(NUMBERING_ATTEMPTS):
            series = self._series(kind, year)
            aggregates = build(series.issue())
            try:
                self.save(series, *aggregates)
            except IntegrityError:
                _back_off(attempt)
                continue
            return
        raise ConflictError

    # --- queries -----------------------------------------------------------------------

    def get_deviation(self, deviation_id: UUID) -> Deviation:
        return self._get(Deviation, deviation_id)

    def get_lex_sarah_case(self, case_id: UUID) -> LexSarahCase:
        return self._get(LexSarahCase, case_id)

    def get_child_report(self, report_id: UUID) -> ChildReport:
        return self._get(ChildReport, report_id)

    def history(self, aggregate_id: UUID) -> list[HistoryEntry]:
        """Every event of one case, oldest first: the audit trail."""
        entries = []
        for domain_event in self.repository.event_store.get(aggregate_id):
            state = dict(domain_event.__dict__)
            for key in ("originator_id", "originator_version", "timestamp", "originator_topic"):
                state.pop(key, None)
            actor = state.pop("actor", None)
            entries.append(
                HistoryEntry(
                    type=type(domain_event).__name__,
                    at=domain_event.timestamp,
                    by=actor,
                    data={k: _plain(v) for k, v in state.items()},
                    version=domain_event.originator_version,
                )
            )
        if not entries:
            raise NotFound(aggregate_id)
        return entries

    # --- deviations --------------------------------------------------------------------

    def file_deviation(
        self,
        *,
        actor: str,
        unit: str,
        category: str,
        subcategory: str | None,
        occurred_on: date,
        description: str,
        immediate_actions: str | None = None,
        case_reference: str | None = None,
        reported_on: date | None = None,
        source: Source = Source.STAFF,
    ) -> Deviation:
        found_unit = self.organisation.unit(unit)
        taxonomy = self.organisation.taxonomy()
        today = self.today()
        reported = reported_on or today
        filed: list[Deviation] = []

        def build(number: str) -> list[Deviation]:
            filed[:] = [
                Deviation.report(
                    number=number,
                    unit=found_unit.code,
                    operation=found_unit.operation,
                    category=category,
                    subcategory=subcategory,
                    occurred_on=occurred_on,
                    reported_on=reported,
                    description=description,
                    immediate_actions=immediate_actions,
                    case_reference=case_reference,
                    reporter=actor,
                    source=source,
                    taxonomy=taxonomy,
                    today=today,
                )
            ]
            return filed

        self._save_numbered(SeriesKind.DEVIATION, reported.year, build)
        return filed[0]

    def reclassify_deviation(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        category: str,
        subcategory: str | None,
        expected_version: int | None = None,
    ) -> Deviation:
        taxonomy = self.organisation.taxonomy()
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.reclassify(
                category=category, subcategory=subcategory, taxonomy=taxonomy, actor=actor
            ),
        )

    def assign_deviation(
        self, deviation_id: UUID, *, actor: str, assignee: str, expected_version: int | None = None
    ) -> Deviation:
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.assign(assignee=assignee, actor=actor),
        )

    def analyse_cause(
        self, deviation_id: UUID, *, actor: str, analysis: str, expected_version: int | None = None
    ) -> Deviation:
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.analyse_cause(analysis=analysis, actor=actor),
        )

    def add_measure(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        description: str,
        responsible: str,
        due_on: date,
        expected_version: int | None = None,
    ) -> Deviation:
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.add_measure(
                description=description, responsible=responsible, due_on=due_on, actor=actor
            ),
        )

    def complete_measure(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        measure: int,
        completed_on: date | None = None,
        expected_version: int | None = None,
    ) -> Deviation:
        today = self.today()
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.complete_measure(
                measure=measure, completed_on=completed_on or today, today=today, actor=actor
            ),
        )

    def give_feedback(
        self, deviation_id: UUID, *, actor: str, message: str, expected_version: int | None = None
    ) -> Deviation:
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.give_feedback(message=message, actor=actor),
        )

    def close_deviation(
        self, deviation_id: UUID, *, actor: str, summary: str, expected_version: int | None = None
    ) -> Deviation:
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.close(summary=summary, actor=actor),
        )

    def reopen_deviation(
        self, deviation_id: UUID, *, actor: str, reason: str, expected_version: int | None = None
    ) -> Deviation:
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.reopen(reason=reason, actor=actor),
        )

    def withdraw_deviation(
        self, deviation_id: UUID, *, actor: str, reason: str, expected_version: int | None = None
    ) -> Deviation:
        return self._update(
            Deviation,
            deviation_id,
            expected_version,
            lambda d: d.withdraw(reason=reason, actor=actor),
        )

    def escalate_to_lex_sarah(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        reason: str,
        opened_on: date | None = None,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        """Opens the investigation and marks the deviation escalated, in one save."""
        today = self.today()
        opened = opened_on or today
        opened_case: list[LexSarahCase] = []

        def build(number: str) -> list[Aggregate]:
            deviation = self._get(Deviation, deviation_id)
            if expected_version is not None and deviation.version != expected_version:
                raise ConflictError(expected_version, deviation.version)
            case = LexSarahCase.open(
                number=number,
                deviation_id=deviation.id,
                deviation_number=deviation.number,
                deviation_reported_on=deviation.reported_on,
                unit=deviation.unit,
                operation=deviation.operation,
                reason=reason,
                opened_on=opened,
                today=today,
                actor=actor,
            )
            deviation.escalate(
                lex_sarah_case_id=case.id, reason=reason, opened_on=opened, actor=actor
            )
            opened_case[:] = [case]
            return [case, deviation]

        self._save_numbered(SeriesKind.LEX_SARAH, opened.year, build)
        return opened_case[0]

    # --- Lex Sarah ---------------------------------------------------------------------

    def record_protective_action(
        self,
        case_id: UUID,
        *,
        actor: str,
        description: str,
        taken_on: date,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.record_protective_action(
                description=description, taken_on=taken_on, today=today, actor=actor
            ),
        )

    def assign_investigator(
        self, case_id: UUID, *, actor: str, investigator: str, expected_version: int | None = None
    ) -> LexSarahCase:
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.assign_investigator(investigator=investigator, actor=actor),
        )

    def document_finding(
        self,
        case_id: UUID,
        *,
        actor: str,
        kind: FindingKind,
        text: str,
        dated_on: date,
        source: str,
        nature: FindingNature,
        author: str,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.document_finding(
                kind=kind,
                text=text,
                dated_on=dated_on,
                source=source,
                nature=nature,
                author=author,
                today=today,
                actor=actor,
            ),
        )

    def propose_grade(
        self,
        case_id: UUID,
        *,
        actor: str,
        grade: Grade,
        reasoning: str,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.propose_grade(grade=grade, reasoning=reasoning, actor=actor),
        )

    def decide_lex_sarah(
        self,
        case_id: UUID,
        *,
        actor: str,
        grade: Grade,
        reasoning: str,
        decided_on: date | None = None,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.decide(
                grade=grade,
                reasoning=reasoning,
                decided_on=decided_on or today,
                today=today,
                actor=actor,
            ),
        )

    def report_to_ivo(
        self,
        case_id: UUID,
        *,
        actor: str,
        sent_on: date,
        ivo_reference: str,
        diary_number: str,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.report_to_ivo(
                sent_on=sent_on,
                ivo_reference=ivo_reference,
                diary_number=diary_number,
                today=today,
                actor=actor,
            ),
        )

    def record_informed(
        self,
        case_id: UUID,
        *,
        actor: str,
        who: InformedParty,
        on: date,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.record_informed(who=who, on=on, today=today, actor=actor),
        )

    def close_lex_sarah(
        self,
        case_id: UUID,
        *,
        actor: str,
        summary: str,
        closed_on: date | None = None,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._update(
            LexSarahCase,
            case_id,
            expected_version,
            lambda c: c.close(
                summary=summary, closed_on=closed_on or today, today=today, actor=actor
            ),
        )

    # --- child reports -----------------------------------------------------------------

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
                )
            ]
            return received

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
        now = self.now()
        return self._update(
            ChildReport,
            report_id,
            expected_version,
            lambda r: r.assess_protection(
                assessed_at=assessed_at,
                immediate_protection_needed=immediate_protection_needed,
                now=now,
                actor=actor,
            ),
        )

    def assign_handler(
        self, report_id: UUID, *, actor: str, handler: str, expected_version: int | None = None
    ) -> ChildReport:
        return self._update(
            ChildReport,
            report_id,
            expected_version,
            lambda r: r.assign_handler(handler=handler, actor=actor),
        )

    def extend_preliminary_deadline(
        self,
        report_id: UUID,
        *,
        actor: str,
        reason: str,
        new_deadline: date,
        expected_version: int | None = None,
    ) -> ChildReport:
        return self._update(
            ChildReport,
            report_id,
            expected_version,
            lambda r: r.extend_deadline(reason=reason, new_deadline=new_deadline, actor=actor),
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
        return self._update(
            ChildReport,
            report_id,
            expected_version,
            lambda r: r.decide(
                decision=decision, decided_on=decided_on or today, today=today, actor=actor
            ),
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
        return self._update(
            ChildReport,
            report_id,
            expected_version,
            lambda r: r.open_investigation(opened_on=opened_on or today, today=today, actor=actor),
        )

    def extend_investigation(
        self,
        report_id: UUID,
        *,
        actor: str,
        reason: str,
        new_deadline: date,
        expected_version: int | None = None,
    ) -> ChildReport:
        return self._update(
            ChildReport,
            report_id,
            expected_version,
            lambda r: r.extend_investigation(reason=reason, new_deadline=new_deadline, actor=actor),
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
        return self._update(
            ChildReport,
            report_id,
            expected_version,
            lambda r: r.complete_investigation(
                completed_on=completed_on or today, today=today, actor=actor
            ),
        )

    # --- breaches (the scheduler's commands) -------------------------------------------

    def flag_preliminary_breach(self, report_id: UUID, *, today: date | None = None) -> UUID | None:
        """Record the breach on the report and file its deviation in one save. Returns the
        deviation id, or None when there is nothing (or nothing more) to flag."""
        return self._flag_breach(report_id, "preliminary", today or self.today())

    def flag_investigation_breach(
        self, report_id: UUID, *, today: date | None = None
    ) -> UUID | None:
        return self._flag_breach(report_id, "investigation", today or self.today())

    def flag_protection_breach(self, report_id: UUID, *, today: date | None = None) -> UUID | None:
        """File a deviation for a skyddsbedömning not recorded by its due day (only when the
        installation asks for it). The report records nothing; the deviation's fixed id is
        what makes a second filing impossible."""
        return self._flag_breach(report_id, "protection", today or self.today())

    def _flag_breach(self, report_id: UUID, clock: str, today: date) -> UUID | None:
        deviation_id = breach_deviation_id(report_id, clock)
        for attempt in range(NUMBERING_ATTEMPTS):
            report = self.get_child_report(report_id)
            breach = _breach(report, clock, today)
            if breach is None or (clock == "protection" and deviation_id in self.repository):
                return None
            due, subcategory, subject = breach
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
                    f"blev inte klar i tid. Tidsfristen löpte ut {due.isoformat()}; "
                    f"{(today - due).days} dagar över tiden när det upptäcktes."
                ),
                immediate_actions=None,
                case_reference=report.case_reference,
                reporter=SCHEDULER_ACTOR,
                source=Source.SCHEDULER,
                taxonomy=self.organisation.taxonomy(),
                today=today,
            )
            if clock == "preliminary":
                report.flag_preliminary_breach(
                    flagged_on=today, deviation_id=deviation_id, actor=SCHEDULER_ACTOR
                )
            elif clock == "investigation":
                report.flag_investigation_breach(
                    flagged_on=today, deviation_id=deviation_id, actor=SCHEDULER_ACTOR
                )
            try:
                self.save(series, deviation, report)
            except IntegrityError:
                _back_off(attempt)
                continue  # someone else flagged it, or took our number: look again
            return deviation_id
        raise ConflictError


def _back_off(attempt: int) -> None:
    """Jittered wait before taking a number again, so that clerks filing at the same moment
    (8 concurrent API clients on PostgreSQL exhausted 20 immediate retries) spread out."""
    time_module.sleep(random.uniform(0, 0.002 * (attempt + 1)))


def _breach(report: ChildReport, clock: str, today: date) -> tuple[date, str, str] | None:
    """(due date, subcategory, subject of the description) when `clock` is breached and not
    yet flagged on the report; None otherwise."""
    if clock == "preliminary":
        if report.breach_flagged_on is None and report.is_preliminary_breached(today):
            return report.deadline, "forhandsbedomning", "Förhandsbedömningen"
    elif clock == "investigation":
        if report.investigation_breach_flagged_on is None and report.is_investigation_breached(
            today
        ):
            assert report.investigation_deadline is not None
            return report.investigation_deadline, "utredningstid", "Utredningen"
    elif clock == "protection" and report.is_protection_late(today):
        return report.protection_due, "annat", "Skyddsbedömningen"
    return None
