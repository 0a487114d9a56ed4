"""The provable timeline of a Lex Sarah case or a child report (events/timeline.py) as the
page, the PDF annex and the API give it: one entry per legal clock."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from events.timeline import TimelineEntry, child_report_timeline, lex_sarah_timeline
from web.runtime import application, runtime


def _entry(entry: TimelineEntry) -> dict[str, Any]:
    found = asdict(entry)
    found["status"] = entry.status.value if entry.status is not None else None
    found["events"] = list(entry.events)
    return found


def lex_sarah_case_timeline(case_id: UUID) -> dict[str, Any]:
    app = application()
    case = app.get_lex_sarah_case(case_id)
    deviation = app.get_deviation(case.deviation_id)
    entries = lex_sarah_timeline(
        case, app.today(), ivo_target_days=runtime().settings.ivo_target_days,
        occurred_on=deviation.occurred_on, reported_on=deviation.reported_on,
    )
    return {"id": case.id, "number": case.number, "kind": "lex_sarah", "unit": case.unit,
            "as_of": app.today(), "entries": [_entry(e) for e in entries]}


def child_report_case_timeline(report_id: UUID) -> dict[str, Any]:
    app = application()
    report = app.get_child_report(report_id)
    cutoff = runtime().settings.protection_cutoff.strftime("%H:%M")
    entries = child_report_timeline(report, app.today(), cutoff=cutoff)
    return {"id": report.id, "number": report.number, "kind": "child_report",
            "unit": report.unit, "as_of": app.today(), "entries": [_entry(e) for e in entries]}
