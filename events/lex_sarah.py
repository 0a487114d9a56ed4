"""Lex Sarah investigation (SOSFS 2011:5), opened from a deviation."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.base import SHORT_TEXT, check_not_before, check_not_future, check_text
from events.errors import AlreadyRecorded, CaseClosed, StepOutOfOrder
from events.taxonomy import Operation

if TYPE_CHECKING:
    from events.base import EventFields


class FindingKind(enum.Enum):
    """What the investigation must document (SOSFS 2011:5 ch. 5)."""

    HANDELSE = "handelse"  # what happened and its consequences for the individual
    UPPTACKT = "upptackt"  # when and how it was noticed
    ORSAK = "orsak"  # causes
    TIDIGARE = "tidigare"  # earlier similar events
    UPPREPNING = "upprepning"  # risk of recurrence
    ATGARD = "atgard"  # measures, with dates
    OVRIGT = "ovrigt"  # other


class FindingNature(enum.Enum):
    FACT = "fact"
    ASSESSMENT = "assessment"


class Grade(enum.Enum):
    INTE_MISSFORHALLANDE = "inte_missforhallande"
    RISK_MISSFORHALLANDE = "risk_missforhallande"
    MISSFORHALLANDE = "missforhallande"
    RISK_ALLVARLIGT = "risk_allvarligt"
    ALLVARLIGT = "allvarligt"

    @property
    def is_serious(self) -> bool:
        """The two grades that must be reported to IVO."""
        return self in (Grade.RISK_ALLVARLIGT, Grade.ALLVARLIGT)


class InformedParty(enum.Enum):
    INDIVIDUAL = "individual"
    REPRESENTATIVE = "representative"


class LexSarahStatus(enum.Enum):
    OPEN = "open"
    DECIDED = "decided"
    REPORTED_TO_IVO = "reported_to_ivo"
    CLOSED = "closed"


@dataclass
class Finding:
    kind: FindingKind
    text: str
    dated_on: date
    source: str
    nature: FindingNature
    author: str


class LexSarahCase(Aggregate):
    if TYPE_CHECKING:  # made by the @event decorators below (see events.base)

        class Opened(Aggregate.Created, EventFields): ...
        class ProtectiveActionRecorded(Aggregate.Event, EventFields): ...
        class InvestigatorAssigned(Aggregate.Event, EventFields): ...
        class FindingDocumented(Aggregate.Event, EventFields): ...
        class GradeProposed(Aggregate.Event, EventFields): ...
        class Decided(Aggregate.Event, EventFields): ...
        class ReportedToIVO(Aggregate.Event, EventFields): ...
        class PartyInformed(Aggregate.Event, EventFields): ...
        class Closed(Aggregate.Event, EventFields): ...

    @classmethod
    def open(
        cls,
        *,
        number: str,
        deviation_id: UUID,
        deviation_number: str,
        deviation_reported_on: date,
        unit: str,
        operation: Operation,
        reason: str,
        opened_on: date,
        today: date,
        actor: str,
    ) -> LexSarahCase:
        check_not_future("opened_on", opened_on, today)
        check_not_before("opened_on", opened_on, deviation_reported_on, "the deviation's report")
        return cls(
            number=number,
            deviation_id=deviation_id,
            deviation_number=deviation_number,
            unit=unit,
            operation=operation,
            reason=check_text("reason", reason),
            opened_on=opened_on,
            actor=actor,
        )

    @event("Opened")
    def __init__(
        self,
        *,
        number: str,
        deviation_id: UUID,
        deviation_number: str,
        unit: str,
        operation: Operation,
        reason: str,
        opened_on: date,
        actor: str,
    ) -> None:
        self.number = number
        self.deviation_id = deviation_id
        self.deviation_number = deviation_number
        self.unit = unit
        self.operation = operation
        self.reason = reason
        self.opened_on = opened_on
        self.protective_actions: list[tuple[date, str]] = []
        self.investigator: str | None = None
        self.findings: list[Finding] = []
        self.proposed_grade: Grade | None = None
        self.proposal_reasoning: str | None = None
        self.grade: Grade | None = None
        self.decision_reasoning: str | None = None
        self.decided_on: date | None = None
        self.ivo_sent_on: date | None = None
        self.ivo_reference: str | None = None
        self.diary_number: str | None = None
        self.informed: dict[InformedParty, date] = {}
        self.closed_on: date | None = None
        self.closing_summary: str | None = None

    @property
    def status(self) -> LexSarahStatus:
        if self.closed_on is not None:
            return LexSarahStatus.CLOSED
        if self.ivo_sent_on is not None:
            return LexSarahStatus.REPORTED_TO_IVO
        if self.grade is not None:
            return LexSarahStatus.DECIDED
        return LexSarahStatus.OPEN

    def check_not_closed(self) -> None:
        if self.closed_on is not None:
            raise CaseClosed

    def check_undecided(self) -> None:
        if self.grade is not None:
            raise AlreadyRecorded("The investigation is already decided.")

    def _check_dated(self, field: str, day: date, today: date) -> None:
        check_not_future(field, day, today)
        check_not_before(field, day, self.opened_on, "the investigation was opened")

    # --- commands ----------------------------------------------------------------------

    def record_protective_action(
        self, *, description: str, taken_on: date, today: date, actor: str
    ) -> None:
        """Utan dröjsmål: what was done to remedy the wrong or protect the individual."""
        self.check_not_closed()
        self._check_dated("taken_on", taken_on, today)
        self._protective_action_recorded(
            description=check_text("description", description), taken_on=taken_on, actor=actor
        )

    @event("ProtectiveActionRecorded")
    def _protective_action_recorded(self, *, description: str, taken_on: date, actor: str) -> None:
        self.protective_actions.append((taken_on, description))

    def assign_investigator(self, *, investigator: str, actor: str) -> None:
        self.check_not_closed()
        self.check_undecided()
        self._investigator_assigned(
            investigator=check_text("investigator", investigator, max_length=SHORT_TEXT),
            actor=actor,
        )

    @event("InvestigatorAssigned")
    def _investigator_assigned(self, *, investigator: str, actor: str) -> None:
        self.investigator = investigator

    def document_finding(
        self,
        *,
        kind: FindingKind,
        text: str,
        dated_on: date,
        source: str,
        nature: FindingNature,
        author: str,
        today: date,
        actor: str,
    ) -> None:
        self.check_not_closed()
        self.check_undecided()
        check_not_future("date", dated_on, today)
        self._finding_documented(
            kind=kind,
            text=check_text("text", text),
            dated_on=dated_on,
            source=check_text("source", source, max_length=SHORT_TEXT),
            nature=nature,
            author=check_text("author", author, max_length=SHORT_TEXT),
            actor=actor,
        )

    @event("FindingDocumented")
    def _finding_documented(
        self,
        *,
        kind: FindingKind,
        text: str,
        dated_on: date,
        source: str,
        nature: FindingNature,
        author: str,
        actor: str,
    ) -> None:
        self.findings.append(Finding(kind, text, dated_on, source, nature, author))

    def propose_grade(self, *, grade: Grade, reasoning: str, actor: str) -> None:
        self.check_not_closed()
        self.check_undecided()
        self._grade_proposed(grade=grade, reasoning=check_text("reasoning", reasoning), actor=actor)

    @event("GradeProposed")
    def _grade_proposed(self, *, grade: Grade, reasoning: str, actor: str) -> None:
        self.proposed_grade = grade
        self.proposal_reasoning = reasoning

    def decide(
        self, *, grade: Grade, reasoning: str, decided_on: date, today: date, actor: str
    ) -> None:
        self.check_not_closed()
        self.check_undecided()
        if not self.findings:
            raise StepOutOfOrder("Document at least one finding before deciding.")
        self._check_dated("decided_on", decided_on, today)
        self._decided(
            grade=grade,
            reasoning=check_text("reasoning", reasoning),
            decided_on=decided_on,
            actor=actor,
        )

    @event("Decided")
    def _decided(self, *, grade: Grade, reasoning: str, decided_on: date, actor: str) -> None:
        self.grade = grade
        self.decision_reasoning = reasoning
        self.decided_on = decided_on

    def report_to_ivo(
        self,
        *,
        sent_on: date,
        ivo_reference: str,
        diary_number: str,
        today: date,
        actor: str,
    ) -> None:
        self.check_not_closed()
        if self.grade is None:
            raise StepOutOfOrder("Decide the grade before reporting to IVO.")
        if not self.grade.is_serious:
            raise StepOutOfOrder(
                "Only a serious grade (påtaglig risk för allvarligt missförhållande or "
                "allvarligt missförhållande) is reported to IVO."
            )
        if self.ivo_sent_on is not None:
            raise AlreadyRecorded("The case is already reported to IVO.")
        assert self.decided_on is not None
        check_not_future("sent_on", sent_on, today)
        check_not_before("sent_on", sent_on, self.decided_on, "the decision")
        self._reported_to_ivo(
            sent_on=sent_on,
            ivo_reference=check_text("ivo_reference", ivo_reference, max_length=64),
            diary_number=check_text("diary_number", diary_number, max_length=64),
            actor=actor,
        )

    @event("ReportedToIVO")
    def _reported_to_ivo(
        self, *, sent_on: date, ivo_reference: str, diary_number: str, actor: str
    ) -> None:
        self.ivo_sent_on = sent_on
        self.ivo_reference = ivo_reference
        self.diary_number = diary_number

    def record_informed(self, *, who: InformedParty, on: date, today: date, actor: str) -> None:
        self.check_not_closed()
        self._check_dated("on", on, today)
        if who in self.informed:
            raise AlreadyRecorded("That party is already recorded as informed.")
        self._informed(who=who, on=on, actor=actor)

    @event("PartyInformed")
    def _informed(self, *, who: InformedParty, on: date, actor: str) -> None:
        self.informed[who] = on

    def close(self, *, summary: str, closed_on: date, today: date, actor: str) -> None:
        self.check_not_closed()
        if self.grade is None:
            raise StepOutOfOrder("Decide the grade before closing the investigation.")
        if self.grade.is_serious and self.ivo_sent_on is None:
            raise StepOutOfOrder("Report the case to IVO before closing it.")
        self._check_dated("closed_on", closed_on, today)
        self._closed(summary=check_text("summary", summary), closed_on=closed_on, actor=actor)

    @event("Closed")
    def _closed(self, *, summary: str, closed_on: date, actor: str) -> None:
        self.closed_on = closed_on
        self.closing_summary = summary
