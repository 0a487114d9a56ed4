"""Which months have data at all: "uppgift saknas" is not the same as 0.

A month has data when the tracker was in use then (from the first month any deviation was
reported in it, withdrawn ones included, imported ones not) or an import that is not undone
gives figures for it. A whole-year imported figure gives the year data (its total and its
annual table) but none of its months. A month that has not begun has none. Every chart,
table and document asks this one function and shows the other months as "uppgift saknas",
never as 0, and footnotes the months that come from imported data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from events.calendar import MONTH_NAMES
from events.deviation import Source
from projections import tables as t

MISSING = "uppgift saknas"


@dataclass(frozen=True)
class DataMonths:
    """The months with data: those filed in the tracker, from `first` (year, month) up to
    `last`, and the `imported` ones; `imported_years` have a whole-year imported figure."""

    first: tuple[int, int] | None
    last: tuple[int, int]
    imported: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    imported_years: frozenset[int] = field(default_factory=frozenset)

    def filed(self, year: int, month: int) -> bool:
        return self.first is not None and self.first <= (year, month) <= self.last

    def is_imported(self, year: int, month: int) -> bool:
        return (year, month) in self.imported and (year, month) <= self.last

    def has(self, year: int, month: int) -> bool:
        return self.filed(year, month) or self.is_imported(year, month)

    def has_year(self, year: int) -> bool:
        return year in self.imported_years or any(self.has(year, m) for m in range(1, 13))

    def mask(self, year: int, counts: Iterable[int]) -> list[int | None]:
        """Twelve monthly counts with None where the month has no data."""
        return [n if self.has(year, m) else None for m, n in enumerate(counts, start=1)]

    def imported_in(self, years: Iterable[int]) -> list[tuple[int, int | None]]:
        """(year, month) of the imported months in `years`, (year, None) for a whole-year
        figure: what a footnote names."""
        wanted = set(years)
        found: list[tuple[int, int | None]] = [
            (y, m) for y, m in sorted(self.imported) if y in wanted and (y, m) <= self.last
        ]
        found += [(y, None) for y in sorted(self.imported_years) if y in wanted]
        return sorted(found, key=lambda p: (p[0], p[1] or 0))

    def footnote(self, years: Iterable[int]) -> str | None:
        """"Imported data: 2016 januari–december; 2015 (helår)." or None."""
        periods = self.imported_in(years)
        if not periods:
            return None
        parts = []
        for year in sorted({y for y, _ in periods}):
            months = [m for y, m in periods if y == year and m is not None]
            if months:
                parts.append(f"{year} {_ranges(months)}")
            if (year, None) in periods:
                parts.append(f"{year} (helår)")
        return "Från importerade uppgifter: " + "; ".join(parts) + "."


def _ranges(months: list[int]) -> str:
    runs: list[list[int]] = []
    for month in sorted(months):
        if runs and runs[-1][-1] == month - 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    names = [
        MONTH_NAMES[r[0] - 1] if len(r) == 1
        else f"{MONTH_NAMES[r[0] - 1]}–{MONTH_NAMES[r[-1] - 1]}"
        for r in runs
    ]
    return ", ".join(names)


def active_imports() -> sa.Select[tuple[object]]:
    return sa.select(t.imports.c.id).where(t.imports.c.undone_at.is_(None))


def months_with_data(engine: sa.Engine, until: date) -> DataMonths:
    """Months with data up to `until`'s month (today, or the end of a report's period)."""
    coverage = t.import_coverage
    with engine.connect() as connection:
        first_day = connection.execute(
            sa.select(sa.func.min(t.deviations.c.reported_on))
            .where(t.deviations.c.source != Source.IMPORT.value)
        ).scalar()
        periods = connection.execute(
            sa.select(coverage.c.year, coverage.c.month)
            .where(coverage.c.import_id.in_(active_imports()))
            .distinct()
        ).all()
    if isinstance(first_day, str):  # SQLite without type information in an aggregate
        first_day = date.fromisoformat(first_day)
    first = (first_day.year, first_day.month) if first_day is not None else None
    return DataMonths(
        first,
        (until.year, until.month),
        frozenset((y, m) for y, m in periods if m),
        frozenset(y for y, m in periods if not m and y <= until.year),
    )
