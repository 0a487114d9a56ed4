"""Oracles and helpers for the projection tests.

The oracles compute what each report should say straight from the aggregates (found
through the notification log, never through a view), so a view can be checked against
something it did not produce.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.child_report import ChildReport
from events.clocks import add_months
from events.deviation import Deviation, DeviationStatus
from events.lex_sarah import LexSarahCase
from events.taxonomy import DEFAULT_TAXONOMY
from projections import tables as t
from tracker.runtime import Runtime

NOW = datetime(2026, 5, 20, 10, 0, tzinfo=UTC)
TODAY = date(2026, 5, 20)

# Every classification the default taxonomy allows, in its row order.
CLASSIFICATIONS: list[tuple[str, str | None]] = [
    (category, subcategory)
    for category, subcategory in DEFAULT_TAXONOMY.rows()
    if subcategory is not None or not DEFAULT_TAXONOMY.categories[category].subcategories
]
UNITS = ["utredning", "oppenvard", "hvb-notgarden", "stodboendet"]


def ids_of(runtime: Runtime, topic_suffix: str) -> list[UUID]:
    """Originator ids of every event whose topic ends with `topic_suffix`, from the log."""
    recorder = runtime.app.recorder
    found: list[UUID] = []
    position = 0
    while True:
        batch = recorder.select_notifications(
            start=position, limit=500, inclusive_of_start=False
        )
        if not batch:
            return found
        found += [UUID(str(n.originator_id)) for n in batch if n.topic.endswith(topic_suffix)]
        position = batch[-1].id


def deviations(runtime: Runtime) -> list[Deviation]:
    return [runtime.app.get_deviation(i) for i in ids_of(runtime, ":Deviation.Reported")]


def cases(runtime: Runtime) -> list[LexSarahCase]:
    return [runtime.app.get_lex_sarah_case(i) for i in ids_of(runtime, ":LexSarahCase.Opened")]


def reports(runtime: Runtime) -> list[ChildReport]:
    return [runtime.app.get_child_report(i) for i in ids_of(runtime, ":ChildReport.Received")]


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every view table's rows, sorted (the tracking table aside)."""
    result = {}
    with engine.connect() as connection:
        for table in t.metadata.sorted_tables:
            if table is t.tracking:
                continue
            rows = connection.execute(sa.select(table)).all()
            result[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return result


def counted(runtime: Runtime) -> list[Deviation]:
    return [d for d in deviations(runtime) if d.status is not DeviationStatus.WITHDRAWN]


def expected_monthly(runtime: Runtime, year: int, month: int) -> dict[str, Any]:
    rows = Counter(
        (d.operation.value, d.category, d.subcategory)
        for d in counted(runtime)
        if (d.reported_on.year, d.reported_on.month) == (year, month)
    )
    by_operation = {"IFO": 0, "HVB": 0}
    for (operation, _, _), n in rows.items():
        by_operation[operation] += n
    return {
        "total": sum(rows.values()),
        "by_operation": by_operation,
        "rows": sorted((op, c, s or "", n) for (op, c, s), n in rows.items()),
    }


def expected_annual(runtime: Runtime, year: int) -> list[tuple[Any, ...]]:
    """(category, subcategory, ifo, hvb, total, lex_sarah) in the taxonomy's row order."""
    devs = counted(runtime)
    by_id = {d.id: d for d in deviations(runtime)}
    opened = [c for c in cases(runtime) if c.opened_on.year == year]
    rows = []
    for category, subcategory in DEFAULT_TAXONOMY.rows():

        def in_row(d: Deviation, category: str = category, sub: str | None = subcategory) -> bool:
            return d.category == category and (sub is None or d.subcategory == sub)

        ifo = sum(1 for d in devs if d.reported_on.year == year and d.operation.value == "IFO"
                  and in_row(d))
        hvb = sum(1 for d in devs if d.reported_on.year == year and d.operation.value == "HVB"
                  and in_row(d))
        lex = sum(1 for c in opened if in_row(by_id[c.deviation_id]))
        rows.append((category, subcategory, ifo, hvb, ifo + hvb, lex))
    return rows


def expected_recurrence(runtime: Runtime, today: date, threshold: int) -> list[tuple[Any, ...]]:
    # Rolling three months: later than the same day three months back, up to today.
    back = add_months(today, -3)
    groups = Counter(
        (d.unit, d.category, d.subcategory)
        for d in counted(runtime)
        if back < d.reported_on <= today
    )
    return sorted((u, c, s or "", n, n >= threshold) for (u, c, s), n in groups.items())


def received_at(days_ago: int, hour: int = 9) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour)
