"""Child report (anmälan om barn) and its clocks: skyddsbedömning, förhandsbedömning, utredning."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.base import (
    SHORT_TEXT,
    check_not_before,
    check_not_future,
    check_received,
    check_text,
)
from events.clocks import (
    DEFAULT_PROTECTION_CUTOFF,
    ClockReading,
    ClockStatus,
    feedback_clock,
    investigation_clock,
    investigation_deadline,
    is_breached,
    is_past,
    local_date,
    preliminary_assessment_deadline,
    preliminary_clock,
    protection_assessment_due,
    protection_clock,
)
from events.errors import (
    AlreadyRecorded,
    DeadlinePassed,
    Inconsistent,
    StepOutOfOrder,
    ValidationFailed,
)
from events.taxonomy import Operation

if TYPE_CHECKING:
    from events.base import EventFields


class PreliminaryDecision(enum.Enum):
    OPEN_INVESTIGATION = "open_investigation"
    NO_INVESTIGATION = "no_investigation"


class ReporterCategory(enum.Enum):
    """Who made the report: the groups with a duty to report (SoL 19 kap. 1–3 §§), whom
    19 kap. 6 § gives återkoppling on request, or a private person ("enskild")."""

    MYNDIGHET = "myndighet"  # a public authority whose work concerns children, or its staff
    YRKESVERKSAM = "yrkesverksam"  # working in private (enskild) activity concerning children
    FAMILJERADGIVNING = "familjeradgivning"  # working in family counselling
    ENSKILD = "enskild"  # a private person: no duty to report, no right under 19 kap. 6 §

    @property
    def obliged(self) -> bool:
        return self is not ReporterCategory.ENSKILD


def _check_aware(field: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationFailed(field, "The time must include a time zone offset.")


def _decider_unknown(state: dict[str, Any]) -> None:
    """Upcast of both extension events: recorded before the decider was asked for, so
    unknown (shown as "uppgift saknas")."""
    state["decided_by"] = None
    state["decided_on"] = None


class ChildReport(Aggregate):
    if TYPE_CHECKING:  # made by the @event decorators below (see events.base)

        class Received(Aggregate.Created, EventFields): ...
        class ProtectionAssessed(Aggregate.Event, EventFields): ...
        class HandlerAssigned(Aggregate.Event, EventFields): ...
        class PreliminaryAssessmentBreachFlagged(Aggregate.Event, EventFields): ...
        class InvestigationOpened(Aggregate.Event, EventFields): ...
        class InvestigationCompleted(Aggregate.Event, EventFields): ...
        class InvestigationBreachFlagged(Aggregate.Event, EventFields): ...
        class ReporterCategoryRecorded(Aggregate.Event, EventFields): ...
        class FeedbackRequested(Aggregate.Event, EventFields): ...
        class FeedbackGiven(Aggregate.Event, EventFields): ...
        class FeedbackDeclined(Aggregate.Event, EventFields): ...
        class InvestigationStartInformed(Aggregate.Event, EventFields): ...

    @classmethod
    def receive(
        cls,
        *,
        number: str,
        unit: str,
        operation: Operation,
        received_at: datetime,
        case_reference: str,
        ongoing_investigation: bool,
        now: datetime,
        actor: str,
        protection_cutoff: time = DEFAULT_PROTECTION_CUTOFF,
        sunday_rule: bool = False,
    ) -> ChildReport:
        _check_aware("received_at", received_at)
        check_received("received_at", received_at, now)
        return cls(
            number=number,
            unit=unit,
            operation=operation,
            received_at=received_at,
            case_reference=check_text("case_reference", case_reference, max_length=64),
            ongoing_investigation=ongoing_investigation,
            deadline=preliminary_assessment_deadline(received_at, sunday_rule=sunday_rule),
            protection_due=protection_assessment_due(received_at, protection_cutoff),
            actor=actor,
        )

    @event("Received")
    def __init__(
        self,
        *,
        number: str,
        unit: str,
        operation: Operation,
        received_at: datetime,
        case_reference: str,
        ongoing_investigation: bool,
        deadline: date,
        protection_due: date,
        actor: str,
    ) -> None:
        self.number = number
        self.unit = unit
        self.operation = operation
        self.received_at = received_at
        self.case_reference = case_reference
        self.ongoing_investigation = ongoing_investigation
        self.original_deadline = deadline
        self.deadline = deadline
        self.extension_reason: str | None = None
        self.extension_decided_by: str | None = None
        self.extension_decided_on: date | None = None
        self.protection_due = protection_due
        self.protection_assessed_at: datetime | None = None
        self.immediate_protection_needed: bool | None = None
        self.handler: str | None = None
        self.decision: PreliminaryDecision | None = None
        self.decided_on: date | None = None
        self.breach_flagged_on: date | None = None
        self.breach_deviation_id: UUID | None = None
        self.investigation_opened_on: date | None = None
        self.investigation_original_deadline: date | None = None
        self.investigation_deadline: date | None = None
        self.investigation_extension_reason: str | None = None
        self.investigation_extension_decided_by: str | None = None
        self.investigation_extension_decided_on: date | None = None
        self.investigation_completed_on: date | None = None
        self.investigation_breach_flagged_on: date | None = None
        self.investigation_breach_deviation_id: UUID | None = None
        self.reporter_category: ReporterCategory | None = None
        self.feedback_requested_on: date | None = None
        self.feedback_given_on: date | None = None
        self.feedback_how: str | None = None
        self.feedback_declined_on: date | None = None
        self.feedback_declined_reason: str | None = None
        self.investigation_informed_on: date | None = None

    @property
    def received_on(self) -> date:
        return local_date(self.received_at)

    @property
    def is_exempt(self) -> bool:
        """No förhandsbedömning is needed when an investigation about the child is ongoing."""
        return self.ongoing_investigation

    # --- the clocks (events.clocks holds the rules) ------------------------------------

    @property
    def investigation_not_registered(self) -> bool:
        """Decided to open an investigation (before the decision started it, see
        PreliminaryAssessmentDecided version 1) and no start recorded since."""
        return (
            self.decision is PreliminaryDecision.OPEN_INVESTIGATION
            and self.investigation_opened_on is None
        )

    def protection_clock(self, today: date) -> ClockReading:
        return protection_clock(self.protection_due, self.protection_assessed_at, today)

    def preliminary_clock(self, today: date) -> ClockReading:
        return preliminary_clock(
            self.deadline, self.original_deadline, self.decided_on, today, exempt=self.is_exempt
        )

    def investigation_clock(self, today: date) -> ClockReading | None:
        return investigation_clock(
            self.investigation_deadline,
            self.investigation_original_deadline,
            self.investigation_completed_on,
            today,
            decided_to_open_on=self.decided_on if self.investigation_not_registered else None,
        )

    def feedback_clock(self, today: date) -> ClockReading | None:
        """Återkoppling to the anmälare on request (SoL 19 kap. 6 §); an unknown category
        counts as covered by the duty until it is recorded."""
        category = self.reporter_category
        return feedback_clock(
            self.feedback_requested_on, self.decided_on, today,
            investigation_under_way=self.ongoing_investigation,
            obliged=category is None or category.obliged,
            given_on=self.feedback_given_on, declined_on=self.feedback_declined_on,
        )

    def clocks(self, today: date) -> list[ClockReading]:
        """Every clock this report has on `today`, in the order the law takes them."""
        found = [self.protection_clock(today), self.preliminary_clock(today)]
        optional = (self.investigation_clock(today), self.feedback_clock(today))
        return found + [clock for clock in optional if clock is not None]

    def preliminary_status(self, today: date) -> ClockStatus:
        return self.preliminary_clock(today).status

    def protection_status(self, today: date) -> ClockStatus:
        return self.protection_clock(today).status

    def investigation_status(self, today: date) -> ClockStatus | None:
        found = self.investigation_clock(today)
        return found.status if found is not None else None

    def is_preliminary_breached(self, today: date) -> bool:
        """Undecided by the deadline and the deadline has passed, exemption aside."""
        return is_breached(self.preliminary_status(today), self.deadline, today)

    def is_protection_late(self, today: date) -> bool:
        """Genast: still missing after its due day, or recorded after it."""
        return is_breached(self.protection_status(today), self.protection_due, today)

    def is_investigation_breached(self, today: date) -> bool:
        return is_breached(
            self.investigation_status(today), self.investigation_deadline, today
        )

    # --- commands ----------------------------------------------------------------------

    def assess_protection(
        self, *, assessed_at: datetime, immediate_protection_needed: bool, now: datetime, actor: str
    ) -> None:
        _check_aware("assessed_at", assessed_at)
        if self.protection_assessed_at is not None:
            raise AlreadyRecorded("The protection assessment is already recorded.")
        if assessed_at < self.received_at:
            raise Inconsistent(
                "assessed_at", "The assessment cannot be before the report was received."
            )
        if assessed_at > now:
            raise ValidationFailed("assessed_at", "The time cannot be in the future.")
        self._protection_assessed(
            assessed_at=assessed_at,
            immediate_protection_needed=immediate_protection_needed,
            actor=actor,
        )

    @event("ProtectionAssessed")
    def _protection_assessed(
        self, *, assessed_at: datetime, immediate_protection_needed: bool, actor: str
    ) -> None:
        self.protection_assessed_at = assessed_at
        self.immediate_protection_needed = immediate_protection_needed

    def assign_handler(self, *, handler: str, actor: str) -> None:
        handler = check_text("handler", handler, max_length=SHORT_TEXT)
        if handler == self.handler:
            raise Inconsistent("handler", "That handler is already assigned.")
        self._handler_assigned(handler=handler, previous_handler=self.handler, actor=actor)

    @event("HandlerAssigned")
    def _handler_assigned(self, *, handler: str, previous_handler: str | None, actor: str) -> None:
        self.handler = handler

    def _extension(
        self, *, current: date, reason: str, new_deadline: date, decided_by: str,
        decided_on: date, today: date, breach_deviation_id: UUID | None,
    ) -> dict[str, Any]:
        """The rule of both extensions (förhandsbedömning and utredning): a decision taken
        in time, up to and including the last day, to a later day, with its reason, who
        decided and when. Returns the fields its event records."""
        if is_past(current, today):
            raise DeadlinePassed(deadline=current.isoformat(), deviation_id=breach_deviation_id)
        if new_deadline <= current:
            raise Inconsistent(
                "new_deadline",
                "The new deadline must be after the current one (%(deadline)s).",
                deadline=current.isoformat(),
            )
        check_not_before("decided_on", decided_on, self.received_on, "the report was received")
        check_not_future("decided_on", decided_on, today)
        return {
            "reason": check_text("reason", reason),
            "new_deadline": new_deadline,
            "previous_deadline": current,
            "decided_by": check_text("decided_by", decided_by, max_length=SHORT_TEXT),
            "decided_on": decided_on,
        }

    def extend_deadline(
        self,
        *,
        reason: str,
        new_deadline: date,
        decided_by: str,
        decided_on: date,
        today: date,
        actor: str,
    ) -> None:
        """Only for synnerliga skäl, which must be recorded, with who decided and when."""
        if self.is_exempt:
            raise StepOutOfOrder("No förhandsbedömning is needed: an investigation is ongoing.")
        if self.decided_on is not None:
            raise StepOutOfOrder("The förhandsbedömning is already decided.")
        self._deadline_extended(
            **self._extension(
                current=self.deadline, reason=reason, new_deadline=new_deadline,
                decided_by=decided_by, decided_on=decided_on, today=today,
                breach_deviation_id=self.breach_deviation_id,
            ),
            actor=actor,
        )

    class DeadlineExtended(Aggregate.Event):
        """Version 2 records who decided the extension and when."""

        class_version = 2
        reason: str
        new_deadline: date
        previous_deadline: date
        decided_by: str | None
        decided_on: date | None
        actor: str

        upcast_v1_v2 = staticmethod(_decider_unknown)

    @event(DeadlineExtended)
    def _deadline_extended(
        self,
        *,
        reason: str,
        new_deadline: date,
        previous_deadline: date,
        decided_by: str | None,
        decided_on: date | None,
        actor: str,
    ) -> None:
        self.deadline = new_deadline
        self.extension_reason = reason
        self.extension_decided_by = decided_by
        self.extension_decided_on = decided_on

    def decide(
        self,
        *,
        decision: PreliminaryDecision,
        decided_on: date,
        today: date,
        actor: str,
        sunday_rule: bool = False,
    ) -> None:
        """The decision to open an investigation opens it: the four months (SoL 20 kap.
        3 §) run from the day of the decision."""
        if self.decided_on is not None:
            raise AlreadyRecorded("The förhandsbedömning is already decided.")
        check_not_before("decided_on", decided_on, self.received_on, "the report was received")
        check_not_future("decided_on", decided_on, today)
        opens = decision is PreliminaryDecision.OPEN_INVESTIGATION
        self._decided(
            decision=decision,
            decided_on=decided_on,
            investigation_deadline=(
                investigation_deadline(decided_on, sunday_rule=sunday_rule) if opens else None
            ),
            actor=actor,
        )

    class PreliminaryAssessmentDecided(Aggregate.Event):
        """Version 2: a decision to open an investigation opens it that day, with its
        deadline. A version 1 decision left the start to a later InvestigationOpened; one
        without it reads as "utredning ej registrerad som inledd" (never as no clock)."""

        class_version = 2
        decision: PreliminaryDecision
        decided_on: date
        investigation_deadline: date | None
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["investigation_deadline"] = None  # the start was a step of its own then

    @event(PreliminaryAssessmentDecided)
    def _decided(
        self,
        *,
        decision: PreliminaryDecision,
        decided_on: date,
        investigation_deadline: date | None,
        actor: str,
    ) -> None:
        self.decision = decision
        self.decided_on = decided_on
        if investigation_deadline is not None:
            self.investigation_opened_on = decided_on
            self.investigation_original_deadline = investigation_deadline
            self.investigation_deadline = investigation_deadline

    def flag_preliminary_breach(self, *, flagged_on: date, deviation_id: UUID, actor: str) -> None:
        if self.breach_flagged_on is not None:
            raise AlreadyRecorded("The breach is already flagged.")
        if not self.is_preliminary_breached(flagged_on):
            raise StepOutOfOrder("The förhandsbedömning deadline has not been breached.")
        self._preliminary_breach_flagged(
            flagged_on=flagged_on,
            deadline=self.deadline,
            deviation_id=deviation_id,
            actor=actor,
        )

    @event("PreliminaryAssessmentBreachFlagged")
    def _preliminary_breach_flagged(
        self, *, flagged_on: date, deadline: date, deviation_id: UUID, actor: str
    ) -> None:
        self.breach_flagged_on = flagged_on
        self.breach_deviation_id = deviation_id

    def open_investigation(
        self, *, opened_on: date, today: date, actor: str, sunday_rule: bool = False
    ) -> None:
        """Only for a decision recorded before the decision opened the investigation
        (see PreliminaryAssessmentDecided): when it was in fact opened."""
        if self.investigation_opened_on is not None:
            raise AlreadyRecorded("The investigation is already opened.")
        if self.decision is not PreliminaryDecision.OPEN_INVESTIGATION:
            raise StepOutOfOrder("Decide to open an investigation before opening it.")
        assert self.decided_on is not None
        check_not_before("on", opened_on, self.decided_on, "the decision")
        check_not_future("on", opened_on, today)
        self._investigation_opened(
            opened_on=opened_on,
            deadline=investigation_deadline(opened_on, sunday_rule=sunday_rule),
            actor=actor,
        )

    @event("InvestigationOpened")
    def _investigation_opened(self, *, opened_on: date, deadline: date, actor: str) -> None:
        self.investigation_opened_on = opened_on
        self.investigation_original_deadline = deadline
        self.investigation_deadline = deadline

    def _check_investigation_running(self) -> None:
        if self.investigation_opened_on is None:
            raise StepOutOfOrder("Open the investigation first.")
        if self.investigation_completed_on is not None:
            raise StepOutOfOrder("The investigation is already completed.")

    def extend_investigation(
        self,
        *,
        reason: str,
        new_deadline: date,
        decided_by: str,
        decided_on: date,
        today: date,
        actor: str,
    ) -> None:
        """The committee may extend for särskilda skäl, for a stated period, in time."""
        self._check_investigation_running()
        assert self.investigation_deadline is not None
        self._investigation_extended(
            **self._extension(
                current=self.investigation_deadline, reason=reason, new_deadline=new_deadline,
                decided_by=decided_by, decided_on=decided_on, today=today,
                breach_deviation_id=self.investigation_breach_deviation_id,
            ),
            actor=actor,
        )

    class InvestigationExtended(Aggregate.Event):
        """Version 2 records who decided the extension and when."""

        class_version = 2
        reason: str
        new_deadline: date
        previous_deadline: date
        decided_by: str | None
        decided_on: date | None
        actor: str

        upcast_v1_v2 = staticmethod(_decider_unknown)

    @event(InvestigationExtended)
    def _investigation_extended(
        self,
        *,
        reason: str,
        new_deadline: date,
        previous_deadline: date,
        decided_by: str | None,
        decided_on: date | None,
        actor: str,
    ) -> None:
        self.investigation_deadline = new_deadline
        self.investigation_extension_reason = reason
        self.investigation_extension_decided_by = decided_by
        self.investigation_extension_decided_on = decided_on

    def complete_investigation(self, *, completed_on: date, today: date, actor: str) -> None:
        self._check_investigation_running()
        assert self.investigation_opened_on is not None
        check_not_before("on", completed_on, self.investigation_opened_on, "the opening")
        check_not_future("on", completed_on, today)
        self._investigation_completed(completed_on=completed_on, actor=actor)

    @event("InvestigationCompleted")
    def _investigation_completed(self, *, completed_on: date, actor: str) -> None:
        self.investigation_completed_on = completed_on

    def flag_investigation_breach(
        self, *, flagged_on: date, deviation_id: UUID, actor: str
    ) -> None:
        if self.investigation_breach_flagged_on is not None:
            raise AlreadyRecorded("The investigation breach is already flagged.")
        deadline = self.investigation_deadline
        if deadline is None or not self.is_investigation_breached(flagged_on):
            raise StepOutOfOrder("The investigation deadline has not been breached.")
        self._investigation_breach_flagged(
            flagged_on=flagged_on,
            deadline=deadline,
            deviation_id=deviation_id,
            actor=actor,
        )

    @event("InvestigationBreachFlagged")
    def _investigation_breach_flagged(
        self, *, flagged_on: date, deadline: date, deviation_id: UUID, actor: str
    ) -> None:
        self.investigation_breach_flagged_on = flagged_on
        self.investigation_breach_deviation_id = deviation_id

    # --- återkoppling to the anmälare (SoL 19 kap. 6 §) and information (20 kap. 4 §) ----

    def record_reporter_category(self, *, category: ReporterCategory, actor: str) -> None:
        if category is self.reporter_category:
            raise Inconsistent("category", "That category is already recorded.")
        self._reporter_category_recorded(category=category, actor=actor)

    @event("ReporterCategoryRecorded")
    def _reporter_category_recorded(self, *, category: ReporterCategory, actor: str) -> None:
        self.reporter_category = category

    def request_feedback(self, *, requested_on: date, today: date, actor: str) -> None:
        """The anmälare asked to be told whether an investigation is opened."""
        if self.feedback_requested_on is not None:
            raise AlreadyRecorded("The request for återkoppling is already recorded.")
        check_not_before("requested_on", requested_on, self.received_on,
                         "the report was received")
        check_not_future("requested_on", requested_on, today)
        self._feedback_requested(requested_on=requested_on, actor=actor)

    @event("FeedbackRequested")
    def _feedback_requested(self, *, requested_on: date, actor: str) -> None:
        self.feedback_requested_on = requested_on

    def _check_feedback_open(self, field: str, on: date, today: date) -> None:
        if self.feedback_requested_on is None:
            raise StepOutOfOrder("Record the request for återkoppling first.")
        if self.feedback_given_on is not None or self.feedback_declined_on is not None:
            raise AlreadyRecorded("The request for återkoppling is already answered.")
        check_not_before(field, on, self.feedback_requested_on, "the request")
        check_not_future(field, on, today)

    def give_feedback(self, *, given_on: date, how: str, today: date, actor: str) -> None:
        """Told whether an investigation is opened, not opened or already under way."""
        self._check_feedback_open("given_on", given_on, today)
        if self.decided_on is None and not self.ongoing_investigation:
            raise StepOutOfOrder("Record the decision before the återkoppling about it.")
        self._feedback_given(
            given_on=given_on, how=check_text("how", how, max_length=SHORT_TEXT), actor=actor
        )

    @event("FeedbackGiven")
    def _feedback_given(self, *, given_on: date, how: str, actor: str) -> None:
        self.feedback_given_on = given_on
        self.feedback_how = how

    def decline_feedback(self, *, declined_on: date, reason: str, today: date, actor: str) -> None:
        """Not given because it is olämpligt (19 kap. 6 §), for the reason recorded."""
        self._check_feedback_open("declined_on", declined_on, today)
        self._feedback_declined(
            declined_on=declined_on, reason=check_text("reason", reason), actor=actor
        )

    @event("FeedbackDeclined")
    def _feedback_declined(self, *, declined_on: date, reason: str, actor: str) -> None:
        self.feedback_declined_on = declined_on
        self.feedback_declined_reason = reason

    def record_investigation_information(
        self, *, informed_on: date, today: date, actor: str
    ) -> None:
        """When the information that an investigation has started was given (20 kap. 4 §)."""
        if self.investigation_opened_on is None:
            raise StepOutOfOrder("Open the investigation first.")
        if self.investigation_informed_on is not None:
            raise AlreadyRecorded("The information is already recorded.")
        check_not_before("informed_on", informed_on, self.investigation_opened_on,
                         "the opening")
        check_not_future("informed_on", informed_on, today)
        self._investigation_start_informed(informed_on=informed_on, actor=actor)

    @event("InvestigationStartInformed")
    def _investigation_start_informed(self, *, informed_on: date, actor: str) -> None:
        self.investigation_informed_on = informed_on
