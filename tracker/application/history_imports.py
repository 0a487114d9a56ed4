"""Import commands: preview a file, store a checked one whole (the import, its deviations
and their numbers in one transaction) or not at all, undo an import as a whole."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from events.deviation import Deviation, Source
from events.errors import DomainError, EscalatedImportedDeviations
from events.history_import import HistoryImport, ImportKind, imported_deviation_id
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
    template = "This file (the same SHA-256) was already imported on %(at)s by %(by)s."


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

    def _refuse_known(self, sha256: str) -> None:
        try:
            known: HistoryImport = self.repository.get(HistoryImport.create_id(sha256))
        except AggregateNotFoundError:
            return
        raise AlreadyImported(
            at=known.imported_at.date().isoformat(), by=known.imported_by
        )

    def store_import(
        self, kind: ImportKind, data: bytes, file_name: str, *, actor: str
    ) -> HistoryImport:
        """Checks the file again (never trust an earlier preview) and stores it whole."""
        checked = self.preview_import(kind, data, file_name)
        if not checked.ok:
            raise ImportRefused(checked)
        import_id = HistoryImport.create_id(checked.sha256)
        now = self.now()

        def attempt() -> HistoryImport:
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
                sha256=checked.sha256, kind=kind, file_name=file_name[:200],
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
