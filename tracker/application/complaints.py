"""Klagomål och synpunkter: receiving (the public page, the API, or staff registering one that
came by phone, letter or visit), routing, answering, the sender's messages, the link to a
deviation or Lex Sarah, closing. The receipt code is made here and shown once: only the
keyed hash of it (the case's id, events.complaint.receipt_id) is stored."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from events.base import check_not_future
from events.complaint import (
    Channel,
    Complaint,
    ComplaintKind,
    ContactWish,
    Outcome,
    SenderCategory,
    new_receipt_code,
    receipt_id,
)
from events.deviation import Deviation, Source
from events.errors import StepOutOfOrder, UnknownCode
from events.lex_sarah import LexSarahCase
from events.numbering import SeriesKind
from tracker.application.base import ApplicationBase, ConflictError, NotFound


class ComplaintCommands(ApplicationBase):
    # The key of the receipt codes' hash: set by the runtime from the secret key, which is
    # not in the database (so the database alone cannot test a code).
    receipt_key: bytes = b"tracker-complaint-receipts"

    def get_complaint(self, complaint_id: UUID) -> Complaint:
        return self._get(Complaint, complaint_id)

    def complaint_by_receipt(self, code: str) -> Complaint:
        """The complaint a sender's code opens; NotFound for a wrong code and for one whose
        case was closed too long ago (the same answer)."""
        found_id = receipt_id(self.receipt_key, code)
        if found_id is None:
            raise NotFound(code[:0])
        complaint = self._get(Complaint, found_id)
        if not complaint.receipt_valid(self.today()):
            raise NotFound(found_id)
        return complaint

    def receive_complaint(
        self,
        *,
        actor: str,
        kind: ComplaintKind,
        unit: str | None,
        sender: SenderCategory,
        channel: Channel,
        text: str,
        contact_wish: ContactWish,
        received_on: date | None = None,
    ) -> tuple[Complaint, str]:
        """The new complaint and its receipt code (the one time the code exists in clear)."""
        found_unit = self.organisation.unit(unit) if unit else None
        today = self.today()
        received = received_on or today
        made: list[tuple[Complaint, str]] = []

        def build(number: str) -> list[Aggregate]:
            code = new_receipt_code()  # a new code per attempt: its id is new too
            complaint_id = receipt_id(self.receipt_key, code)
            assert complaint_id is not None
            complaint = Complaint.receive(
                id=complaint_id, number=number, kind=kind,
                unit=found_unit.code if found_unit else None,
                operation=found_unit.operation if found_unit else None,
                sender=sender, channel=channel, text=text, contact_wish=contact_wish,
                received_on=received, today=today, actor=actor,
            )
            made[:] = [(complaint, code)]
            return [complaint]

        self._save_numbered(SeriesKind.COMPLAINT, received.year, build)
        return made[0]

    def acknowledge_complaint(
        self, complaint_id: UUID, *, actor: str, expected_version: int | None = None
    ) -> Complaint:
        return self._command(
            Complaint, complaint_id, expected_version, Complaint.acknowledge,
            today=self.today(), actor=actor,
        )

    def route_complaint(
        self,
        complaint_id: UUID,
        *,
        actor: str,
        unit: str,
        category: str,
        routed_on: date | None = None,
        expected_version: int | None = None,
    ) -> Complaint:
        """`routed_on`: the day, when registered afterwards (not ahead of today)."""
        found_unit = self.organisation.unit(unit)
        self._check_category(category)
        return self._command(
            Complaint, complaint_id, expected_version, Complaint.route,
            unit=found_unit.code, operation=found_unit.operation, category=category,
            today=self._day(routed_on, "routed_on"), actor=actor,
        )

    def _day(self, day: date | None, field: str) -> date:
        today = self.today()
        if day is None:
            return today
        check_not_future(field, day, today)
        return day

    def _check_category(self, category: str) -> None:
        """A kvalitetsområde the taxonomy knows and offers (its subcategories are the
        deviations' business)."""
        taxonomy = self.organisation.taxonomy()
        found = taxonomy.categories.get(category)
        if found is None or not found.active:
            raise UnknownCode("category", "Unknown category code: %(code)s", code=category)

    def answer_complaint(
        self,
        complaint_id: UUID,
        *,
        actor: str,
        text: str,
        answered_on: date | None = None,
        expected_version: int | None = None,
    ) -> Complaint:
        """`answered_on`: the day, when an answer given by phone or letter is registered
        afterwards (not ahead of today)."""
        return self._command(
            Complaint, complaint_id, expected_version, Complaint.answer,
            text=text, today=self._day(answered_on, "answered_on"), actor=actor,
        )

    def add_sender_message(self, code: str, *, text: str) -> Complaint:
        """The sender's own message, by the code (NotFound as for reading)."""
        complaint = self.complaint_by_receipt(code)
        complaint.add_sender_message(text=text, today=self.today())
        self._save(complaint)
        return complaint

    def close_complaint(
        self,
        complaint_id: UUID,
        *,
        actor: str,
        outcome: Outcome,
        summary: str,
        closed_on: date | None = None,
        expected_version: int | None = None,
    ) -> Complaint:
        today = self.today()
        return self._command(
            Complaint, complaint_id, expected_version, Complaint.close,
            outcome=outcome, summary=summary, closed_on=closed_on or today, today=today,
            actor=actor,
        )

    def open_deviation_from_complaint(
        self,
        complaint_id: UUID,
        *,
        actor: str,
        category: str,
        subcategory: str | None,
        description: str,
        occurred_on: date | None = None,
        expected_version: int | None = None,
    ) -> Deviation:
        """File a deviation in the complaint's unit and link it, in one save."""
        complaint = self._get(Complaint, complaint_id)
        if expected_version is not None and complaint.version != expected_version:
            raise ConflictError(expected_version, complaint.version)
        complaint.check_open()
        if complaint.unit is None:
            raise StepOutOfOrder("Route the complaint to a unit before opening a deviation.")
        taxonomy = self.organisation.taxonomy()
        today = self.today()
        unit = self.organisation.unit(complaint.unit)
        filed: list[Deviation] = []

        def build(number: str) -> list[Aggregate]:
            fresh = self._get(Complaint, complaint_id)
            deviation = Deviation.report(
                number=number, unit=unit.code, operation=unit.operation, category=category,
                subcategory=subcategory, occurred_on=occurred_on or complaint.received_on,
                reported_on=today, description=description, immediate_actions=None,
                case_reference=complaint.number, reporter=actor, source=Source.STAFF,
                taxonomy=taxonomy, today=today,
            )
            fresh.link_deviation(deviation_id=deviation.id, deviation_number=number, actor=actor)
            filed[:] = [deviation]
            return [deviation, fresh]

        self._save_numbered(SeriesKind.DEVIATION, today.year, build)
        return filed[0]

    def escalate_complaint_to_lex_sarah(
        self,
        complaint_id: UUID,
        *,
        actor: str,
        reason: str,
        expected_version: int | None = None,
    ) -> LexSarahCase:
        """The complaint revealed a missförhållande: its deviation is escalated to a Lex
        Sarah investigation, and the complaint records it, in one save."""
        today = self.today()
        opened: list[LexSarahCase] = []

        def build(number: str) -> list[Aggregate]:
            complaint = self._get(Complaint, complaint_id)
            if expected_version is not None and complaint.version != expected_version:
                raise ConflictError(expected_version, complaint.version)
            complaint.check_open()
            if complaint.deviation_id is None:
                raise StepOutOfOrder("Open or link a deviation before escalating to Lex Sarah.")
            deviation = self._get(Deviation, complaint.deviation_id)
            case = LexSarahCase.open(
                number=number, deviation_id=deviation.id, deviation_number=deviation.number,
                deviation_reported_on=deviation.reported_on, unit=deviation.unit,
                operation=deviation.operation, reason=reason, opened_on=today, today=today,
                actor=actor,
            )
            complaint.escalate(lex_sarah_case_id=case.id, lex_sarah_number=number, actor=actor)
            deviation.escalate(
                lex_sarah_case_id=case.id, reason=reason, opened_on=today, actor=actor
            )
            opened[:] = [case]
            return [case, deviation, complaint]

        self._save_numbered(SeriesKind.LEX_SARAH, today.year, build)
        return opened[0]


__all__ = ["ComplaintCommands", "NotFound"]
