"""The projections: each keeps one view (its own tables) from the tracker's domain events,
one module per aggregate (and one for the rollups). VIEWS is the one list the runner and
the rebuild use: a new view is added there."""

from __future__ import annotations

from projections.views.base import View
from projections.views.case_files import CaseFiles
from projections.views.child_reports import Deadlines, watch_columns
from projections.views.complaints import Complaints
from projections.views.deviations import DeviationList
from projections.views.history_imports import HistoryImports
from projections.views.lex_sarah import Escalations, LexSarahClocks
from projections.views.reports import AnnualTable, MonthlyCounts, Recurrence
from projections.views.retention import RetentionRecords
from projections.views.todo import ToDo

__all__ = [
    "VIEWS",
    "AnnualTable",
    "CaseFiles",
    "Complaints",
    "Deadlines",
    "DeviationList",
    "Escalations",
    "HistoryImports",
    "LexSarahClocks",
    "MonthlyCounts",
    "Recurrence",
    "RetentionRecords",
    "ToDo",
    "View",
    "watch_columns",
]

VIEWS: dict[str, type[View]] = {
    view.name: view
    for view in (
        DeviationList, MonthlyCounts, AnnualTable, Escalations, Deadlines, Recurrence, ToDo,
        HistoryImports, LexSarahClocks, CaseFiles, Complaints, RetentionRecords,
    )
}
