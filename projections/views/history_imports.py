"""The imports of earlier years: the list, the imported figures and the periods they cover."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.history_import import HistoryImport
from projections import tables as t
from projections.views.base import View, sub, utc


class HistoryImports(View):
    name = "history_imports"
    tables = (t.imports, t.imported_counts, t.import_coverage)
    schema = 2  # 2: file name encrypted
    handles = (HistoryImport.Imported, HistoryImport.Undone)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @process_event.register
    def _(self, event: HistoryImport.Imported, tracking: Tracking) -> None:
        import_id = event.originator_id
        with self.view.transaction(tracking) as rows:
            rows.add(t.imports, dict(
                id=import_id, kind=event.kind.value, file_name=event.file_name,
                sha256=event.sha256, row_count=event.row_count,
                deviations=len(event.deviation_ids), imported_by=event.actor,
                imported_at=utc(event.imported_at), undone_by=None, undone_at=None,
            ))
            for line in event.counts:
                rows.add(t.imported_counts, dict(
                    import_id=import_id, row=line.row, year=line.year, month=line.month or 0,
                    operation=line.operation, category=line.category,
                    subcategory=sub(line.subcategory), count=line.count,
                    lex_sarah=line.lex_sarah,
                ))
            for period in event.covers:
                year, _, month = period.partition("-")
                rows.add(t.import_coverage, dict(
                    import_id=import_id, year=int(year), month=int(month or 0),
                ))

    @process_event.register
    def _(self, event: HistoryImport.Undone, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(
                t.imports, {"id": event.originator_id},
                undone_by=event.actor, undone_at=utc(event.undone_at),
            )
