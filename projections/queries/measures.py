"""Measures beyond the task list: the follow-ups that have come due, the evidence beside an
effect judgement (deviations of the same kind at the same unit before and after the
measure), and the deviations whose risk score suggests a Lex Sarah investigation."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from events.clocks import add_months
from events.deviation import DeviationStatus, MeasureStatus
from events.risk import SCALE
from projections import tables as t
from projections.queries._rows import readable


def follow_ups_due(
    engine: sa.Engine,
    today: date,
    *,
    responsible: str | None = None,
    units: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Completed measures whose effect is to be judged on or before today (the deviation
    not withdrawn), the longest waiting first; for one responsible person
    and/or within `units` (None = all)."""
    m, d = t.todo_measures, t.todo_deviations
    query = (
        sa.select(*readable(m))
        .join(d, d.c.id == m.c.deviation_id)
        .where(
            m.c.follow_up_on <= today,
            m.c.status == MeasureStatus.COMPLETED.value,  # only a completed one is judged
            d.c.status != DeviationStatus.WITHDRAWN.value,
        )
    )
    if responsible is not None:
        query = query.where(m.c.responsible_key == responsible)  # blind index
    if units is not None:
        query = query.where(m.c.unit.in_(list(units)))
    query = query.order_by(m.c.follow_up_on, m.c.deviation_number, m.c.measure)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


@dataclass(frozen=True)
class Evidence:
    """Other deviations of the same unit and (sub)category, reported in the `days` before
    the measure was completed (up to and including that day) and in as many days after."""

    completed_on: date
    until: date  # the end of the "after" period: the follow-up day, or today
    days: int
    before: int
    after: int

    @property
    def before_from(self) -> date:
        return self.completed_on - timedelta(days=self.days - 1)

    @property
    def after_from(self) -> date:
        return self.completed_on + timedelta(days=1)


def effect_evidence(
    engine: sa.Engine,
    deviation_id: UUID,
    *,
    unit: str,
    category: str,
    subcategory: str | None,
    completed_on: date,
    until: date,
) -> Evidence | None:
    """None while no day has passed since the completion. Withdrawn deviations and the
    measure's own deviation are not counted; the unit and classification are the current
    ones (after a move or a reclassification)."""
    days = (until - completed_on).days
    if days <= 0:
        return None
    d = t.deviations
    same_kind = [
        d.c.unit == unit,
        d.c.category == category,
        d.c.subcategory.is_(None) if subcategory is None else d.c.subcategory == subcategory,
        d.c.status != DeviationStatus.WITHDRAWN.value,
        d.c.id != deviation_id,
    ]

    def count(first: date, last: date) -> Any:
        return (
            sa.select(sa.func.count()).select_from(d)
            .where(*same_kind, d.c.reported_on.between(first, last)).scalar_subquery()
        )

    before = count(completed_on - timedelta(days=days - 1), completed_on)
    after = count(completed_on + timedelta(days=1), until)
    with engine.connect() as connection:
        row = connection.execute(sa.select(before, after)).one()
    return Evidence(completed_on, until, days, int(row[0]), int(row[1]))


def risk_suggestions(
    engine: sa.Engine, threshold: int, *, units: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """Open deviations not yet raised to Lex Sarah whose risk score is at or above the
    threshold (events.risk.suggests_lex_sarah), highest score first."""
    d = t.deviations
    query = sa.select(
        d.c.id, d.c.number, d.c.unit, d.c.category, d.c.subcategory, d.c.reported_on,
        d.c.risk_score,
    ).where(
        d.c.risk_score >= threshold,
        d.c.status == DeviationStatus.OPEN.value,
        d.c.lex_sarah_case_id.is_(None),
    )
    if units is not None:
        query = query.where(d.c.unit.in_(list(units)))
    query = query.order_by(d.c.risk_score.desc(), d.c.reported_on, d.c.number)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def month_span(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    return first, add_months(first, 1) - timedelta(days=1)


def risk_table(engine: sa.Engine, first: date, last: date) -> dict[str, Any]:
    """The month's (or any period's) scores for the monthly report: {"rows": [{score,
    count}] for every possible score, "assessed", "not_assessed"}."""
    counts = risk_distribution(engine, first, last)
    rows = [{"score": score, "count": n} for score, n in counts.items() if score is not None]
    assessed = sum(row["count"] for row in rows)
    return {"rows": rows, "assessed": assessed, "not_assessed": counts[None]}


def risk_distribution(engine: sa.Engine, first: date, last: date) -> dict[int | None, int]:
    """{score: deviations reported in [first, last]} (withdrawn ones left out), every
    possible score present (zeros too), None for those not assessed."""
    d = t.deviations
    query = (
        sa.select(d.c.risk_score, sa.func.count())
        .where(d.c.reported_on.between(first, last),
               d.c.status != DeviationStatus.WITHDRAWN.value)
        .group_by(d.c.risk_score)
    )
    scores = sorted({p * c for p in SCALE for c in SCALE})
    counts: dict[int | None, int] = dict.fromkeys([*scores, None], 0)
    with engine.connect() as connection:
        for score, n in connection.execute(query):
            counts[score] = int(n)
    return counts
