"""Which months have data at all: "uppgift saknas" is not the same as 0.

A month before the tracker was taken into use has no figure (nothing was counted then), and
neither has a month that has not begun. Every chart, table and document asks this one
function and shows such months as "uppgift saknas", never as 0. For now a month has data
from the first month any deviation was reported in the tracker (withdrawn ones included:
the tracker was in use then); importing older figures (a later feature) extends it here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from projections import tables as t

MISSING = "uppgift saknas"


@dataclass(frozen=True)
class DataMonths:
    """The months that have data: from `first` (year, month) up to and including `last`."""

    first: tuple[int, int] | None
    last: tuple[int, int]

    def has(self, year: int, month: int) -> bool:
        return self.first is not None and self.first <= (year, month) <= self.last

    def has_year(self, year: int) -> bool:
        return any(self.has(year, month) for month in range(1, 13))

    def mask(self, year: int, counts: Iterable[int]) -> list[int | None]:
        """Twelve monthly counts with None where the month has no data."""
        return [n if self.has(year, m) else None for m, n in enumerate(counts, start=1)]


def months_with_data(engine: sa.Engine, until: date) -> DataMonths:
    """Months with data up to `until`'s month (today, or the end of a report's period)."""
    with engine.connect() as connection:
        first_day = connection.execute(sa.select(sa.func.min(t.deviations.c.reported_on))).scalar()
    if isinstance(first_day, str):  # SQLite without type information in an aggregate
        first_day = date.fromisoformat(first_day)
    first = (first_day.year, first_day.month) if first_day is not None else None
    return DataMonths(first, (until.year, until.month))
