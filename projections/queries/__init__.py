"""Read functions over the views, one module per aggregate (and one for the rollups).
First argument an Engine; plain dicts and dataclasses out. `from projections import
queries` then `queries.<function>` is the public way in."""

from __future__ import annotations

from projections.queries.child_reports import (
    UNDECIDED,
    child_reports,
    clock_row,
    deadline_board,
    overdue_candidates,
    upcoming_deadlines,
)
from projections.queries.complaints import (
    ACKNOWLEDGE_CLOCK,
    ANSWER_CLOCK,
    ComplaintClock,
    ComplaintCounts,
    complaint_board,
    complaint_clocks,
    complaint_counts,
    complaint_row,
    complaints,
    first_complaint_on,
    has_complaint_data,
    joint_counts,
)
from projections.queries.deviations import Page, list_deviations
from projections.queries.history_imports import import_summary, imports
from projections.queries.ivo_statistics import RowCounts, ivo_reports_by_row, lex_sarah_by_row
from projections.queries.lex_sarah import escalations, lex_sarah_board, lex_sarah_clocks
from projections.queries.reports import (
    OPERATIONS,
    annual_report,
    monthly_report,
    monthly_series,
    recurrence,
    recurrence_window,
    yearly_totals,
)
from projections.queries.search import (
    MATCH_LIMIT,
    SearchResult,
    SearchScope,
    exact_number,
    search_cases,
)

__all__ = [
    "ACKNOWLEDGE_CLOCK",
    "ANSWER_CLOCK",
    "MATCH_LIMIT",
    "OPERATIONS",
    "UNDECIDED",
    "ComplaintClock",
    "ComplaintCounts",
    "Page",
    "RowCounts",
    "SearchResult",
    "SearchScope",
    "annual_report",
    "child_reports",
    "clock_row",
    "complaint_board",
    "complaint_clocks",
    "complaint_counts",
    "complaint_row",
    "complaints",
    "deadline_board",
    "escalations",
    "exact_number",
    "first_complaint_on",
    "has_complaint_data",
    "import_summary",
    "imports",
    "ivo_reports_by_row",
    "joint_counts",
    "lex_sarah_board",
    "lex_sarah_by_row",
    "lex_sarah_clocks",
    "list_deviations",
    "monthly_report",
    "monthly_series",
    "overdue_candidates",
    "recurrence",
    "recurrence_window",
    "search_cases",
    "upcoming_deadlines",
    "yearly_totals",
]
