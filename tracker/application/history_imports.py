"""Import commands: preview a file, store a checked one whole (the import, its deviations
and their numbers in one transaction) or not at all, say what an undo would remove, undo an
import as a whole. A file undone may be imported again (a new attempt, see import_id_for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from events.clocks import local_date
from events.deviation import Deviation, Source
from events.errors import DomainError, EscalatedImportedDeviations
from events.history_import import (
    HistoryImport,
    ImportKind,
    import_id_for,
    imported_deviation_id,
)
from events.numbering import NumberSeries, SeriesKind
from tracker.application.base import ApplicationBase
from tracker.history_import import Preview
from tracker.history_import import preview as check_file
from tracker.history_import.checking import check_file_name
from tracker.history_import.reading import fold

# The reporter of every imported deviation: a system source, not the person importing (who
# is named in the import's own history), so that importing never opens a case to anyone.
IMPORT_ACTOR = "import"


class ImportRefused(DomainError):
    """The file has problems: nothing was stored (the preview lists them)."""

    template = "The file has errors; nothing was imported."

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        super().__init__()


class AlreadyImported(DomainError):
    """The same file (same bytes) while its earlier import still counts."""

    template = (
        "The same file was already imported on %(at)s by %(by)s and still counts. To import "
        "it again, undo that import first."
    )


@dataclass(frozen=True)
class UndoSummary:
    """What undoing an import removes, for the confirmation page and the CLI."""

    import_id: UUID
    file_name: str
    kind: ImportKind
    imported_on: date
    imported_by: str
    deviations: int  # a rows import: the deviations withdrawn from every report and list
    counted: int  # a counts import: the deviations its figures add to the reports
    covers: tuple[str, ...]  # "YYYY-MM" months and "YYYY" whole years
    escalated: tuple[str, ...]  # numbers of its deviations escalated since: no undo
    undone_on: date | None
    undone_by: str | None


def _already(known: HistoryImport) -> AlreadyImported:
    return AlreadyImported(at=local_date(known.imported_at).isoformat(), by=known.imported_by)


class HistoryImportCommands(ApplicationBase):
    def preview_import(self, kind: ImportKind, data: bytes, file_name: str) -> Preview:
        check_file_name(file_name)
        units: dict[str, tuple[str, object]] = {}
        for unit in self.organisation.units():
            units[fold(unit.code)] = units[fold(unit.name)] = (unit.code, unit.operation)
        result = check_file(
            kind, data, file_name, taxonomy=self.organisation.taxonomy(),
            units=units,  # type: ignore[arg-type]  # values are (code, Operation)
            today=self.today(),
        )
        if result.ok:
            self._refuse_known(result.sha256)
        return result

    def get_import(self, import_id: UUID) -> HistoryImport:
        return self._get(HistoryImport, import_id)

    def _attempts(self, sha256: str) -> tuple[HistoryImport | None, int]:
        """The file's import that still counts (None: every earlier one is undone, or none
        was made) and the attempt number a new import of it takes."""
        attempt = 0
        while True:
            try:
                known: HistoryImport = self.repository.get(import_id_for(sha256, attempt))
            except AggregateNotFoundError:
                return None, attempt
            if known.undone_at is None:
                return known, attempt
            attempt += 1

    def _refuse_known(self, sha256: str) -> None:
        known, _ = self._attempts(sha256)
        if known is not None:
            raise _already(known)

    def undo_summary(self, import_id: UUID) -> UndoSummary:
        record = self.get_import(import_id)
        escalated = [
            deviation.number for deviation in
            (self._get(Deviation, d) for d in record.deviation_ids)
            if deviation.lex_sarah_case_id is not None
        ]
        return UndoSummary(
            import_id=record.id, file_name=record.file_name, kind=record.kind,
            imported_on=local_date(record.imported_at), imported_by=record.imported_by,
            deviations=len(record.deviation_ids),
            counted=sum(line.count for line in record.counts), covers=record.covers,
            escalated=tuple(escalated),
            undone_on=local_date(record.undone_at) if record.undone_at else None,
            undone_by=record.undone_by,
        )

    def store_import(
        self, kind: ImportKind, data: bytes, file_name: str, *, actor: str
    ) -> HistoryImport:
        """Checks the file again (never trust an earlier preview) and stores it whole."""
        checked = self.preview_import(kind, data, file_name)
        if not checked.ok:
            raise ImportRefused(checked)
        now = self.now()

        def attempt() -> HistoryImport:
            known, number = self._attempts(checked.sha256)
            if known is not None:  # confirmed by someone else since the check above
                raise _already(known)
            import_id = import_id_for(checked.sha256, number)
            series: dict[int, NumberSeries] = {}
            deviations: list[Deviation] = []
            taxonomy = self.organisation.taxonomy()
            for row in checked.deviations:
                year = row.reported_on.year
                if year not in series:
                    series[year] = self._series(SeriesKind.DEVIATION, year)
                deviation = Deviation.report(
                    id=imported_deviation_id(import_id, row.row),
                    number=series[year].issue(),
                    unit=row.unit, operation=row.operation, category=row.category,
                    subcategory=row.subcategory, occurred_on=row.occurred_on,
                    reported_on=row.reported_on, description=row.description,
                    immediate_actions=None, case_reference=row.case_reference,
                    reporter=IMPORT_ACTOR, source=Source.IMPORT, taxonomy=taxonomy,
                    today=self.today(),
                )
                deviation.record_import(
                    import_id=import_id, row=row.row, lex_sarah=row.lex_sarah,
                    closed=row.closed, actor=actor,
                )
                deviations.append(deviation)
            record = HistoryImport(
                id=import_id, sha256=checked.sha256, kind=kind, file_name=file_name[:200],
                row_count=checked.rows_read, imported_at=now,
                counts=tuple(checked.counts) if kind is ImportKind.COUNTS else (),
                deviation_ids=tuple(d.id for d in deviations),
                covers=tuple(checked.covers()), actor=actor,
            )
            self.save(record, *series.values(), *deviations)
            return record

        def after_clash() -> bool:
            self._refuse_known(checked.sha256)  # a concurrent confirm of the same file
            return True

        return self._until_saved(attempt, after_clash=after_clash)

    def undo_import(self, import_id: UUID, *, actor: str) -> HistoryImport:
        """Refused, nothing changed, while any of its deviations is escalated to Lex Sarah
        (such a deviation cannot be withdrawn): the error names every one."""
        record = self.get_import(import_id)
        record.undo(at=self.now(), actor=actor)
        deviations = [self._get(Deviation, d) for d in record.deviation_ids]
        escalated = [d.number for d in deviations if d.lex_sarah_case_id is not None]
        if escalated:
            raise EscalatedImportedDeviations(escalated)
        changed: list[Aggregate] = [record]
        for deviation in deviations:
            before = deviation.version
            deviation.undo_import(import_id=import_id, actor=actor)
            if deviation.version != before:
                changed.append(deviation)
        self._save(*changed)
        return record
