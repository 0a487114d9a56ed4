"""Case file commands: the conversation with the reporter and the attachments, for every kind
of case (events/casework.py). What the file needs of its case (its number, unit, reporter,
whether it is open) comes from `CASE_FACTS`, one function per kind: a new kind of case
adds one there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from events.casework import CaseFile, case_file_id
from events.deviation import NO_REPORTER_SOURCES, Deviation, DeviationStatus, Source
from events.lex_sarah import LexSarahCase, LexSarahStatus
from tracker.application.base import ApplicationBase, HistoryEntry, NotFound, history_entries


@dataclass(frozen=True)
class CaseFacts:
    number: str
    unit: str
    reporter: str | None  # who is asked and answers; None: nobody in the tracker
    reporter_case_id: UUID | None  # the case whose page the reporter reads
    open: bool


def _reporter_of(deviation: Deviation) -> str | None:
    # The tracker itself and an imported spreadsheet row have nobody to ask.
    if deviation.source in NO_REPORTER_SOURCES or deviation.source is Source.IMPORT:
        return None
    return deviation.reporter


def _deviation_facts(app: Any, case_id: UUID) -> CaseFacts:
    deviation: Deviation = app.get_deviation(case_id)
    return CaseFacts(
        deviation.number, deviation.unit, _reporter_of(deviation), deviation.id,
        deviation.status is DeviationStatus.OPEN,
    )


def _lex_sarah_facts(app: Any, case_id: UUID) -> CaseFacts:
    """The person asked is the one who reported the deviation it came from; they read the
    questions on that deviation's page (they do not open the investigation)."""
    case: LexSarahCase = app.get_lex_sarah_case(case_id)
    deviation: Deviation = app.get_deviation(case.deviation_id)
    return CaseFacts(
        case.number, case.unit, _reporter_of(deviation), deviation.id,
        case.status is not LexSarahStatus.CLOSED,
    )


def _child_report_facts(app: Any, case_id: UUID) -> CaseFacts:
    # The anmälare is outside the organisation: attachments only, no conversation here.
    report = app.get_child_report(case_id)
    return CaseFacts(report.number, report.unit, None, None, True)


def _complaint_facts(app: Any, case_id: UUID) -> CaseFacts:
    # The sender is outside the tracker (and often anonymous): attachments only; they read
    # the answers with their receipt code. A complaint not yet routed has no unit.
    complaint = app.get_complaint(case_id)
    return CaseFacts(complaint.number, complaint.unit or "", None, None, True)


CASE_FACTS: dict[str, Callable[[Any, UUID], CaseFacts]] = {
    "deviation": _deviation_facts,
    "lex_sarah": _lex_sarah_facts,
    "child_report": _child_report_facts,
    "complaint": _complaint_facts,
}


class CaseworkCommands(ApplicationBase):
    def case_facts(self, kind: str, case_id: UUID) -> CaseFacts:
        found = CASE_FACTS.get(kind)
        if found is None:
            raise NotFound(case_id)
        return found(self, case_id)

    def case_file(self, kind: str, case_id: UUID) -> CaseFile | None:
        """The case's file, None while nothing was asked or attached."""
        try:
            return self._get(CaseFile, case_file_id(kind, case_id))
        except NotFound:
            return None

    def case_file_history(self, kind: str, case_id: UUID) -> list[HistoryEntry]:
        return history_entries(self.repository.event_store.get(case_file_id(kind, case_id)))

    def _file_command(
        self, kind: str, case_id: UUID, actor: str, command: Callable[[CaseFile, CaseFacts], None]
    ) -> CaseFile:
        facts = self.case_facts(kind, case_id)
        case_file = self.case_file(kind, case_id) or CaseFile.open(
            kind=kind, case_id=case_id, number=facts.number, reporter=facts.reporter,
            reporter_case_id=facts.reporter_case_id, actor=actor,
        )
        command(case_file, facts)
        self._save(case_file)
        return case_file

    def ask_reporter(self, kind: str, case_id: UUID, *, text: str, actor: str) -> CaseFile:
        return self._file_command(kind, case_id, actor, lambda f, facts: f.ask(
            text=text, case_open=facts.open, actor=actor))

    def answer_question(self, kind: str, case_id: UUID, *, text: str, actor: str) -> CaseFile:
        return self._file_command(kind, case_id, actor, lambda f, facts: f.answer(
            text=text, case_open=facts.open, actor=actor))

    def record_outcome(self, kind: str, case_id: UUID, *, text: str, actor: str) -> CaseFile:
        return self._file_command(kind, case_id, actor, lambda f, _: f.record_outcome(
            text=text, actor=actor))

    def add_attachment(
        self, kind: str, case_id: UUID, *, sha256: str, file_name: str, media_type: str,
        size: int, actor: str,
    ) -> CaseFile:
        return self._file_command(kind, case_id, actor, lambda f, _: f.add_attachment(
            sha256=sha256, file_name=file_name, media_type=media_type, size=size, actor=actor))

    def remove_attachment(self, kind: str, case_id: UUID, *, sha256: str, actor: str) -> CaseFile:
        case_file = self.case_file(kind, case_id)
        if case_file is None:
            raise NotFound(case_id)
        case_file.remove_attachment(sha256=sha256, actor=actor)
        self._save(case_file)
        return case_file
