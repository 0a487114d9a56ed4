"""Gallring's read side (projections/views/retention.py): what of a case was erased, and
under which rule; which cases are on hold."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import sqlalchemy as sa

from projections import tables as t


@dataclass(frozen=True)
class CaseRetention:
    case_id: UUID
    case_kind: str
    on_hold: bool
    erased_kinds: frozenset[str]
    rule: str | None
    erased_on: date | None
    erased_by: str | None = None  # who gallrade it last: a person, or "scheduler"

    def erased(self, kind: str) -> bool:
        return kind in self.erased_kinds


def _retention(row: sa.Row) -> CaseRetention:
    return CaseRetention(
        row.case_id, row.case_kind, row.active_holds > 0, frozenset(row.erased_kinds.split()),
        row.rule, row.erased_on, row.erased_by,
    )


def erasure_of(engine: sa.Engine, case_id: UUID) -> CaseRetention | None:
    """The case's retention record as the views hold it (None: never held nor erased)."""
    table = t.retention_records
    with engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.case_id == case_id)).first()
    return _retention(row) if row is not None else None


def retention_records(
    engine: sa.Engine, case_ids: Collection[UUID] | None = None
) -> dict[UUID, CaseRetention]:
    """Every case's record (or those of `case_ids`), by case id."""
    table = t.retention_records
    query = sa.select(table)
    if case_ids is not None:
        if not case_ids:
            return {}
        query = query.where(table.c.case_id.in_(list(case_ids)))
    with engine.connect() as connection:
        return {row.case_id: _retention(row) for row in connection.execute(query)}
