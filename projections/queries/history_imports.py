"""The imports of earlier years, newest first."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections import tables as t


def imports(engine: sa.Engine) -> list[dict[str, Any]]:
    query = sa.select(t.imports).order_by(t.imports.c.imported_at.desc())
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def import_summary(engine: sa.Engine, import_id: UUID) -> dict[str, Any] | None:
    query = sa.select(t.imports).where(t.imports.c.id == import_id)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    return dict(row) if row else None
