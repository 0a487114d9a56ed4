"""The deviation list: filters, scope and paging."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from events.clocks import add_months
from events.deviation import DeviationStatus
from projections import tables as t


@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _period(year: int | None, month: int | None) -> tuple[date, date] | None:
    """[first, last] day of a year or a month."""
    if year is None:
        return None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    first = date(year, month, 1)
    return first, add_months(first, 1) - timedelta(days=1)


def list_deviations(
    engine: sa.Engine,
    *,
    year: int | None = None,
    month: int | None = None,
    operation: str | None = None,
    unit: str | None = None,
    units: Collection[str] | None = None,
    category: str | None = None,
    status: str | None = None,
    reporter: str | None = None,
    min_risk: int | None = None,
    sort: str = "newest",
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Deviations newest first (reported_on desc, number desc), or with sort="oldest_open"
    the open ones first, oldest first (the inbox's "needs action" order), then the rest
    newest first. `units` restricts the rows to those units (an enhetschef's scope);
    `month` needs `year`; `min_risk`: assessed with at least that risk score."""
    table = t.deviations
    conditions: list[sa.ColumnElement[bool]] = []
    period = _period(year, month)
    if period is not None:
        conditions.append(table.c.reported_on.between(*period))
    if operation:
        conditions.append(table.c.operation == operation)
    if unit:
        conditions.append(table.c.unit == unit)
    if units is not None:
        conditions.append(table.c.unit.in_(list(units)))
    if category:
        conditions.append(table.c.category == category)
    if status:
        conditions.append(table.c.status == status)
    if reporter:
        conditions.append(table.c.reporter == reporter)
    if min_risk is not None:
        conditions.append(table.c.risk_score >= min_risk)
    page, per_page = max(1, page), max(1, per_page)
    order: list[sa.ColumnElement[Any]] = [table.c.reported_on.desc(), table.c.number.desc()]
    if sort == "oldest_open":
        is_open = table.c.status == DeviationStatus.OPEN.value
        order = [
            sa.case((is_open, 0), else_=1),
            sa.case((is_open, table.c.reported_on), else_=None).asc(),
            sa.case((is_open, table.c.number), else_=None).asc(),
            *order,
        ]
    query = (
        sa.select(table)
        .where(*conditions)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    with engine.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*conditions)
        ).scalar_one()
        rows = connection.execute(query).mappings().all()
    items = [
        {
            "id": row["id"],
            "number": row["number"],
            "reported_on": row["reported_on"],
            "occurred_on": row["occurred_on"],
            "unit": row["unit"],
            "operation": row["operation"],
            "category": row["category"],
            "subcategory": row["subcategory"],
            "status": row["status"],
            "source": row["source"],
            "reporter": row["reporter"],
            "assignee": row["assignee"],
            "lex_sarah_case_id": row["lex_sarah_case_id"],
            "risk_score": row["risk_score"],
        }
        for row in rows
    ]
    return Page(items, total, page, per_page)
