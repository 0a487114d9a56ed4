"""Klagomål och synpunkter as the inbox, the clocks and the counts see them
(view_complaints): codes and dates, never the text."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from events.complaint import Complaint, ComplaintStatus
from projections import tables as t
from projections.views.base import View


class Complaints(View):
    name = "complaints"
    tables = (t.complaints,)
    handles = (
        Complaint.Received,
        Complaint.Acknowledged,
        Complaint.Routed,
        Complaint.Answered,
        Complaint.SenderMessageAdded,
        Complaint.DeviationLinked,
        Complaint.EscalatedToLexSarah,
        Complaint.Closed,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.view.transaction(tracking):
            pass

    def _set(self, tracking: Tracking, complaint_id: UUID, **values: Any) -> None:
        with self.view.transaction(tracking) as rows:
            rows.change(t.complaints, {"id": complaint_id}, **values)

    @process_event.register
    def _(self, event: Complaint.Received, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            rows.add(t.complaints, dict(
                id=event.originator_id, number=event.number, kind=event.kind.value,
                unit=event.unit, operation=event.operation.value if event.operation else None,
                category=None, sender=event.sender.value, channel=event.channel.value,
                contact_wish=event.contact_wish.value, received_on=event.received_on,
                routed=False, acknowledged_on=None, answered_on=None, sender_messages=0,
                last_sender_message_on=None, last_answer_on=None, deviation_id=None,
                deviation_number=None, lex_sarah_number=None, closed_on=None, outcome=None,
                status=ComplaintStatus.RECEIVED.value,
            ))

    @process_event.register
    def _(self, event: Complaint.Acknowledged, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, acknowledged_on=event.acknowledged_on)

    @process_event.register
    def _(self, event: Complaint.Routed, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.complaints, id=event.originator_id)
            if row is None:
                return
            status = row["status"]
            if status == ComplaintStatus.RECEIVED.value:
                status = ComplaintStatus.INVESTIGATING.value
            rows.change(
                t.complaints, {"id": event.originator_id}, unit=event.unit,
                operation=event.operation.value, category=event.category, routed=True,
                acknowledged_on=row["acknowledged_on"] or event.routed_on, status=status,
            )

    @process_event.register
    def _(self, event: Complaint.Answered, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.complaints, id=event.originator_id)
            if row is None:
                return
            rows.change(
                t.complaints, {"id": event.originator_id},
                answered_on=row["answered_on"] or event.answered_on,
                last_answer_on=event.answered_on,
                status=ComplaintStatus.ANSWERED.value
                if row["closed_on"] is None else row["status"],
            )

    @process_event.register
    def _(self, event: Complaint.SenderMessageAdded, tracking: Tracking) -> None:
        with self.view.transaction(tracking) as rows:
            row = rows.get(t.complaints, id=event.originator_id)
            if row is None:
                return
            rows.change(
                t.complaints, {"id": event.originator_id},
                sender_messages=row["sender_messages"] + 1,
                last_sender_message_on=event.added_on,
            )

    @process_event.register
    def _(self, event: Complaint.DeviationLinked, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, deviation_id=event.deviation_id,
                  deviation_number=event.deviation_number)

    @process_event.register
    def _(self, event: Complaint.EscalatedToLexSarah, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, lex_sarah_number=event.lex_sarah_number)

    @process_event.register
    def _(self, event: Complaint.Closed, tracking: Tracking) -> None:
        self._set(tracking, event.originator_id, closed_on=event.closed_on,
                  outcome=event.outcome.value, status=ComplaintStatus.CLOSED.value)
