"""Gallring as the pages and the plan need it: which cases are on hold, and what of each
case was erased, under which rule and when (events/retention.py)."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.retention import RetentionRecord
from projections import tables as t
from projections.views.base import View


class RetentionRecords(View):
    name = "retention_records"
    tables = (t.retention_records,)
    handles = (
        RetentionRecord.Started, RetentionRecord.HoldPlaced, RetentionRecord.HoldReleased,
        RetentionRecord.ContentErased,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @process_event.register
    def _(self, event: RetentionRecord.Started, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(t.retention_records, dict(
                id=event.originator_id, case_id=event.case_id, case_kind=event.case_kind,
                active_holds=0, erased_kinds="", rule=None, erased_on=None,
                erased_by=None,
            ))

    @process_event.register
    def _(self, event: RetentionRecord.HoldPlaced, tracking: Tracking) -> None:
        self._holds(event, tracking, 1)

    @process_event.register
    def _(self, event: RetentionRecord.HoldReleased, tracking: Tracking) -> None:
        self._holds(event, tracking, -1)

    def _holds(self, event: Any, tracking: Tracking, step: int) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.retention_records, id=event.originator_id)
            if row is not None:
                rows.change(t.retention_records, {"id": event.originator_id},
                            active_holds=row["active_holds"] + step)

    @process_event.register
    def _(self, event: RetentionRecord.ContentErased, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.retention_records, id=event.originator_id)
            if row is None:
                return
            kinds = sorted(set(row["erased_kinds"].split()) | set(event.kinds))
            rows.change(t.retention_records, {"id": event.originator_id},
                        erased_kinds=" ".join(kinds), rule=event.rule, erased_on=event.on,
                        erased_by=event.actor)
