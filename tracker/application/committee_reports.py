"""Commands for the report to the committee (Rapport till nämnden), a mixin of
TrackerApplication. Revisions of a month's report have fixed ids (CommitteeReport.create_id),
so they are found by looking them up in order, without a view."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from events.committee_report import CommitteeReport
from events.errors import StepOutOfOrder
from tracker.application.base import ApplicationBase, ConflictError

# Far more than any month will see; bounds the look-up loop.
MAX_REVISIONS = 100


class CommitteeReportCommands(ApplicationBase):
    def committee_reports(self, year: int, month: int) -> list[CommitteeReport]:
        """Every revision of the month's report, oldest first."""
        found: list[CommitteeReport] = []
        for revision in range(1, MAX_REVISIONS + 1):
            report_id = CommitteeReport.create_id(year, month, revision)
            if report_id not in self.repository:
                break
            found.append(self._get(CommitteeReport, report_id))
        return found

    def get_committee_report(self, report_id: UUID) -> CommitteeReport:
        return self._get(CommitteeReport, report_id)

    def draft_committee_report(
        self,
        *,
        actor: str,
        year: int,
        month: int,
        text: dict[str, str],
        sections: list[dict[str, Any]],
        figures: dict[str, Any],
        form: dict[str, str] | None = None,
    ) -> CommitteeReport:
        """A new revision: the first draft, or a corrected version after earlier ones. Two
        drafting the same revision at once: one gets ConflictError (same fixed id)."""
        revision = len(self.committee_reports(year, month)) + 1
        report = CommitteeReport.draft(
            year=year, month=month, revision=revision, text=text, sections=sections,
            figures=figures, form=form, actor=actor,
        )
        self._save(report)
        return report

    def _latest(self, report_id: UUID, expected_version: int | None) -> CommitteeReport:
        report = self._get(CommitteeReport, report_id)
        if expected_version is not None and report.version != expected_version:
            raise ConflictError(expected_version, report.version)
        newer = CommitteeReport.create_id(report.year, report.month, report.revision + 1)
        if newer in self.repository:
            raise StepOutOfOrder("A newer version of this report exists; change that one.")
        return report

    def edit_committee_report(
        self,
        report_id: UUID,
        *,
        actor: str,
        text: dict[str, str],
        sections: dict[str, str],
        details: dict[str, str] | None = None,
        expected_version: int | None = None,
    ) -> CommitteeReport:
        report = self._latest(report_id, expected_version)
        if report.edit(text=text, sections=sections, details=details, actor=actor):
            self._save(report)
        return report

    def confirm_committee_review(
        self,
        report_id: UUID,
        *,
        actor: str,
        masked: str,
        flags: list[dict[str, str]],
        expected_version: int | None = None,
    ) -> CommitteeReport:
        """The secrecy review, confirmed by `actor`; `flags` are what the tracker flagged in
        the texts of this version (tracker.committee_report_draft.review)."""
        report = self._latest(report_id, expected_version)
        report.confirm_review(masked=masked, flags=flags, actor=actor)
        self._save(report)
        return report

    def finalise_committee_report(
        self,
        report_id: UUID,
        *,
        actor: str,
        diary_number: str,
        finalised_on: date | None = None,
        expected_version: int | None = None,
    ) -> CommitteeReport:
        report = self._latest(report_id, expected_version)
        today = self.today()
        report.finalise(
            diary_number=diary_number, finalised_on=finalised_on or today, today=today,
            actor=actor,
        )
        self._save(report)
        return report
