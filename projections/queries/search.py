"""Finding cases by their number (AV-/AN-/LS-/KS-) or by the case reference (diarienummer) of a
deviation or child report, within a reader's scope. The scope is given (web/policy.py
builds it from the same rules as the lists); nothing outside it is read into a result, so
a case the reader may not open answers exactly like one that does not exist."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from events.numbering import SeriesKind
from projections import tables as t

# At most this many matches are listed; more means "narrow the search".
MATCH_LIMIT = 50
# Case references are encrypted at rest, so they are matched in Python over the reader's
# scoped rows, newest first, at most this many per kind (bounded work per search).
REFERENCE_SCAN_LIMIT = 20000

_PREFIXES = "|".join(kind.value for kind in SeriesKind)
# "AV-2026-0042" as the tracker writes it; also "av 2026-42" or "AV-2026-042" as typed.
_NUMBER = re.compile(rf"^({_PREFIXES})\s*-?\s*(\d{{4}})\s*-\s*(\d{{1,6}})$", re.IGNORECASE)


def exact_number(text: str) -> str | None:
    """The case number `text` names, written as the tracker writes it; None when it is
    not a whole number."""
    found = _NUMBER.match(text.strip())
    if found is None:
        return None
    prefix, year, sequence = found.groups()
    return f"{prefix.upper()}-{year}-{int(sequence):04d}"


@dataclass(frozen=True)
class SearchScope:
    """What a reader's lists show. Units: None = every unit, empty = none."""

    deviation_units: Collection[str] | None
    deviation_reporter: str | None  # their own reports, whatever the unit
    child_report_units: Collection[str] | None
    child_report_handler: str | None  # the reports they handle, whatever the unit
    lex_sarah: bool
    # Klagomål och synpunkter (KS-): None = every one, also those without a unit.
    complaint_units: Collection[str] | None = frozenset()


@dataclass
class SearchResult:
    hits: list[dict[str, Any]]
    more: bool  # more matched than MATCH_LIMIT


def _scoped(
    unit_column: sa.Column[Any], units: Collection[str] | None,
    own: sa.ColumnElement[bool] | None,
) -> sa.ColumnElement[bool]:
    parts: list[sa.ColumnElement[bool]] = []
    if units is None:
        return sa.true()
    if units:
        parts.append(unit_column.in_(list(units)))
    if own is not None:
        parts.append(own)
    return sa.or_(*parts) if parts else sa.false()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_cases(
    engine: sa.Engine, text: str, scope: SearchScope, *, limit: int = MATCH_LIMIT
) -> SearchResult:
    """Cases in `scope` whose number contains `text` (case-insensitive), or whose case
    reference contains it; numbers first, then by number."""
    needle = text.strip()
    pattern = _like(exact_number(needle) or needle.upper())
    folded = needle.casefold()
    deviations, reports, cases = t.deviations, t.child_reports, t.escalations
    deviation_scope = _scoped(
        deviations.c.unit, scope.deviation_units,
        None if scope.deviation_reporter is None
        else deviations.c.reporter == scope.deviation_reporter,
    )
    report_scope = _scoped(
        reports.c.unit, scope.child_report_units,
        None if scope.child_report_handler is None
        else reports.c.handler_key == scope.child_report_handler,  # blind index
    )
    found: dict[Any, dict[str, Any]] = {}

    def add(kind: str, row: Any, matched: str, reference: str | None) -> None:
        found.setdefault(row["id"], {
            "kind": kind, "id": row["id"], "number": row["number"], "unit": row["unit"],
            "case_reference": reference, "matched": matched,
            # Whose case it is, for the case pages' own rule (asked again by the caller).
            "reporter": row.get("reporter"), "handler": row.get("handler"),
        })

    with engine.connect() as connection:
        for row in connection.execute(
            sa.select(deviations.c.id, deviations.c.number, deviations.c.unit,
                      deviations.c.case_reference, deviations.c.reporter)
            .where(deviation_scope, deviations.c.number.like(pattern, escape="\\"))
            .order_by(deviations.c.number.desc()).limit(limit + 1)
        ).mappings():
            add("deviation", row, "number", row["case_reference"])
        for row in connection.execute(
            sa.select(reports.c.id, reports.c.number, reports.c.unit, reports.c.case_reference,
                      reports.c.handler)
            .where(report_scope, reports.c.number.like(pattern, escape="\\"))
            .order_by(reports.c.number.desc()).limit(limit + 1)
        ).mappings():
            add("child_report", row, "number", row["case_reference"])
        complaint_scope = _scoped(t.complaints.c.unit, scope.complaint_units, None)
        for row in connection.execute(
            sa.select(t.complaints.c.id, t.complaints.c.number, t.complaints.c.unit)
            .where(complaint_scope, t.complaints.c.number.like(pattern, escape="\\"))
            .order_by(t.complaints.c.number.desc()).limit(limit + 1)
        ).mappings():
            add("complaint", row, "number", None)
        if scope.lex_sarah:
            for row in connection.execute(
                sa.select(cases.c.id, cases.c.number, cases.c.unit)
                .where(cases.c.number.like(pattern, escape="\\"))
                .order_by(cases.c.number.desc()).limit(limit + 1)
            ).mappings():
                add("lex_sarah", row, "number", None)
        for row in connection.execute(
            sa.select(deviations.c.id, deviations.c.number, deviations.c.unit,
                      deviations.c.case_reference, deviations.c.reporter)
            .where(deviation_scope, deviations.c.case_reference.is_not(None))
            .order_by(deviations.c.reported_on.desc(), deviations.c.number.desc())
            .limit(REFERENCE_SCAN_LIMIT)
        ).mappings():
            if folded in (row["case_reference"] or "").casefold():
                add("deviation", row, "case_reference", row["case_reference"])
        for row in connection.execute(
            sa.select(reports.c.id, reports.c.number, reports.c.unit, reports.c.case_reference,
                      reports.c.handler)
            .where(report_scope)
            .order_by(reports.c.received_at.desc(), reports.c.number.desc())
            .limit(REFERENCE_SCAN_LIMIT)
        ).mappings():
            if folded in row["case_reference"].casefold():
                add("child_report", row, "case_reference", row["case_reference"])
    hits = sorted(found.values(), key=lambda h: (h["matched"] != "number", h["number"]))
    return SearchResult(hits[:limit], len(hits) > limit)
