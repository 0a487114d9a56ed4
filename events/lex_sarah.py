"""Lex Sarah investigation (SOSFS 2011:5), opened from a deviation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from events.base import SHORT_TEXT, check_not_before, check_not_future, check_text
from events.clocks import ClockReading, ivo_clock, remedy_clock
from events.errors import (
    AlreadyRecorded,
    CaseClosed,
    Inconsistent,
    InvestigationIncomplete,
    StepOutOfOrder,
    ValidationFailed,
)
from events.lex_sarah_terms import (  # re-exported: the stable import path
    KIND_DESCRIPTIONS as KIND_DESCRIPTIONS,
)
from events.lex_sarah_terms import REQUIRED_KINDS as REQUIRED_KINDS
from events.lex_sarah_terms import DocumentPurpose as DocumentPurpose
from events.lex_sarah_terms import DocumentVersion as DocumentVersion
from events.lex_sarah_terms import Finding as Finding
from events.lex_sarah_terms import FindingKind as FindingKind
from events.lex_sarah_terms import FindingNature as FindingNature
from events.lex_sarah_terms import Grade as Grade
from events.lex_sarah_terms import InformedParty as InformedParty
from events.lex_sarah_terms import IvoInvestigation as IvoInvestigation
from events.lex_sarah_terms import LexSarahStatus as LexSarahStatus
from events.lex_sarah_terms import NotApplicable as NotApplicable
from events.taxonomy import Operation

if TYPE_CHECKING:
    from events.base import EventFields


class LexSarahCase(Aggregate):
    if TYPE_CHECKING:  # made by the @event decorators below (see events.base)

        class Opened(Aggregate.Created, EventFields): ...
        class ProtectiveActionRecorded(Aggregate.Event, EventFields): ...
        class InvestigatorAssigned(Aggregate.Event, EventFields): ...
        class GradeProposed(Aggregate.Event, EventFields): ...
        class PartyInformed(Aggregate.Event, EventFields): ...
        class FindingKindMarkedNotApplicable(Aggregate.Event, EventFields): ...
        class DocumentVersionFrozen(Aggregate.Event, EventFields): ...

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
        self.not_applicable: dict[FindingKind, NotApplicable] = {}
        self.proposed_grade: Grade | None = None
        self.proposal_reasoning: str | None = None
        self.grade: Grade | None = None
        self.decision_reasoning: str | None = None
        self.decided_on: date | None = None
        self.decided_by: str | None = None  # who decided (name), as recorded
        self.decided_by_title: str | None = None
        self.decision_actor: str | None = None  # the account that recorded the decision
        self.proposal_actor: str | None = None
        self.document_versions: list[DocumentVersion] = []
        self.ivo_document_version: int | None = None  # the version attached to the anmälan
        self.ivo_completion_document_version: int | None = None  # the version that followed
        self.versions_at_ivo_report = 0  # how many versions existed when it was sent
        self.ivo_sent_on: date | None = None
        self.ivo_reference: str | None = None
        self.diary_number: str | None = None
        self.ivo_investigation: IvoInvestigation | None = None
        self.ivo_completed_on: date | None = None
        self.informed: dict[InformedParty, date] = {}
        self.closed_on: date | None = None
        self.closing_summary: str | None = None
        self.not_informed_reason: str | None = None

    @property
    def status(self) -> LexSarahStatus:
        if self.closed_on is not None:
            return LexSarahStatus.CLOSED
        if self.ivo_sent_on is not None:
            return LexSarahStatus.REPORTED_TO_IVO
        if self.grade is not None:
            return LexSarahStatus.DECIDED
        return LexSarahStatus.OPEN

    @property
    def remedied_on(self) -> date | None:
        """The first recorded protective action: when the wrong began to be remedied."""
        return min((taken for taken, _ in self.protective_actions), default=None)

    @property
    def is_serious(self) -> bool:
        """A serious grade decided, or (until the decision) proposed."""
        grade = self.grade or self.proposed_grade
        return grade is not None and grade.is_serious

    @property
    def judged_serious(self) -> bool | None:
        """The grade decided, or until then proposed: serious, not, or not yet judged."""
        grade = self.grade or self.proposed_grade
        return None if grade is None else grade.is_serious

    def clocks(self, today: date, ivo_target_days: int) -> list[ClockReading]:
        """The remedy (genast) and, while an anmälan may be due, the IVO target, read by
        events.clocks as Bevakning reads them; a closed case's clocks stopped on its
        closing day."""
        day = min(today, self.closed_on) if self.closed_on is not None else today
        found = [remedy_clock(self.opened_on, self.remedied_on, day)]
        ivo = ivo_clock(self.opened_on, ivo_target_days, day, serious=self.judged_serious,
                        sent_on=self.ivo_sent_on)
        return found + ([ivo] if ivo is not None else [])

    def uncovered_kinds(self) -> list[FindingKind]:
        """Required kinds with neither a finding nor an "ej tillämpligt"."""
        covered = {f.kind for f in self.findings} | set(self.not_applicable)
        return [kind for kind in REQUIRED_KINDS if kind not in covered]

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
        """Genast: what was done to remedy the wrong or protect the individual."""
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
        author_title: str,
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
            author_title=check_text("author_title", author_title, max_length=SHORT_TEXT),
            actor=actor,
        )

    class FindingDocumented(Aggregate.Event):
        """Version 2 records the author's befattning/titel."""

        class_version = 2
        kind: FindingKind
        text: str
        dated_on: date
        source: str
        nature: FindingNature
        author: str
        author_title: str | None
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["author_title"] = None  # not asked for before: unknown

    @event(FindingDocumented)
    def _finding_documented(
        self,
        *,
        kind: FindingKind,
        text: str,
        dated_on: date,
        source: str,
        nature: FindingNature,
        author: str,
        author_title: str | None,
        actor: str,
    ) -> None:
        self.findings.append(Finding(kind, text, dated_on, source, nature, author, author_title))

    def mark_not_applicable(
        self, *, kind: FindingKind, reason: str, author: str, author_title: str, actor: str
    ) -> None:
        """A required kind that does not apply to this case, and why ("ej tillämpligt")."""
        self.check_not_closed()
        self.check_undecided()
        if kind not in REQUIRED_KINDS:
            raise ValidationFailed("kind", "Only a required kind can be marked not applicable.")
        if kind in self.not_applicable:
            raise AlreadyRecorded("That kind is already marked not applicable.")
        if any(f.kind is kind for f in self.findings):
            raise StepOutOfOrder("That kind already has a finding; it cannot be not applicable.")
        self._marked_not_applicable(
            kind=kind,
            reason=check_text("reason", reason),
            author=check_text("author", author, max_length=SHORT_TEXT),
            author_title=check_text("author_title", author_title, max_length=SHORT_TEXT),
            actor=actor,
        )

    @event("FindingKindMarkedNotApplicable")
    def _marked_not_applicable(
        self, *, kind: FindingKind, reason: str, author: str, author_title: str, actor: str
    ) -> None:
        self.not_applicable[kind] = NotApplicable(kind, reason, author, author_title)

    def propose_grade(self, *, grade: Grade, reasoning: str, actor: str) -> None:
        self.check_not_closed()
        self.check_undecided()
        self._grade_proposed(grade=grade, reasoning=check_text("reasoning", reasoning), actor=actor)

    @event("GradeProposed")
    def _grade_proposed(self, *, grade: Grade, reasoning: str, actor: str) -> None:
        self.proposed_grade = grade
        self.proposal_reasoning = reasoning
        self.proposal_actor = actor

    def decide(
        self,
        *,
        grade: Grade,
        reasoning: str,
        decided_on: date,
        today: date,
        actor: str,
        decided_by: str | None = None,
        decided_by_title: str | None = None,
    ) -> None:
        self.check_not_closed()
        self.check_undecided()
        missing = self.uncovered_kinds()
        if missing:
            raise InvestigationIncomplete(
                [kind.value for kind in missing], [kind.description for kind in missing]
            )
        self._check_dated("decided_on", decided_on, today)
        by = check_text("decided_by", decided_by, required=False, max_length=SHORT_TEXT)
        title = check_text(
            "decided_by_title", decided_by_title, required=False, max_length=SHORT_TEXT
        )
        self._decided(
            grade=grade,
            reasoning=check_text("reasoning", reasoning),
            decided_on=decided_on,
            decided_by=by or None,
            decided_by_title=title or None,
            actor=actor,
        )

    class Decided(Aggregate.Event):
        """Version 2 records who decided (name) and their befattning/titel, when given."""

        class_version = 2
        grade: Grade
        reasoning: str
        decided_on: date
        decided_by: str | None
        decided_by_title: str | None
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["decided_by"] = None  # not asked for before: the recording account
            state["decided_by_title"] = None

    @event(Decided)
    def _decided(
        self,
        *,
        grade: Grade,
        reasoning: str,
        decided_on: date,
        decided_by: str | None,
        decided_by_title: str | None,
        actor: str,
    ) -> None:
        self.grade = grade
        self.decision_reasoning = reasoning
        self.decided_on = decided_on
        self.decided_by = decided_by
        self.decided_by_title = decided_by_title
        self.decision_actor = actor

    # --- the investigation document's frozen versions ---------------------------------

    def freeze_document(
        self,
        *,
        purpose: DocumentPurpose,
        pdf_sha256: str,
        docx_sha256: str,
        content_sha256: str,
        today: date,
        actor: str,
    ) -> int:
        """A numbered version of the document as it is now (for IVO or for the decision);
        its files are kept apart (LexSarahDocument). Refused when nothing in the
        investigation changed since the latest version: that version is the same document."""
        latest = self.document_versions[-1] if self.document_versions else None
        if latest is not None and latest.content_sha256 == content_sha256:
            raise AlreadyRecorded(
                "The investigation has not changed since the latest version; use that one."
            )
        number = len(self.document_versions) + 1
        self._document_version_frozen(
            number=number, purpose=purpose, pdf_sha256=pdf_sha256, docx_sha256=docx_sha256,
            content_sha256=content_sha256, frozen_on=today, actor=actor,
        )
        return number

    @event("DocumentVersionFrozen")
    def _document_version_frozen(
        self,
        *,
        number: int,
        purpose: DocumentPurpose,
        pdf_sha256: str,
        docx_sha256: str,
        content_sha256: str,
        frozen_on: date,
        actor: str,
    ) -> None:
        self.document_versions.append(DocumentVersion(
            number, purpose, pdf_sha256, docx_sha256, content_sha256, frozen_on, actor
        ))

    def document_version(self, number: int) -> DocumentVersion | None:
        if 1 <= number <= len(self.document_versions):
            return self.document_versions[number - 1]
        return None

    def _check_version(self, number: int | None, *, after: int = 0) -> None:
        if number is None:
            return
        if self.document_version(number) is None:
            raise Inconsistent("document_version", "The investigation has no such version.")
        if number <= after:
            raise Inconsistent(
                "document_version", "That version was made before the report to IVO."
            )

    def report_to_ivo(
        self,
        *,
        sent_on: date,
        ivo_reference: str,
        diary_number: str,
        investigation: IvoInvestigation,
        today: date,
        actor: str,
        document_version: int | None = None,
    ) -> None:
        """Snarast, with the investigation so far: as soon as a serious grade is proposed.
        "bifogad" points to the version of the document that went with it (by default the
        latest); "kompletteras" to none (the completion points to the version that follows)."""
        self.check_not_closed()
        if self.ivo_sent_on is not None:
            raise AlreadyRecorded("The case is already reported to IVO.")
        if self.grade is not None and not self.grade.is_serious:
            raise StepOutOfOrder(
                "Only a serious grade (påtaglig risk för allvarligt missförhållande or "
                "allvarligt missförhållande) is reported to IVO."
            )
        if not self.is_serious:
            raise StepOutOfOrder(
                "Propose or decide a serious grade (påtaglig risk för allvarligt "
                "missförhållande or allvarligt missförhållande) before reporting to IVO."
            )
        self._check_dated("sent_on", sent_on, today)
        if investigation is IvoInvestigation.TO_FOLLOW and document_version is not None:
            raise Inconsistent(
                "document_version",
                "The investigation follows later: no version went with the report.",
            )
        self._check_version(document_version)
        if investigation is IvoInvestigation.ATTACHED and document_version is None:
            document_version = len(self.document_versions) or None
        self._reported_to_ivo(
            sent_on=sent_on,
            ivo_reference=check_text("ivo_reference", ivo_reference, max_length=64),
            diary_number=check_text("diary_number", diary_number, max_length=64),
            investigation=investigation,
            document_version=document_version,
            actor=actor,
        )

    class ReportedToIVO(Aggregate.Event):
        """Version 2 records whether the investigation went with it or follows later;
        version 3 which version of the investigation document went with it."""

        class_version = 3
        sent_on: date
        ivo_reference: str
        diary_number: str
        investigation: IvoInvestigation | None
        document_version: int | None
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["investigation"] = None  # not recorded before: unknown

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["document_version"] = None  # no versions before

    @event(ReportedToIVO)
    def _reported_to_ivo(
        self,
        *,
        sent_on: date,
        ivo_reference: str,
        diary_number: str,
        investigation: IvoInvestigation | None,
        document_version: int | None,
        actor: str,
    ) -> None:
        self.ivo_sent_on = sent_on
        self.ivo_reference = ivo_reference
        self.diary_number = diary_number
        self.ivo_investigation = investigation
        self.ivo_document_version = document_version
        self.versions_at_ivo_report = len(self.document_versions)

    @property
    def ivo_completion_pending(self) -> bool:
        return (
            self.ivo_investigation is IvoInvestigation.TO_FOLLOW and self.ivo_completed_on is None
        )

    def complete_ivo_report(
        self, *, completed_on: date, today: date, actor: str, document_version: int | None = None
    ) -> None:
        """The investigation sent on to IVO after an anmälan made "kompletteras": it points
        to the version that followed the anmälan (by default the latest, when there is one)."""
        self.check_not_closed()
        if self.ivo_sent_on is None:
            raise StepOutOfOrder("Report the case to IVO first.")
        if self.ivo_completed_on is not None:
            raise AlreadyRecorded("The completed investigation is already sent to IVO.")
        if self.ivo_investigation is not IvoInvestigation.TO_FOLLOW:
            raise StepOutOfOrder("The investigation was sent with the report to IVO.")
        check_not_future("completed_on", completed_on, today)
        check_not_before("completed_on", completed_on, self.ivo_sent_on, "the report to IVO")
        self._check_version(document_version, after=self.versions_at_ivo_report)
        if document_version is None and len(self.document_versions) > self.versions_at_ivo_report:
            document_version = len(self.document_versions)
        self._ivo_report_completed(
            completed_on=completed_on, document_version=document_version, actor=actor
        )

    class IvoReportCompleted(Aggregate.Event):
        """Version 2 records the version of the investigation document that was sent."""

        class_version = 2
        completed_on: date
        document_version: int | None
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["document_version"] = None  # no versions before

    @event(IvoReportCompleted)
    def _ivo_report_completed(
        self, *, completed_on: date, document_version: int | None, actor: str
    ) -> None:
        self.ivo_completed_on = completed_on
        self.ivo_completion_document_version = document_version

    def record_informed(self, *, who: InformedParty, on: date, today: date, actor: str) -> None:
        self.check_not_closed()
        self._check_dated("on", on, today)
        if who in self.informed:
            raise AlreadyRecorded("That party is already recorded as informed.")
        self._informed(who=who, on=on, actor=actor)

    @event("PartyInformed")
    def _informed(self, *, who: InformedParty, on: date, actor: str) -> None:
        self.informed[who] = on

    def close(
        self,
        *,
        summary: str,
        closed_on: date,
        today: date,
        actor: str,
        not_informed_reason: str | None = None,
    ) -> None:
        self.check_not_closed()
        if self.grade is None:
            raise StepOutOfOrder("Decide the grade before closing the investigation.")
        if self.grade.is_serious and self.ivo_sent_on is None:
            raise StepOutOfOrder("Report the case to IVO before closing it.")
        if self.ivo_completion_pending:
            raise StepOutOfOrder("Send the completed investigation to IVO before closing.")
        reason = check_text("not_informed_reason", not_informed_reason, required=False)
        if not self.informed and not reason:
            raise Inconsistent(
                "not_informed_reason",
                "Record when the individual or their representative was informed, or give "
                "the reason they were not, before closing.",
            )
        self._check_dated("closed_on", closed_on, today)
        self._closed(
            summary=check_text("summary", summary),
            closed_on=closed_on,
            not_informed_reason=reason or None,
            actor=actor,
        )

    class Closed(Aggregate.Event):
        """Version 2 records why nobody was informed, when nobody was."""

        class_version = 2
        summary: str
        closed_on: date
        not_informed_reason: str | None
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["not_informed_reason"] = None

    @event(Closed)
    def _closed(
        self, *, summary: str, closed_on: date, not_informed_reason: str | None, actor: str
    ) -> None:
        self.closed_on = closed_on
        self.closing_summary = summary
        self.not_informed_reason = not_informed_reason
