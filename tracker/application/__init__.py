"""The command side: one eventsourcing Application for deviations, Lex Sarah cases and
child reports. Every command is get -> call -> save (base.ApplicationBase._command);
organisation data (units, taxonomy) is checked on every command.

To add commands for a new aggregate: a module here with a mixin class derived from
base.ApplicationBase (importing from base, not from this package), added to the bases of
TrackerApplication below."""

from __future__ import annotations

from tracker.application.base import (
    NUMBERING_ATTEMPTS,
    SCHEDULER_ACTOR,
    ConflictError,
    HistoryEntry,
    NotFound,
)
from tracker.application.casework import CaseworkCommands
from tracker.application.child_reports import ChildReportCommands, breach_deviation_id
from tracker.application.committee_reports import CommitteeReportCommands
from tracker.application.complaints import ComplaintCommands
from tracker.application.deviation_review import DeviationReviewCommands
from tracker.application.deviations import DeviationCommands, PlannedMeasure
from tracker.application.history_imports import HistoryImportCommands
from tracker.application.lex_sarah import (
    InvestigationItem,
    KindNotApplicable,
    LexSarahCommands,
    NewFinding,
)

__all__ = [
    "NUMBERING_ATTEMPTS",
    "SCHEDULER_ACTOR",
    "ConflictError",
    "HistoryEntry",
    "InvestigationItem",
    "KindNotApplicable",
    "NewFinding",
    "NotFound",
    "PlannedMeasure",
    "TrackerApplication",
    "breach_deviation_id",
]


class TrackerApplication(
    DeviationCommands, DeviationReviewCommands, LexSarahCommands, ChildReportCommands,
    CommitteeReportCommands, HistoryImportCommands, CaseworkCommands, ComplaintCommands,
):
    """Every command of the tracker, one mixin per aggregate."""

    # Set on the class itself: eventsourcing names each subclass after itself, and this
    # name is stored (tracking rows, environment prefix).
    name = "tracker"
