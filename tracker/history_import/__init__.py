"""Earlier years from a spreadsheet: read (.xlsx or .csv), check every cell, preview; the
application's HistoryImportCommands store a checked file as events."""

from tracker.history_import.checking import Preview, Problem, preview
from tracker.history_import.reading import COLUMNS, read_table

__all__ = ["COLUMNS", "Preview", "Problem", "preview", "read_table"]
