"""Deviation commands: file, classify, analyse, measures, feedback, close, reopen, withdraw,
and the escalation that opens a Lex Sarah case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.deviation import Deviation, Source
from events.lex_sarah import LexSarahCase
from events.numbering import SeriesKind
from tracker.application.base import (
    ApplicationBase,
    ConflictError,
    HistoryEntry,
    history_entries,
)


@dataclass(frozen=True)
class PlannedMeasure:
    """The one measure decided when a deviation is handled and closed at once."""

    description: str
    responsible: str
    due_on: date


class DeviationCommands(ApplicationBase):
    def get_deviation(self, deviation_id: UUID) -> Deviation:
        return self._get(Deviation, deviation_id)

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
        """File a deviation with the next number of its reported year."""
        return self.file_deviation_with_history(
            actor=actor, unit=unit, category=category, subcategory=subcategory,
            occurred_on=occurred_on, description=description,
            immediate_actions=immediate_actions, case_reference=case_reference,
            reported_on=reported_on, source=source,
        )[0]

    def file_deviation_with_history(
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
    ) -> tuple[Deviation, list[HistoryEntry]]:
        """The filed deviation and its history (the API answers with both; taken from the
        events just saved, so nothing is read back)."""
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

        saved = self._save_numbered(SeriesKind.DEVIATION, reported.year, build)
        deviation = filed[0]
        return deviation, history_entries(e for e in saved if e.originator_id == deviation.id)

    def reclassify_deviation(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        category: str,
        subcategory: str | None,
        expected_version: int | None = None,
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.reclassify,
            category=category, subcategory=subcategory,
            taxonomy=self.organisation.taxonomy(), actor=actor,
        )

    def assign_deviation(
        self, deviation_id: UUID, *, actor: str, assignee: str, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.assign,
            assignee=assignee, actor=actor,
        )

    def analyse_cause(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        analysis: str,
        causes: Sequence[str],
        expected_version: int | None = None,
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.analyse_cause,
            analysis=analysis, causes=list(causes), cause_list=self.organisation.causes(),
            actor=actor,
        )

    def record_no_measures_needed(
        self, deviation_id: UUID, *, actor: str, reason: str, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.record_no_measures_needed,
            reason=reason, actor=actor,
        )

    def record_feedback_impossible(
        self, deviation_id: UUID, *, actor: str, reason: str, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.record_feedback_impossible,
            reason=reason, actor=actor,
        )

    def add_measure(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        description: str,
        responsible: str,
        due_on: date,
        goal: str | None = None,
        follow_up_on: date | None = None,
        proposed: bool = False,
        expected_version: int | None = None,
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.add_measure,
            description=description, responsible=responsible, due_on=due_on, goal=goal,
            follow_up_on=follow_up_on, proposed=proposed, actor=actor,
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
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.complete_measure,
            measure=measure, completed_on=completed_on or today, today=today, actor=actor,
        )

    def give_feedback(
        self, deviation_id: UUID, *, actor: str, message: str, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.give_feedback,
            message=message, actor=actor,
        )

    def close_deviation(
        self, deviation_id: UUID, *, actor: str, summary: str, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.close, summary=summary, actor=actor
        )

    def handle_and_close(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        analysis: str,
        causes: Sequence[str],
        measure: PlannedMeasure | None,
        no_measures_reason: str | None,
        feedback: str | None,
        summary: str,
        expected_version: int | None = None,
    ) -> Deviation:
        """Cause analysis, one measure (or why none is needed), feedback and closing on one
        aggregate, in that order and with the same commands as one at a time (one event
        each, the closing rules unchanged), saved once: all of it or nothing."""
        deviation = self._get(Deviation, deviation_id)
        if expected_version is not None and deviation.version != expected_version:
            raise ConflictError(expected_version, deviation.version)
        deviation.analyse_cause(
            analysis=analysis, causes=list(causes), cause_list=self.organisation.causes(),
            actor=actor,
        )
        if measure is not None:
            deviation.add_measure(
                description=measure.description, responsible=measure.responsible,
                due_on=measure.due_on, actor=actor,
            )
        elif no_measures_reason is not None:
            deviation.record_no_measures_needed(reason=no_measures_reason, actor=actor)
        if feedback:
            deviation.give_feedback(message=feedback, actor=actor)
        deviation.close(summary=summary, actor=actor)
        self._save(deviation)
        return deviation

    def reopen_deviation(
        self, deviation_id: UUID, *, actor: str, reason: str, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.reopen, reason=reason, actor=actor
        )

    def withdraw_deviation(
        self, deviation_id: UUID, *, actor: str, reason: str, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.withdraw,
            reason=reason, actor=actor,
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
