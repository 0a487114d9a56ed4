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
from events.risk import check_level, risk_score
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


class MeasureStatus(enum.Enum):
    """föreslagen -> planerad -> genomförd, or avslagen (with a reason)."""

    PROPOSED = "proposed"
    PLANNED = "planned"
    COMPLETED = "completed"
    REJECTED = "rejected"


class Effect(enum.Enum):
    """"Hade åtgärden effekt?": ja / nej / för tidigt att säga."""

    YES = "yes"
    NO = "no"
    TOO_EARLY = "too_early"


@dataclass
class FollowUp:
    followed_up_on: date
    result: str
    effect: Effect
    effect_text: str
    by: str
    next_follow_up_on: date | None = None


@dataclass
class Measure:
    number: int
    description: str
    responsible: str
    due_on: date
    added_by: str
    completed_on: date | None = None
    completed_by: str | None = None
    goal: str | None = None
    status: MeasureStatus = MeasureStatus.PLANNED
    follow_up_on: date | None = None
    rejected_reason: str | None = None
    follow_ups: list[FollowUp] | None = None

    @property
    def settled(self) -> bool:
        """Done with, for the task list: carried out or turned down."""
        return self.status in (MeasureStatus.COMPLETED, MeasureStatus.REJECTED)

    @property
    def last_follow_up(self) -> FollowUp | None:
        return self.follow_ups[-1] if self.follow_ups else None

    def follow_up_due_on(self) -> date | None:
        """The day the effect is to be judged next: the follow-up date, or the new date a
        "för tidigt att säga" set; None once judged (ja/nej) or when turned down."""
        if self.status is MeasureStatus.REJECTED:
            return None
        last = self.last_follow_up
        if last is None:
            return self.follow_up_on
        return last.next_follow_up_on


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
        class MeasureCompleted(Aggregate.Event, EventFields): ...
        class NoMeasuresNeededRecorded(Aggregate.Event, EventFields): ...
        class FeedbackGiven(Aggregate.Event, EventFields): ...
        class FeedbackImpossibleRecorded(Aggregate.Event, EventFields): ...
        class EscalatedToLexSarah(Aggregate.Event, EventFields): ...
        class Closed(Aggregate.Event, EventFields): ...
        class Reopened(Aggregate.Event, EventFields): ...
        class Withdrawn(Aggregate.Event, EventFields): ...
        class ImportRecorded(Aggregate.Event, EventFields): ...
        class MeasurePlanned(Aggregate.Event, EventFields): ...
        class MeasureRejected(Aggregate.Event, EventFields): ...
        class MeasureFollowUpScheduled(Aggregate.Event, EventFields): ...
        class MeasureFollowedUp(Aggregate.Event, EventFields): ...
        class RiskAssessed(Aggregate.Event, EventFields): ...
        class MovedToUnit(Aggregate.Event, EventFields): ...

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
        self.risk: tuple[int, int] | None = None  # (probability, consequence)
        self.original_unit = unit  # as reported; a move changes `unit` only

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

    def add_measure(
        self,
        *,
        description: str,
        responsible: str,
        due_on: date,
        actor: str,
        goal: str | None = None,
        follow_up_on: date | None = None,
        proposed: bool = False,
    ) -> int:
        """A measure is planerad when added, or föreslagen (`proposed`) until decided."""
        self.check_open()
        check_not_before("due_on", due_on, self.reported_on, "the reported date")
        if follow_up_on is not None:
            check_not_before("follow_up_on", follow_up_on, due_on, "the due date")
        number = len(self.measures) + 1
        self._measure_added(
            measure=number,
            description=check_text("description", description),
            responsible=check_text("responsible", responsible, max_length=SHORT_TEXT),
            due_on=due_on,
            goal=check_text("goal", goal, required=False) or None,
            follow_up_on=follow_up_on,
            status=MeasureStatus.PROPOSED if proposed else MeasureStatus.PLANNED,
            actor=actor,
        )
        return number

    class MeasureAdded(Aggregate.Event):
        """v2 records the goal, the follow-up date and the status. A v1 measure was
        decided with its due date (planerad), without goal or follow-up date."""

        class_version = 2
        measure: int
        description: str
        responsible: str
        due_on: date
        goal: str | None
        follow_up_on: date | None
        status: MeasureStatus
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["goal"] = None
            state["follow_up_on"] = None
            state["status"] = MeasureStatus.PLANNED

    @event(MeasureAdded)
    def _measure_added(
        self,
        *,
        measure: int,
        description: str,
        responsible: str,
        due_on: date,
        goal: str | None,
        follow_up_on: date | None,
        status: MeasureStatus,
        actor: str,
    ) -> None:
        self.measures.append(
            Measure(measure, description, responsible, due_on, actor, goal=goal,
                    status=status, follow_up_on=follow_up_on)
        )
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
        found = self.measure(measure)
        if found.completed_on is not None:
            raise AlreadyRecorded("The measure is already completed.")
        if found.status is MeasureStatus.REJECTED:
            raise StepOutOfOrder("The measure was turned down.")
        check_not_future("completed_on", completed_on, today)
        check_not_before("completed_on", completed_on, self.reported_on, "the reported date")
        self._measure_completed(measure=measure, completed_on=completed_on, actor=actor)

    @event("MeasureCompleted")
    def _measure_completed(self, *, measure: int, completed_on: date, actor: str) -> None:
        found = self.measures[measure - 1]
        found.completed_on = completed_on
        found.completed_by = actor
        found.status = MeasureStatus.COMPLETED

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

    # --- measures: lifecycle and effect ---------------------------------------------------

    def measure(self, number: int) -> Measure:
        if not 1 <= number <= len(self.measures):
            raise Inconsistent("measure", "There is no measure number %(n)d.", n=number)
        return self.measures[number - 1]

    def plan_measure(self, *, measure: int, actor: str) -> None:
        """föreslagen -> planerad."""
        self.check_not_withdrawn()
        if self.measure(measure).status is not MeasureStatus.PROPOSED:
            raise StepOutOfOrder("Only a proposed measure can be planned.")
        self._measure_planned(measure=measure, actor=actor)

    @event("MeasurePlanned")
    def _measure_planned(self, *, measure: int, actor: str) -> None:
        self.measures[measure - 1].status = MeasureStatus.PLANNED

    def reject_measure(self, *, measure: int, reason: str, actor: str) -> None:
        """föreslagen or planerad -> avslagen, with the reason."""
        self.check_not_withdrawn()
        if self.measure(measure).status not in (MeasureStatus.PROPOSED, MeasureStatus.PLANNED):
            raise StepOutOfOrder("Only a proposed or planned measure can be turned down.")
        self._measure_rejected(measure=measure, reason=check_text("reason", reason), actor=actor)

    @event("MeasureRejected")
    def _measure_rejected(self, *, measure: int, reason: str, actor: str) -> None:
        found = self.measures[measure - 1]
        found.status = MeasureStatus.REJECTED
        found.rejected_reason = reason

    def schedule_follow_up(self, *, measure: int, follow_up_on: date, actor: str) -> None:
        """Set or move the day the measure's effect is to be judged."""
        self.check_not_withdrawn()
        found = self.measure(measure)
        if found.status is MeasureStatus.REJECTED:
            raise StepOutOfOrder("The measure was turned down.")
        last = found.last_follow_up
        if last is not None and last.effect is not Effect.TOO_EARLY:
            raise AlreadyRecorded("The measure's effect is already judged.")
        check_not_before("follow_up_on", follow_up_on, found.due_on, "the due date")
        if found.follow_up_due_on() == follow_up_on:
            raise Inconsistent("follow_up_on", "The follow-up is already on that day.")
        self._follow_up_scheduled(measure=measure, follow_up_on=follow_up_on, actor=actor)

    @event("MeasureFollowUpScheduled")
    def _follow_up_scheduled(self, *, measure: int, follow_up_on: date, actor: str) -> None:
        found = self.measures[measure - 1]
        last = found.last_follow_up
        if last is not None:
            last.next_follow_up_on = follow_up_on
        else:
            found.follow_up_on = follow_up_on

    def follow_up_measure(
        self,
        *,
        measure: int,
        result: str,
        effect: Effect,
        effect_text: str,
        today: date,
        actor: str,
        followed_up_on: date | None = None,
        next_follow_up_on: date | None = None,
    ) -> None:
        """The follow-up of a completed measure: its result and "hade åtgärden effekt?".
        "För tidigt att säga" needs the next follow-up date; ja/nej end the follow-up."""
        self.check_not_withdrawn()
        found = self.measure(measure)
        if found.status is not MeasureStatus.COMPLETED or found.completed_on is None:
            raise StepOutOfOrder("A measure is followed up once it is completed.")
        last = found.last_follow_up
        if last is not None and last.effect is not Effect.TOO_EARLY:
            raise AlreadyRecorded("The measure's effect is already judged.")
        day = followed_up_on or today
        check_not_future("followed_up_on", day, today)
        check_not_before("followed_up_on", day, found.completed_on, "the completion date")
        if effect is Effect.TOO_EARLY:
            if next_follow_up_on is None:
                raise ValidationFailed(
                    "next_follow_up_on", "Give the date of the next follow-up."
                )
            if next_follow_up_on <= day:
                raise Inconsistent(
                    "next_follow_up_on", "The next follow-up must come after this one."
                )
        elif next_follow_up_on is not None:
            raise Inconsistent(
                "next_follow_up_on",
                "A next follow-up is only set when it is too early to say.",
            )
        self._followed_up(
            measure=measure, followed_up_on=day, result=check_text("result", result),
            effect=effect, effect_text=check_text("effect_text", effect_text),
            next_follow_up_on=next_follow_up_on, actor=actor,
        )

    @event("MeasureFollowedUp")
    def _followed_up(
        self,
        *,
        measure: int,
        followed_up_on: date,
        result: str,
        effect: Effect,
        effect_text: str,
        next_follow_up_on: date | None,
        actor: str,
    ) -> None:
        found = self.measures[measure - 1]
        found.follow_ups = [
            *(found.follow_ups or []),
            FollowUp(followed_up_on, result, effect, effect_text, actor, next_follow_up_on),
        ]

    # --- risk assessment ------------------------------------------------------------------

    def assess_risk(self, *, probability: int, consequence: int, actor: str) -> None:
        """Recorded in review, changeable (each change an event: the history keeps them)."""
        self.check_not_withdrawn()
        levels = (check_level("probability", probability),
                  check_level("consequence", consequence))
        if levels == self.risk:
            raise Inconsistent("probability", "The deviation already has that assessment.")
        self._risk_assessed(
            probability=probability, consequence=consequence,
            score=risk_score(probability, consequence), actor=actor,
        )

    @event("RiskAssessed")
    def _risk_assessed(
        self, *, probability: int, consequence: int, score: int, actor: str
    ) -> None:
        self.risk = (probability, consequence)

    @property
    def risk_score(self) -> int | None:
        return risk_score(*self.risk) if self.risk else None

    # --- moved to the right unit ----------------------------------------------------------

    def move_to_unit(
        self, *, unit: str, operation: Operation, reason: str, today: date, actor: str
    ) -> None:
        """Filed under the wrong unit: the report stays as it was written; the case (and
        the counts, from the move on) follow the new unit."""
        self.check_not_withdrawn()
        if unit == self.unit:
            raise Inconsistent("unit", "The deviation already belongs to that unit.")
        self._moved(
            unit=unit, operation=operation, previous_unit=self.unit,
            previous_operation=self.operation, reason=check_text("reason", reason),
            moved_on=today, actor=actor,
        )

    @event("MovedToUnit")
    def _moved(
        self,
        *,
        unit: str,
        operation: Operation,
        previous_unit: str,
        previous_operation: Operation,
        reason: str,
        moved_on: date,
        actor: str,
    ) -> None:
        self.unit = unit
        self.operation = operation
