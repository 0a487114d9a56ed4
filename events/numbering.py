"""Human-readable, gap-free numbers per kind and year (AV-2026-0042), event-sourced so
that two clerks filing at once can never get the same number: the series is saved in
the same transaction as the case, and a conflict makes the application retry."""

from __future__ import annotations

import enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class SeriesKind(enum.Enum):
    DEVIATION = "AV"
    LEX_SARAH = "LS"
    CHILD_REPORT = "AN"
    COMPLAINT = "KS"  # klagomål och synpunkter


class NumberSeries(Aggregate):
    @staticmethod
    def create_id(kind: SeriesKind, year: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"/tracker/number-series/{kind.value}/{year}")

    @event("Started")
    def __init__(self, kind: SeriesKind, year: int) -> None:
        self.kind = kind
        self.year = year
        self.last = 0

    def issue(self) -> str:
        self._issued(sequence=self.last + 1)
        return f"{self.kind.value}-{self.year}-{self.last:04d}"

    @event("NumberIssued")
    def _issued(self, sequence: int) -> None:
        self.last = sequence
