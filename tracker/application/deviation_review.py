"""Deviation review beyond the task list: a measure's lifecycle and follow-up of its effect,
the risk assessment, and moving a case to the right unit."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from events.deviation import Deviation, Effect
from tracker.application.base import ApplicationBase


class DeviationReviewCommands(ApplicationBase):
    def plan_measure(
        self, deviation_id: UUID, *, actor: str, measure: int, expected_version: int | None = None
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.plan_measure,
            measure=measure, actor=actor,
        )

    def reject_measure(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        measure: int,
        reason: str,
        expected_version: int | None = None,
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.reject_measure,
            measure=measure, reason=reason, actor=actor,
        )

    def schedule_follow_up(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        measure: int,
        follow_up_on: date,
        expected_version: int | None = None,
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.schedule_follow_up,
            measure=measure, follow_up_on=follow_up_on, actor=actor,
        )

    def follow_up_measure(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        measure: int,
        result: str,
        effect: Effect,
        effect_text: str,
        followed_up_on: date | None = None,
        next_follow_up_on: date | None = None,
        expected_version: int | None = None,
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.follow_up_measure,
            measure=measure, result=result, effect=effect, effect_text=effect_text,
            followed_up_on=followed_up_on, next_follow_up_on=next_follow_up_on,
            today=self.today(), actor=actor,
        )

    def assess_risk(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        probability: int,
        consequence: int,
        expected_version: int | None = None,
    ) -> Deviation:
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.assess_risk,
            probability=probability, consequence=consequence, actor=actor,
        )

    def move_deviation(
        self,
        deviation_id: UUID,
        *,
        actor: str,
        unit: str,
        reason: str,
        expected_version: int | None = None,
    ) -> Deviation:
        found = self.organisation.unit(unit)  # refuses an unknown or inactive unit
        return self._command(
            Deviation, deviation_id, expected_version, Deviation.move_to_unit,
            unit=found.code, operation=found.operation, reason=reason, today=self.today(),
            actor=actor,
        )
