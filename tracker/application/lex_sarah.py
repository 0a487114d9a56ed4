"""Lex Sarah commands: the steps of an investigation (SOSFS 2011:5 ch. 5) from remedy to
closing. The case itself is opened by escalating a deviation (deviations.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from events.errors import Inconsistent, StepOutOfOrder, ValidationFailed
from events.lex_sarah import (
    DocumentPurpose,
    DocumentVersion,
    FindingKind,
    FindingNature,
    Grade,
    InformedParty,
    IvoInvestigation,
    LexSarahCase,
)
from events.lex_sarah_document import LexSarahDocument, sha256
from tracker.application.base import ApplicationBase, ConflictError, NotFound


@dataclass(frozen=True)
class NewFinding:
    """One finding of an investigation saved with others (document_investigation)."""

    kind: FindingKind
    text: str
    dated_on: date
    source: str
    nature: FindingNature


@dataclass(frozen=True)
class KindNotApplicable:
    """One required kind marked "ej tillämpligt", with the reason, saved with others."""

    kind: FindingKind
    reason: str


InvestigationItem = NewFinding | KindNotApplicable
SHARED_FIELDS = ("author", "author_title")  # given once for every item


class LexSarahCommands(ApplicationBase):
    def get_lex_sarah_case(self, case_id: UUID) -> LexSarahCase:
        return self._get(LexSarahCase, case_id)

    def record_protective_action(
        self,
        case_id: UUID,
        *,
        actor: str,
        description: str,
        taken_on: date,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.record_protective_action,
            description=description, taken_on=taken_on, today=self.today(), actor=actor,
        )

    def assign_investigator(
        self, case_id: UUID, *, actor: str, investigator: str, expected_version: int | None = None
    ) -> LexSarahCase:
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.assign_investigator,
            investigator=investigator, actor=actor,
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
        author_title: str,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.document_finding,
            kind=kind, text=text, dated_on=dated_on, source=source, nature=nature,
            author=author, author_title=author_title, today=self.today(), actor=actor,
        )

    def mark_finding_not_applicable(
        self,
        case_id: UUID,
        *,
        actor: str,
        kind: FindingKind,
        reason: str,
        author: str,
        author_title: str,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.mark_not_applicable,
            kind=kind, reason=reason, author=author, author_title=author_title, actor=actor,
        )

    def document_investigation(
        self,
        case_id: UUID,
        *,
        actor: str,
        author: str,
        author_title: str,
        items: Sequence[InvestigationItem],
        expected_version: int | None = None,
    ) -> LexSarahCase:
        """Several findings and "ej tillämpligt" at once, by one author: still one event per
        item, all saved in one transaction or none. A refused item names its place
        (`items.<index>.<field>`); a kind the case already covers is Inconsistent there."""
        case = self._get(LexSarahCase, case_id)
        if expected_version is not None and case.version != expected_version:
            raise ConflictError(expected_version, case.version)
        case.check_not_closed()
        case.check_undecided()
        if not items:
            raise ValidationFailed("items", "Fill in at least one finding.")
        today = self.today()
        for index, item in enumerate(items):
            try:
                if isinstance(item, KindNotApplicable):
                    case.mark_not_applicable(
                        kind=item.kind, reason=item.reason, author=author,
                        author_title=author_title, actor=actor,
                    )
                else:
                    case.document_finding(
                        kind=item.kind, text=item.text, dated_on=item.dated_on,
                        source=item.source, nature=item.nature, author=author,
                        author_title=author_title, today=today, actor=actor,
                    )
            except ValidationFailed as error:
                if error.field in SHARED_FIELDS:
                    raise
                raise type(error)(
                    f"items.{index}.{error.field}", error.template, **error.params
                ) from None
            except StepOutOfOrder as error:  # the case's own state was checked above
                raise Inconsistent(
                    f"items.{index}.kind", error.template, **error.params
                ) from None
        self._save(case)
        return case

    def propose_grade(
        self,
        case_id: UUID,
        *,
        actor: str,
        grade: Grade,
        reasoning: str,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.propose_grade,
            grade=grade, reasoning=reasoning, actor=actor,
        )

    def decide_lex_sarah(
        self,
        case_id: UUID,
        *,
        actor: str,
        grade: Grade,
        reasoning: str,
        decided_on: date | None = None,
        decided_by: str | None = None,
        decided_by_title: str | None = None,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.decide,
            grade=grade, reasoning=reasoning, decided_on=decided_on or today, today=today,
            actor=actor, decided_by=decided_by, decided_by_title=decided_by_title,
        )

    def report_to_ivo(
        self,
        case_id: UUID,
        *,
        actor: str,
        sent_on: date,
        ivo_reference: str,
        diary_number: str,
        investigation: IvoInvestigation,
        document_version: int | None = None,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.report_to_ivo,
            sent_on=sent_on, ivo_reference=ivo_reference, diary_number=diary_number,
            investigation=investigation, today=self.today(), actor=actor,
            document_version=document_version,
        )

    def complete_ivo_report(
        self,
        case_id: UUID,
        *,
        actor: str,
        completed_on: date | None = None,
        document_version: int | None = None,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.complete_ivo_report,
            completed_on=completed_on or today, today=today, actor=actor,
            document_version=document_version,
        )

    def freeze_lex_sarah_document(
        self,
        case_id: UUID,
        *,
        actor: str,
        purpose: DocumentPurpose,
        pdf: bytes,
        docx: bytes,
        content_sha256: str,
        expected_version: int | None = None,
    ) -> DocumentVersion:
        """A numbered version of the investigation document: the case records the files'
        SHA-256 and the files are stored, in one transaction. `expected_version` is the
        case's version the files were rendered from: a step recorded meanwhile is a
        conflict, so a version never claims content it does not hold."""
        case = self._get(LexSarahCase, case_id)
        if expected_version is not None and case.version != expected_version:
            raise ConflictError(expected_version, case.version)
        number = case.freeze_document(
            purpose=purpose, pdf_sha256=sha256(pdf), docx_sha256=sha256(docx),
            content_sha256=content_sha256, today=self.today(), actor=actor,
        )
        files = LexSarahDocument.freeze(
            case_id=case_id, number=number, pdf=pdf, docx=docx, actor=actor
        )
        self._save(case, files)
        found = case.document_version(number)
        assert found is not None
        return found

    def lex_sarah_document_file(self, case_id: UUID, number: int, kind: str) -> bytes:
        """The bytes of a frozen version ("pdf" or "docx"), exactly as they were made."""
        document_id = LexSarahDocument.create_id(case_id, number)
        if document_id not in self.repository:
            raise NotFound(document_id)
        return self._get(LexSarahDocument, document_id).file(kind)

    def record_informed(
        self,
        case_id: UUID,
        *,
        actor: str,
        who: InformedParty,
        on: date,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.record_informed,
            who=who, on=on, today=self.today(), actor=actor,
        )

    def close_lex_sarah(
        self,
        case_id: UUID,
        *,
        actor: str,
        summary: str,
        closed_on: date | None = None,
        not_informed_reason: str | None = None,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        today = self.today()
        return self._command(
            LexSarahCase, case_id, expected_version, LexSarahCase.close,
            summary=summary, closed_on=closed_on or today, today=today, actor=actor,
            not_informed_reason=not_informed_reason,
        )
