"""HistoryImport: earlier years brought in from a spreadsheet, as one aggregate per file.

A counts import carries its figures in its own event (they have no case details, so they add
to counts only); a rows import creates one Deviation per row (see Deviation.record_import)
and lists their ids here. The id is derived from the file's SHA-256 and the attempt (0 for
a file's first import, 1, 2, … for the same file imported again after an undo), so the same
file never counts twice, not even when two people confirm it at the same moment."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import StepOutOfOrder

if TYPE_CHECKING:
    from events.base import EventFields


class ImportKind(enum.Enum):
    COUNTS = "counts"
    ROWS = "rows"


@dataclass(frozen=True)
class CountLine:
    """One figure: deviations reported in a month (month None: a whole-year figure).
    Operation and category are "" only in a whole-year total not broken down."""

    row: int
    year: int
    month: int | None
    operation: str
    category: str
    subcategory: str | None
    count: int
    lex_sarah: int


def import_id_for(sha256: str, attempt: int = 0) -> UUID:
    """Attempt 0 has the id every import had before files could come again, so stores
    written then keep their ids; a later attempt exists only after the one before was undone.
    Its deviations' ids (imported_deviation_id) are derived from this id, so they never
    clash with the undone import's."""
    name = f"/tracker/history-import/{sha256}"
    return uuid5(NAMESPACE_URL, name if attempt == 0 else f"{name}/attempt/{attempt}")


def imported_deviation_id(import_id: UUID, row: int) -> UUID:
    return uuid5(import_id, f"row/{row}")


class HistoryImport(Aggregate):
    if TYPE_CHECKING:  # made by the @event decorators below (see events.base)

        class Imported(Aggregate.Created, EventFields): ...
        class Undone(Aggregate.Event, EventFields): ...

    @staticmethod
    def create_id(sha256: str) -> UUID:  # a later attempt passes id=import_id_for(..., n)
        return import_id_for(sha256)

    @event("Imported")
    def __init__(
        self,
        *,
        id: UUID | None = None,  # a later attempt's; never an event field
        sha256: str,
        kind: ImportKind,
        file_name: str,
        row_count: int,
        imported_at: datetime,
        counts: tuple[CountLine, ...],
        deviation_ids: tuple[UUID, ...],
        covers: tuple[str, ...],
        actor: str,
    ) -> None:
        self.sha256 = sha256
        self.kind = kind
        self.file_name = file_name
        self.row_count = row_count
        self.imported_at = imported_at
        self.imported_by = actor
        self.counts = tuple(counts)
        self.deviation_ids = tuple(deviation_ids)
        self.covers = tuple(covers)  # "YYYY-MM" months and "YYYY" whole-year figures
        self.undone_at: datetime | None = None
        self.undone_by: str | None = None

    def undo(self, *, at: datetime, actor: str) -> None:
        if self.undone_at is not None:
            raise StepOutOfOrder("The import is already undone.")
        self._undone(undone_at=at, actor=actor)

    @event("Undone")
    def _undone(self, *, undone_at: datetime, actor: str) -> None:
        self.undone_at = undone_at
        self.undone_by = actor
