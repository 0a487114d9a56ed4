"""The case files (events/casework.py) as the lists need them: which cases wait for their
reporter's answer ("väntar på komplettering"), who asked, and how many attachments."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.casework import CaseFile
from projections import tables as t
from projections.views.base import View, utc


class CaseFiles(View):
    name = "case_files"
    tables = (t.case_files,)
    handles = (
        CaseFile.Opened, CaseFile.QuestionAsked, CaseFile.Answered,
        CaseFile.AttachmentAdded, CaseFile.AttachmentRemoved,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @process_event.register
    def _(self, event: CaseFile.Opened, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(t.case_files, dict(
                id=event.originator_id, kind=event.kind, case_id=event.case_id,
                number=event.number, reporter=event.reporter,
                reporter_case_id=event.reporter_case_id, awaiting=False, asked_by=None,
                asked_at=None, answered_at=None, attachments=0,
            ))

    @process_event.register
    def _(self, event: CaseFile.QuestionAsked, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.case_files, {"id": event.originator_id}, awaiting=True,
                        asked_by=event.actor, asked_at=utc(event.timestamp))

    @process_event.register
    def _(self, event: CaseFile.Answered, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.case_files, {"id": event.originator_id}, awaiting=False,
                        answered_at=utc(event.timestamp))

    @process_event.register
    def _(self, event: CaseFile.AttachmentAdded, tracking: Tracking) -> None:
        self._count(event, tracking, 1)

    @process_event.register
    def _(self, event: CaseFile.AttachmentRemoved, tracking: Tracking) -> None:
        self._count(event, tracking, -1)

    def _count(self, event: Any, tracking: Tracking, step: int) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.case_files, id=event.originator_id)
            count = (row["attachments"] if row is not None else 0) + step
            rows.change(t.case_files, {"id": event.originator_id}, attachments=count)
