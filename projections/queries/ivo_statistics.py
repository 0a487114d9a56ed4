"""Lex Sarah counts by the rows of the annual table and operation, for IVO's categories
(the mapping is organisation data, applied by the caller): investigations opened in a year
(filed and imported, as the annual table's Lex Sarah column counts them) and anmälningar
to IVO sent in a year (as IVO's national statistics count them: by the year IVO got them)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from projections import tables as t
from projections.queries.reports import _imported

# (category, subcategory or None, operation) -> count
RowCounts = dict[tuple[str, str | None, str], int]


def lex_sarah_by_row(engine: sa.Engine, year: int) -> RowCounts:
    """Lex Sarah investigations opened in `year` from deviations now in each row; the
    same figures as the annual table's Lex Sarah column, split by operation."""
    table = t.annual_counts
    imported = _imported(t.imported_counts.c.year == year)
    counts: RowCounts = defaultdict(int)
    with engine.connect() as connection:
        found = [
            *connection.execute(
                sa.select(table.c.category, table.c.subcategory, table.c.operation,
                          sa.func.sum(table.c.lex_sarah))
                .where(table.c.year == year)
                .group_by(table.c.category, table.c.subcategory, table.c.operation)
            ),
            *connection.execute(
                sa.select(imported.c.category, imported.c.subcategory, imported.c.operation,
                          sa.func.sum(imported.c.lex_sarah))
                .group_by(imported.c.category, imported.c.subcategory, imported.c.operation)
            ),
        ]
    for category, subcategory, operation, n in found:
        if category and n:
            counts[(category, subcategory or None, operation)] += int(n)
    return dict(counts)


def ivo_reports_by_row(engine: sa.Engine, year: int) -> RowCounts:
    """Lex Sarah cases reported to IVO in `year` (the date sent), by their deviation's row
    and the case's operation. Imported figures carry no anmälningar."""
    escalations, deviations = t.escalations, t.deviations
    query = (
        sa.select(deviations.c.category, deviations.c.subcategory, escalations.c.operation,
                  sa.func.count())
        .select_from(escalations.join(
            deviations, deviations.c.id == escalations.c.deviation_id))
        .where(escalations.c.ivo_sent_on.between(date(year, 1, 1), date(year, 12, 31)))
        .group_by(deviations.c.category, deviations.c.subcategory, escalations.c.operation)
    )
    with engine.connect() as connection:
        return {(category, subcategory or None, operation): int(n)
                for category, subcategory, operation, n in connection.execute(query)}
