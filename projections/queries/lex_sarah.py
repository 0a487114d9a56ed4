"""Lex Sarah cases (escalations) with days open."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from projections import tables as t


def escalations(engine: sa.Engine, today: date) -> list[dict[str, Any]]:
    """Lex Sarah cases, newest first, with days open (until closed, or until today)."""
    table = t.escalations
    query = sa.select(table).order_by(table.c.opened_on.desc(), table.c.number.desc())
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        {
            "id": row["id"],
            "number": row["number"],
            "deviation_id": row["deviation_id"],
            "deviation_number": row["deviation_number"],
            "unit": row["unit"],
            "operation": row["operation"],
            "opened_on": row["opened_on"],
            "proposed_grade": row["proposed_grade"],
            "grade": row["grade"],
            "decided_on": row["decided_on"],
            "status": row["status"],
            "ivo_sent_on": row["ivo_sent_on"],
            "ivo_reference": row["ivo_reference"],
            "days_open": ((row["closed_on"] or today) - row["opened_on"]).days,
            "closed_on": row["closed_on"],
        }
        for row in rows
    ]
