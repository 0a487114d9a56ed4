"""Deviation (avvikelse): filed by staff or the scheduler, reviewed by the quality developer."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.base import (
    SHORT_TEXT,
    check_not_before,
    check_not_future,
    check_not_too_early,
    check_text,
)
from events.causes import CauseList
from events.errors import (
    AlreadyRecorded,
    CaseClosed,
    CaseWithdrawn,
    DomainError,
    EscalatedImportedDeviations,
    Inconsistent,
    StepOutOfOrder,
    ValidationFailed,
)
from events.taxonomy import Operation, Taxonomy

if TYPE_CHECKING:
    from events.base import EventFields


class Source(enum.Enum):
    STAFF = "staff"
    SCHEDULER = "scheduler"
    IMPORT = "import"


class DeviationStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


@dataclass
class Measure:
    number: int
    description: str
    responsible: str
    due_on: date
    added_by: str
    completed_on: date | None = None
    completed_by: str | None = None


class ClosingIncomplete(StepOutOfOrder):
    """Closing refused; `reasons` names each missing piece (all of them, not the first)."""

    template = "The deviation cannot be closed yet."

    def __init__(self, reasons: list[DomainError]) -> None:
        super().__init__()
        self.reasons = reasons


# Who gets no feedback: the tracker itself filed it (a breached deadline).
NO_REPORTER_SOURCES = frozenset({Source.SCHEDULER})


class Deviation(Aggregate):
    """Public methods check the rules, then trigger a past-tense event; the private
    @event methods only apply facts, so replaying history never re-checks old rules."""

    if TYPE_CHECKING:  # made by the @event decorators below (see events.base)

        class Reported(Aggregate.Created, EventFields): ...
        class Reclassified(Aggregate.Event, EventFields): ...
        class Assigned(Aggregate.Event, EventFields): ...
        class MeasureAdded(Aggregate.Event, EventFields): ...
        class MeasureCompleted(Aggregate.Event, EventFields): ...
        class NoMeasuresNeededRecorded(Aggregate.Event, EventFields): ...
        class FeedbackGiven(Aggregate.Event, EventFields): ...
        class FeedbackImpossibleRecorded(Aggregate.Event, EventFields): ...
        class EscalatedToLexSarah(Aggregate.Event, EventFields): ...
        class Closed(Aggregate.Event, EventFields): ...
        class Reopened(Aggregate.Event, EventFields): ...
        class Withdrawn(Aggregate.Event, EventFields): ...
        class ImportRecorded(Aggregate.Event, EventFields): ...

    @classmethod
    def report(
        cls,
        *,
        number: str,
        unit: str,
        operation: Operation,
        category: str,
        subcategory: str | None,
        occurred_on: date,
        reported_on: date,
        description: str,
        immediate_actions: str | None,
        case_reference: str | None,
        reporter: str,
        source: Source,
        taxonomy: Taxonomy,
        today: date,
        id: UUID | None = None,
    ) -> Deviation:
        taxonomy.check(category, subcategory)
        check_not_future("reported_on", reported_on, today)
        check_not_too_early("occurred_on", occurred_on)
        if occurred_on > reported_on:
            raise Inconsistent(
                "occurred_on", "The deviation cannot have happened after it was reported."
            )
        return cls._create(  # _create, not cls(), so that a fixed id can be given
            cls.Reported,
            id=id,
            number=number,
            unit=unit,
            operation=operation,
            category=category,
            subcategory=subcategory or None,
            occurred_on=occurred_on,
            reported_on=reported_on,
            description=check_text("description", description),
            immediate_actions=check_text("immediate_actions", immediate_actions, required=False),
            case_reference=check_text(
                "case_reference", case_reference, required=False, max_length=64
            )
            or None,
            reporter=reporter,
            source=source,
            actor=reporter,
        )

    @event("Reported")
    def __init__(
        self,
        *,
        number: str,
        unit: str,
        operation: Operation,
        category: str,
        subcategory: str | None,
        occurred_on: date,
        reported_on: date,
        description: str,
        immediate_actions: str,
        case_reference: str | None,
        reporter: str,
        source: Source,
        actor: str,
    ) -> None:
        self.number = number
        self.unit = unit
        self.operation = operation
        self.category = category
        self.subcategory = subcategory
        self.occurred_on = occurred_on
        self.reported_on = reported_on
        self.description = description
        self.immediate_actions = immediate_actions
        self.case_reference = case_reference
        self.reporter = reporter
        self.source = source
        self.status = DeviationStatus.OPEN
        self.assignee: str | None = None
        self.cause_analysis: str | None = None
        self.causes: tuple[str, ...] = ()
        self.measures: list[Measure] = []
        self.no_measures_reason: str | None = None
        self.feedback: list[tuple[str, str]] = []  # (author, message)
        self.no_feedback_reason: str | None = None
        self.reclassified = False
        self.lex_sarah_case_id: UUID | None = None
        self.closing_summary: str | None = None
        self.import_id: UUID | None = None
        self.import_row: int | None = None
        self.imported_lex_sarah = False

    # --- rules -------------------------------------------------------------------------

    def check_not_withdrawn(self) -> None:
        if self.status is DeviationStatus.WITHDRAWN:
            raise CaseWithdrawn

    def check_open(self) -> None:
        self.check_not_withdrawn()
        if self.status is DeviationStatus.CLOSED:
            raise CaseClosed

    @property
    def feedback_required(self) -> bool:
        return self.source not in NO_REPORTER_SOURCES

    def closing_gaps(self) -> list[DomainError]:
        """What closing still needs: a cause analysis; a measure or a recorded reason why
        none is needed; feedback to the reporter or a reason it cannot be given."""
        gaps: list[DomainError] = []
        if self.cause_analysis is None:
            gaps.append(ValidationFailed("analysis", "Record the cause analysis first."))
        if not self.measures and self.no_measures_reason is None:
            gaps.append(
                ValidationFailed(
                    "measures",
                    "Add a measure, or record why no measure is needed.",
                )
            )
        if self.feedback_required and not self.feedback and self.no_feedback_reason is None:
            gaps.append(
                ValidationFailed(
                    "feedback",
                    "Give feedback to the reporter, or record why it cannot be given.",
                )
            )
        return gaps

    # --- commands ----------------------------------------------------------------------

    def reclassify(
        self, *, category: str, subcategory: str | None, taxonomy: Taxonomy, actor: str
    ) -> None:
        """Allowed on closed deviations too: classification is the quality developer's
        reporting data, corrected in the annual review without reopening the case."""
        self.check_not_withdrawn()
        taxonomy.check(category, subcategory)
        if (category, subcategory or None) == (self.category, self.subcategory):
            raise Inconsistent("category", "The deviation already has that classification.")
        self._reclassified(
            category=category,
            subcategory=subcategory or None,
            previous_category=self.category,
            previous_subcategory=self.subcategory,
            actor=actor,
        )

    @event("Reclassified")
    def _reclassified(
        self,
        *,
        category: str,
        subcategory: str | None,
        previous_category: str,
        previous_subcategory: str | None,
        actor: str,
    ) -> None:
        self.category = category
        self.subcategory = subcategory
        self.reclassified = True

    def assign(self, *, assignee: str, actor: str) -> None:
        self.check_open()
        self._assigned(
            assignee=check_text("assignee", assignee, max_length=SHORT_TEXT), actor=actor
        )

    @event("Assigned")
    def _assigned(self, *, assignee: str, actor: str) -> None:
        self.assignee = assignee

    def analyse_cause(
        self, *, analysis: str, causes: list[str], cause_list: CauseList, actor: str
    ) -> None:
        self.check_open()
        self._cause_analysed(
            analysis=check_text("analysis", analysis),
            causes=list(cause_list.check(causes)),
            actor=actor,
        )

    class CauseAnalysed(Aggregate.Event):
        """v2 records the cause codes; a v1 analysis (free text only) has none."""

        class_version = 2
        analysis: str
        causes: list[str]
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["causes"] = []

    @event(CauseAnalysed)
    def _cause_analysed(self, *, analysis: str, causes: list[str], actor: str) -> None:
        self.cause_analysis = analysis
        self.causes = tuple(causes)

    def add_measure(self, *, description: str, responsible: str, due_on: date, actor: str) -> int:
        self.check_open()
        check_not_before("due_on", due_on, self.reported_on, "the reported date")
        number = len(self.measures) + 1
        self._measure_added(
            measure=number,
            description=check_text("description", description),
            responsible=check_text("responsible", responsible, max_length=SHORT_TEXT),
            due_on=due_on,
            actor=actor,
        )
        return number

    @event("MeasureAdded")
    def _measure_added(
        self, *, measure: int, description: str, responsible: str, due_on: date, actor: str
    ) -> None:
        self.measures.append(Measure(measure, description, responsible, due_on, actor))
        self.no_measures_reason = None

    def record_no_measures_needed(self, *, reason: str, actor: str) -> None:
        self.check_open()
        if self.measures:
            raise StepOutOfOrder("The deviation already has measures.")
        self._no_measures_needed(reason=check_text("reason", reason), actor=actor)

    @event("NoMeasuresNeededRecorded")
    def _no_measures_needed(self, *, reason: str, actor: str) -> None:
        self.no_measures_reason = reason

    def complete_measure(
        self, *, measure: int, completed_on: date, today: date, actor: str
    ) -> None:
        # Also once closed: a measure decided at closing is often carried out afterwards.
        self.check_not_withdrawn()
        if not 1 <= measure <= len(self.measures):
            raise Inconsistent("measure", "There is no measure number %(n)d.", n=measure)
        if self.measures[measure - 1].completed_on is not None:
            raise AlreadyRecorded("The measure is already completed.")
        check_not_future("completed_on", completed_on, today)
        check_not_before("completed_on", completed_on, self.reported_on, "the reported date")
        self._measure_completed(measure=measure, completed_on=completed_on, actor=actor)

    @event("MeasureCompleted")
    def _measure_completed(self, *, measure: int, completed_on: date, actor: str) -> None:
        found = self.measures[measure - 1]
        found.completed_on = completed_on
        found.completed_by = actor

    def give_feedback(self, *, message: str, actor: str) -> None:
        self.check_not_withdrawn()
        self._feedback_given(message=check_text("message", message), actor=actor)

    @event("FeedbackGiven")
    def _feedback_given(self, *, message: str, actor: str) -> None:
        self.feedback.append((actor, message))

    def record_feedback_impossible(self, *, reason: str, actor: str) -> None:
        """E.g. an anonymous or paper report: nobody to give feedback to."""
        self.check_open()
        if self.feedback:
            raise AlreadyRecorded("Feedback has already been given.")
        self._feedback_impossible(reason=check_text("reason", reason), actor=actor)

    @event("FeedbackImpossibleRecorded")
    def _feedback_impossible(self, *, reason: str, actor: str) -> None:
        self.no_feedback_reason = reason

    def escalate(
        self, *, lex_sarah_case_id: UUID, reason: str, opened_on: date, actor: str
    ) -> None:
        self.check_open()
        if self.lex_sarah_case_id is not None:
            raise AlreadyRecorded(
                "The deviation is already escalated to a Lex Sarah investigation."
            )
        self._escalated(
            lex_sarah_case_id=lex_sarah_case_id,
            reason=check_text("reason", reason),
            opened_on=opened_on,
            actor=actor,
        )

    @event("EscalatedToLexSarah")
    def _escalated(
        self, *, lex_sarah_case_id: UUID, reason: str, opened_on: date, actor: str
    ) -> None:
        self.lex_sarah_case_id = lex_sarah_case_id

    def close(self, *, summary: str, actor: str) -> None:
        self.check_open()
        gaps = self.closing_gaps()
        if gaps:
            raise ClosingIncomplete(gaps)
        self._closed(summary=check_text("summary", summary), actor=actor)

    @event("Closed")
    def _closed(self, *, summary: str, actor: str) -> None:
        self.status = DeviationStatus.CLOSED
        self.closing_summary = summary

    def reopen(self, *, reason: str, actor: str) -> None:
        self.check_not_withdrawn()
        if self.status is not DeviationStatus.CLOSED:
            raise StepOutOfOrder("Only a closed deviation can be reopened.")
        self._reopened(reason=check_text("reason", reason), actor=actor)

    @event("Reopened")
    def _reopened(self, *, reason: str, actor: str) -> None:
        self.status = DeviationStatus.OPEN

    def withdraw(self, *, reason: str, actor: str) -> None:
        """Filed in error. It stays in history and leaves the counts."""
        self.check_not_withdrawn()
        if self.lex_sarah_case_id is not None:
            raise StepOutOfOrder(
                "A deviation that led to a Lex Sarah investigation cannot be withdrawn."
            )
        self._withdrawn(
            reason=check_text("reason", reason), previous_status=self.status, actor=actor
        )

    @event("Withdrawn")
    def _withdrawn(self, *, reason: str, previous_status: DeviationStatus, actor: str) -> None:
        self.status = DeviationStatus.WITHDRAWN

    # --- imported from an earlier spreadsheet (events.history_import) -------------------

    def record_import(
        self, *, import_id: UUID, row: int, lex_sarah: bool, closed: bool, actor: str
    ) -> None:
        """Right after `report`: marks the deviation "importerad" with its row in the file;
        one closed in the spreadsheet is closed here too."""
        if self.source is not Source.IMPORT or self.import_id is not None:
            raise StepOutOfOrder("Only a newly imported deviation can record its import.")
        self._import_recorded(import_id=import_id, row=row, lex_sarah=lex_sarah, actor=actor)
        if closed:
            self._closed(summary="Avslutad enligt den importerade filen.", actor=actor)

    @event("ImportRecorded")
    def _import_recorded(self, *, import_id: UUID, row: int, lex_sarah: bool, actor: str) -> None:
        self.import_id = import_id
        self.import_row = row
        self.imported_lex_sarah = lex_sarah

    def undo_import(self, *, import_id: UUID, actor: str) -> None:
        """The whole import is undone: the deviation leaves the counts, as a withdrawn one."""
        if self.import_id != import_id:
            raise StepOutOfOrder("The deviation does not come from that import.")
        if self.status is DeviationStatus.WITHDRAWN:
            return
        if self.lex_sarah_case_id is not None:  # withdraw's rule holds for an undo too
            raise EscalatedImportedDeviations([self.number])
        self._withdrawn(
            reason="Importen ångrades.", previous_status=self.status, actor=actor
        )
