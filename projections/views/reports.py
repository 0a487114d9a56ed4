"""The rollups' views: monthly counts, the annual table and the recurrence members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.deviation import Deviation
from events.lex_sarah import LexSarahCase
from projections import tables as t
from projections.rows import Rows
from projections.views.base import View, sub

# --- monthly counts -----------------------------------------------------------------


class MonthlyCounts(View):
    """(year, month of reported_on, operation, unit, category, subcategory) -> count."""

    name = "monthly_counts"
    tables = (t.monthly_counts, t.monthly_members)
    handles = (
        Deviation.Reported, Deviation.Reclassified, Deviation.Withdrawn, Deviation.MovedToUnit
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @staticmethod
    def _key(member: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: member[name]
            for name in ("year", "month", "operation", "unit", "category", "subcategory")
        }

    @staticmethod
    def _member(rows: Rows, deviation_id: UUID) -> dict[str, Any] | None:
        return rows.get(t.monthly_members, deviation_id=deviation_id)

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:
        member = {
            "deviation_id": event.originator_id,
            "year": event.reported_on.year,
            "month": event.reported_on.month,
            "operation": event.operation.value,
            "unit": event.unit,
            "category": event.category,
            "subcategory": sub(event.subcategory),
        }
        with self.view.transaction(tracking) as rows:
            rows.add(t.monthly_members, member)
            rows.bump(t.monthly_counts, self._key(member))

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            rows.bump(t.monthly_counts, self._key(member), delta=-1)
            member |= {"category": event.category, "subcategory": sub(event.subcategory)}
            rows.bump(t.monthly_counts, self._key(member))
            rows.change(
                t.monthly_members, {"deviation_id": event.originator_id},
                category=member["category"], subcategory=member["subcategory"],
            )

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            rows.bump(t.monthly_counts, self._key(member), delta=-1)
            rows.remove(t.monthly_members, deviation_id=event.originator_id)

    @process_event.register
    def _(self, event: Deviation.MovedToUnit, tracking: Tracking) -> None:
        # The deviation counts under its new unit (and operation) from the move on.
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            rows.bump(t.monthly_counts, self._key(member), delta=-1)
            member |= {"unit": event.unit, "operation": event.operation.value}
            rows.bump(t.monthly_counts, self._key(member))
            rows.change(
                t.monthly_members, {"deviation_id": event.originator_id},
                unit=member["unit"], operation=member["operation"],
            )


# --- annual table -------------------------------------------------------------------


class AnnualTable(View):
    """(year, category, subcategory, operation) -> deviations reported that year, and Lex
    Sarah investigations opened that year from deviations now classified in that row."""

    name = "annual_table"
    tables = (t.annual_counts, t.annual_members)
    handles = (
        Deviation.Reported,
        Deviation.Reclassified,
        Deviation.Withdrawn,
        Deviation.ImportRecorded,
        Deviation.MovedToUnit,
        LexSarahCase.Opened,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @staticmethod
    def _member(rows: Rows, deviation_id: UUID) -> dict[str, Any] | None:
        return rows.get(t.annual_members, deviation_id=deviation_id)

    @staticmethod
    def _count(rows: Rows, member: Mapping[str, Any], delta: int) -> None:
        """Add the member's deviation count, and its Lex Sarah count if it has one."""
        row = {k: member[k] for k in ("category", "subcategory", "operation")}
        rows.bump(t.annual_counts, {"year": member["year"], **row}, "deviations", delta)
        if member["lex_sarah_year"] is not None:
            rows.bump(
                t.annual_counts,
                {"year": member["lex_sarah_year"], **row}, "lex_sarah", delta,
            )

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:
        member = {
            "deviation_id": event.originator_id,
            "year": event.reported_on.year,
            "operation": event.operation.value,
            "category": event.category,
            "subcategory": sub(event.subcategory),
            "lex_sarah_year": None,
        }
        with self.view.transaction(tracking) as rows:
            rows.add(t.annual_members, member)
            self._count(rows, member, 1)

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            self._count(rows, member, -1)
            member |= {"category": event.category, "subcategory": sub(event.subcategory)}
            self._count(rows, member, 1)
            rows.change(
                t.annual_members, {"deviation_id": event.originator_id},
                category=member["category"], subcategory=member["subcategory"],
            )

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None:
                return
            self._count(rows, member, -1)
            rows.remove(t.annual_members, deviation_id=event.originator_id)

    @process_event.register
    def _(self, event: Deviation.MovedToUnit, tracking: Tracking) -> None:
        # A move to a unit of the other operation moves its row of the table.
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if member is None or member["operation"] == event.operation.value:
                return
            self._count(rows, member, -1)
            member |= {"operation": event.operation.value}
            self._count(rows, member, 1)
            rows.change(
                t.annual_members, {"deviation_id": event.originator_id},
                operation=member["operation"],
            )

    @process_event.register
    def _(self, event: Deviation.ImportRecorded, tracking: Tracking) -> None:
        # A row marked Lex Sarah in an imported file counts in its reported year.
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.originator_id)
            if not event.lex_sarah or member is None or member["lex_sarah_year"] is not None:
                return
            row = {k: member[k] for k in ("category", "subcategory", "operation")}
            rows.bump(t.annual_counts, {"year": member["year"], **row}, "lex_sarah")
            rows.change(
                t.annual_members, {"deviation_id": event.originator_id},
                lex_sarah_year=member["year"],
            )

    @process_event.register
    def _(self, event: LexSarahCase.Opened, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            member = self._member(rows, event.deviation_id)
            if member is None or member["lex_sarah_year"] is not None:
                return
            year = event.opened_on.year
            rows.bump(
                t.annual_counts,
                {
                    "year": year,
                    "category": member["category"],
                    "subcategory": member["subcategory"],
                    "operation": member["operation"],
                },
                "lex_sarah",
            )
            rows.change(
                t.annual_members, {"deviation_id": event.deviation_id},
                lex_sarah_year=year,
            )


# --- recurrence ---------------------------------------------------------------------


class Recurrence(View):
    """Counted deviations by unit and (sub)category with their reported date."""

    name = "recurrence"
    tables = (t.recurrence_members,)
    handles = (
        Deviation.Reported, Deviation.Reclassified, Deviation.Withdrawn, Deviation.MovedToUnit
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    @process_event.register
    def _(self, event: Deviation.Reported, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(
                t.recurrence_members, dict(
                    deviation_id=event.originator_id,
                    unit=event.unit,
                    operation=event.operation.value,
                    category=event.category,
                    subcategory=sub(event.subcategory),
                    reported_on=event.reported_on,
                )
            )

    @process_event.register
    def _(self, event: Deviation.Reclassified, tracking: Tracking) -> None:
        table = t.recurrence_members
        with self.view.transaction(tracking) as rows:
            rows.change(
                table, {"deviation_id": event.originator_id},
                category=event.category, subcategory=sub(event.subcategory),
            )

    @process_event.register
    def _(self, event: Deviation.Withdrawn, tracking: Tracking) -> None:
        table = t.recurrence_members
        with self.view.transaction(tracking) as rows:
            rows.remove(table, deviation_id=event.originator_id)

    @process_event.register
    def _(self, event: Deviation.MovedToUnit, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(
                t.recurrence_members, {"deviation_id": event.originator_id},
                unit=event.unit, operation=event.operation.value,
            )
