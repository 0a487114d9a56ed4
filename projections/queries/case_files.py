"""The case files' lists (projections/views/case_files.py): the questions waiting for a
person's answer, and which of some cases wait for their reporter."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections import tables as t


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite: stored in UTC, read naive
        return moment.replace(tzinfo=UTC)
    return moment


def questions_for(engine: sa.Engine, reporter: str) -> list[dict[str, Any]]:
    """The cases whose last question to `reporter` is unanswered, oldest question first."""
    table = t.case_files
    query = (
        sa.select(table.c.kind, table.c.case_id, table.c.number, table.c.reporter_case_id,
                  table.c.asked_at)
        .where(table.c.reporter == reporter, table.c.awaiting.is_(True))
        .order_by(table.c.asked_at, table.c.number)
    )
    with engine.connect() as connection:
        return [
            dict(row._mapping) | {"asked_at": _aware(row.asked_at)}
            for row in connection.execute(query)
        ]


def awaiting_reply(engine: sa.Engine, kind: str, case_ids: Collection[UUID]) -> set[UUID]:
    """Of these cases, those waiting for their reporter's answer."""
    if not case_ids:
        return set()
    table = t.case_files
    query = sa.select(table.c.case_id).where(
        table.c.kind == kind, table.c.awaiting.is_(True), table.c.case_id.in_(list(case_ids))
    )
    with engine.connect() as connection:
        return set(connection.execute(query).scalars())

