"""The quality developer's rollups: monthly counts, the year-over-year series, the annual
table, yearly totals and the rolling recurrence window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from events.clocks import add_months
from events.taxonomy import Operation, Taxonomy
from projections import tables as t
from projections.queries._rows import sub_out
from projections.queries.coverage import active_imports
from projections.sources import TaxonomySource

OPERATIONS = [operation.value for operation in Operation]


def _imported(*where: Any) -> sa.Subquery:
    """Imported figures of the imports not undone (rows imports count as deviations)."""
    table = t.imported_counts
    return sa.select(table).where(table.c.import_id.in_(active_imports()), *where).subquery()


def _row_order(taxonomy: Taxonomy) -> dict[tuple[str, str | None], int]:
    return {row: i for i, row in enumerate(taxonomy.rows())}


# --- monthly counts -----------------------------------------------------------------


def monthly_report(
    engine: sa.Engine, year: int, month: int, *, organisation: TaxonomySource
) -> dict[str, Any]:
    """Deviations reported in the month, per operation and (sub)category (rows with a
    count only; subcategory None where there is none)."""
    table = t.monthly_counts
    count = sa.func.sum(table.c.count)
    query = (
        sa.select(table.c.operation, table.c.category, table.c.subcategory, count)
        .where(table.c.year == year, table.c.month == month)
        .group_by(table.c.operation, table.c.category, table.c.subcategory)
    )
    imported = _imported(t.imported_counts.c.year == year, t.imported_counts.c.month == month)
    imported_query = sa.select(
        imported.c.operation, imported.c.category, imported.c.subcategory, imported.c.count
    )
    merged: dict[tuple[str, str, str], int] = defaultdict(int)
    with engine.connect() as connection:
        for op, cat, sub, n in [*connection.execute(query), *connection.execute(imported_query)]:
            merged[(op, cat, sub)] += int(n or 0)
    order = _row_order(organisation.taxonomy())
    rows: list[dict[str, Any]] = [
        {"operation": op, "category": cat, "subcategory": sub_out(sub), "count": n}
        for (op, cat, sub), n in merged.items()
        if n
    ]
    rows.sort(
        key=lambda r: (
            OPERATIONS.index(r["operation"]) if r["operation"] in OPERATIONS else len(OPERATIONS),
            order.get((r["category"], r["subcategory"]), len(order)),
            r["category"],
            r["subcategory"] or "",
        )
    )
    by_operation = dict.fromkeys(OPERATIONS, 0)
    for row in rows:
        by_operation[row["operation"]] = by_operation.get(row["operation"], 0) + row["count"]
    return {
        "year": year,
        "month": month,
        "total": sum(by_operation.values()),
        "by_operation": by_operation,
        "rows": rows,
    }


def monthly_series(engine: sa.Engine, years: Iterable[int]) -> dict[int, list[int]]:
    """Deviations per month for each year (the year-over-year chart)."""
    wanted = sorted(set(years))
    series = {year: [0] * 12 for year in wanted}
    if not wanted:
        return series
    table = t.monthly_counts
    query = (
        sa.select(table.c.year, table.c.month, sa.func.sum(table.c.count))
        .where(table.c.year.in_(wanted))
        .group_by(table.c.year, table.c.month)
    )
    imported = _imported(t.imported_counts.c.year.in_(wanted), t.imported_counts.c.month > 0)
    imported_query = sa.select(
        imported.c.year, imported.c.month, sa.func.sum(imported.c.count)
    ).group_by(imported.c.year, imported.c.month)
    with engine.connect() as connection:
        for year, month, n in [*connection.execute(query), *connection.execute(imported_query)]:
            series[year][month - 1] += int(n or 0)
    return series


# --- annual table -------------------------------------------------------------------


def annual_report(
    engine: sa.Engine, year: int, *, organisation: TaxonomySource
) -> dict[str, Any]:
    """The kvalitetsberättelse table: a row per category, followed for categories with
    subcategories by a "varav" row per subcategory; IFO, HVB, total and Lex Sarah
    investigations opened in `year` from deviations now classified in that row. A category
    row is the sum of its subcategory rows; `total` sums the category rows."""
    table = t.annual_counts
    query = (
        sa.select(
            table.c.category, table.c.subcategory, table.c.operation,
            sa.func.sum(table.c.deviations), sa.func.sum(table.c.lex_sarah),
        )
        .where(table.c.year == year)
        .group_by(table.c.category, table.c.subcategory, table.c.operation)
    )
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"ifo": 0, "hvb": 0, "lex_sarah": 0}
    )
    imported = _imported(t.imported_counts.c.year == year)
    imported_query = sa.select(
        imported.c.category, imported.c.subcategory, imported.c.operation,
        sa.func.sum(imported.c.count), sa.func.sum(imported.c.lex_sarah),
    ).group_by(imported.c.category, imported.c.subcategory, imported.c.operation)
    unallocated = 0
    with engine.connect() as connection:
        found = [*connection.execute(query), *connection.execute(imported_query)]
        for category, subcategory, operation, deviations, lex_sarah in found:
            if not category:  # an imported yearly total not broken down by category
                unallocated += int(deviations or 0)
                continue
            cell = counts[(category, subcategory)]
            column = operation.lower()
            cell[column] = cell.get(column, 0) + int(deviations or 0)
            cell["lex_sarah"] += int(lex_sarah or 0)

    def row(category: str, subcategory: str | None, cells: list[dict[str, int]]) -> dict[str, Any]:
        ifo = sum(c["ifo"] for c in cells)
        hvb = sum(c["hvb"] for c in cells)
        return {
            "category": category,
            "subcategory": subcategory,
            "ifo": ifo,
            "hvb": hvb,
            "total": ifo + hvb,
            "lex_sarah": sum(c["lex_sarah"] for c in cells),
        }

    taxonomy = organisation.taxonomy()
    # Codes in the data but no longer in the taxonomy still get their rows, last.
    categories: dict[str, list[str]] = {
        code: list(category.subcategories) for code, category in taxonomy.categories.items()
    }
    for category, subcategory in sorted(counts):
        subs = categories.setdefault(category, [])
        if subcategory and subcategory not in subs:
            subs.append(subcategory)
    rows: list[dict[str, Any]] = []
    for category, subcategories in categories.items():
        known = taxonomy.categories.get(category)
        cells = [counts[key] for key in counts if key[0] == category]
        if known is not None and not known.active and not any(cells):
            continue
        rows.append(row(category, None, cells))
        for subcategory in subcategories:
            rows.append(row(category, subcategory, [counts.get((category, subcategory), {
                "ifo": 0, "hvb": 0, "lex_sarah": 0})]))
    category_rows = [r for r in rows if r["subcategory"] is None]
    total = {
        key: sum(r[key] for r in category_rows) for key in ("ifo", "hvb", "total", "lex_sarah")
    }
    total["total"] += unallocated
    # `unallocated`: imported yearly totals not broken down (in `total` only).
    return {"year": year, "rows": rows, "total": total, "unallocated": unallocated}


def yearly_totals(engine: sa.Engine) -> dict[str, Any]:
    """Deviations reported per year, every year with any."""
    table = t.annual_counts
    query = (
        sa.select(table.c.year, sa.func.sum(table.c.deviations))
        .group_by(table.c.year)
        .order_by(table.c.year)
    )
    imported = _imported()
    imported_query = sa.select(imported.c.year, sa.func.sum(imported.c.count)).group_by(
        imported.c.year
    )
    totals: dict[int, int] = defaultdict(int)
    with engine.connect() as connection:
        for year, n in [*connection.execute(query), *connection.execute(imported_query)]:
            totals[year] += int(n or 0)
    years = [{"year": year, "total": n} for year, n in sorted(totals.items()) if n]
    return {"years": years}


# --- recurrence ---------------------------------------------------------------------


def recurrence_window(today: date) -> tuple[date, date]:
    """The rolling three months up to and including today."""
    return add_months(today, -3) + timedelta(days=1), today


def recurrence(engine: sa.Engine, today: date, threshold: int = 3) -> list[dict[str, Any]]:
    """Deviations per unit and (sub)category reported in the rolling three months, most
    first; at or above `threshold` a Lex Sarah investigation should be considered."""
    start, end = recurrence_window(today)
    table = t.recurrence_members
    count = sa.func.count().label("count")
    query = (
        sa.select(table.c.unit, table.c.operation, table.c.category, table.c.subcategory, count)
        .where(table.c.reported_on.between(start, end))
        .group_by(table.c.unit, table.c.operation, table.c.category, table.c.subcategory)
    )
    with engine.connect() as connection:
        found = connection.execute(query).all()
    rows = [
        {
            "unit": unit,
            "operation": operation,
            "category": category,
            "subcategory": sub_out(subcategory),
            "count": int(n),
            "window_start": start,
            "window_end": end,
            "suggest_lex_sarah": int(n) >= threshold,
        }
        for unit, operation, category, subcategory, n in found
    ]
    rows.sort(key=lambda r: (-r["count"], r["unit"], r["category"], r["subcategory"] or ""))
    return rows
