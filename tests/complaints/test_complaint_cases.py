"""A complaint's life on real stores: received with a receipt code that only a keyed hash of
is stored, routed, answered, the sender's messages, a deviation and Lex Sarah, closed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine

from events.calendar import add_working_days
from events.complaint import (
    RECEIPT_VALID_AFTER_CLOSING,
    SENDER_ACTOR,
    Channel,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    ContactWish,
    Outcome,
    SenderCategory,
    normalise_receipt_code,
    receipt_id,
)
from events.errors import AlreadyRecorded, CaseClosed, StepOutOfOrder, UnknownCode, ValidationFailed
from events.taxonomy import Operation
from tracker.application import NotFound, TrackerApplication
from tracker.runtime import Runtime

pytestmark = pytest.mark.usefixtures("runtime")


def receive(application: TrackerApplication, **changes: Any) -> tuple[Complaint, str]:
    fields: dict[str, Any] = {
        "actor": SENDER_ACTOR,
        "kind": ComplaintKind.COMPLAINT,
        "unit": "hvb-notgarden",
        "sender": SenderCategory.CHILD,
        "channel": Channel.E_SERVICE,
        "text": "Personalen lyssnar inte när jag säger att jag är rädd på kvällarna.",
        "contact_wish": ContactWish.CODE,
    }
    return application.receive_complaint(**(fields | changes))


def test_a_complaint_gets_the_next_ks_number_and_the_unit_its_operation(
    application: TrackerApplication,
) -> None:
    first, _ = receive(application)
    second, _ = receive(application, unit=None, kind=ComplaintKind.PRAISE, text="Tack!")
    year = application.today().year
    assert (first.number, first.operation, first.unit) == (
        f"KS-{year}-0001", Operation.HVB, "hvb-notgarden")
    assert (second.number, second.operation, second.unit) == (f"KS-{year}-0002", None, None)
    assert first.status is ComplaintStatus.RECEIVED


def test_the_code_opens_its_complaint_however_it_is_typed(
    application: TrackerApplication,
) -> None:
    complaint, code = receive(application)
    assert len(normalise_receipt_code(code) or "") == 20
    typed = code.lower().replace("-", " ").replace("0", "o")
    assert application.complaint_by_receipt(typed).id == complaint.id
    with pytest.raises(NotFound):
        application.complaint_by_receipt(code[:-1] + ("A" if code[-1] != "A" else "B"))
    with pytest.raises(NotFound):
        application.complaint_by_receipt("not a code")


def test_the_code_is_not_stored_and_the_id_needs_the_key(runtime: Runtime) -> None:
    application = runtime.app
    complaint, code = receive(application)
    compact = normalise_receipt_code(code)
    assert compact is not None
    with runtime.engine.connect() as connection:
        for name in sa.inspect(connection).get_table_names():
            table = sa.Table(name, sa.MetaData(), autoload_with=connection)
            for row in connection.execute(sa.select(table)):
                dumped = repr(tuple(row)).upper()
                assert compact not in dumped and code not in dumped
    # Without the key (the installation's secret key, outside the database) the id cannot
    # be computed from a code.
    assert receipt_id(b"another key", code) != complaint.id
    assert receipt_id(application.receipt_key, code) == complaint.id


def test_routing_answering_and_the_senders_messages(application: TrackerApplication) -> None:
    complaint, code = receive(application, unit=None)
    with pytest.raises(StepOutOfOrder):
        application.answer_complaint(complaint.id, actor="utvecklare", text="Svar")
    with pytest.raises(UnknownCode):
        application.route_complaint(
            complaint.id, actor="utvecklare", unit="hvb-notgarden", category="nope")
    routed = application.route_complaint(
        complaint.id, actor="utvecklare", unit="hvb-notgarden", category="genomforande")
    assert routed.status is ComplaintStatus.INVESTIGATING
    assert (routed.unit, routed.operation, routed.category) == (
        "hvb-notgarden", Operation.HVB, "genomforande")
    assert routed.acknowledged_on == application.today()
    answered = application.answer_complaint(
        complaint.id, actor="enhetschef", text="Vi har pratat med personalen.")
    assert answered.status is ComplaintStatus.ANSWERED
    with_message = application.add_sender_message(code, text="Det är bättre nu.")
    assert [(who, text) for who, _, text in with_message.conversation] == [
        ("enhetschef", "Vi har pratat med personalen."),
        (SENDER_ACTOR, "Det är bättre nu."),
    ]


def test_a_personnummer_is_refused_and_nothing_is_stored(
    application: TrackerApplication,
) -> None:
    before = application.recorder.max_notification_id() or 0
    with pytest.raises(ValidationFailed) as refused:
        receive(application, text="Det gäller mig, 19121212-1212, på Notgården.")
    assert refused.value.field == "text"
    assert (application.recorder.max_notification_id() or 0) == before


def test_closing_needs_the_answer_the_sender_asked_for(application: TrackerApplication) -> None:
    complaint, code = receive(application)
    application.route_complaint(
        complaint.id, actor="utvecklare", unit="hvb-notgarden", category="genomforande")
    with pytest.raises(StepOutOfOrder):
        application.close_complaint(
            complaint.id, actor="enhetschef", outcome=Outcome.ACTED, summary="Klart.")
    application.answer_complaint(complaint.id, actor="enhetschef", text="Vi har ändrat rutinen.")
    closed = application.close_complaint(
        complaint.id, actor="enhetschef", outcome=Outcome.ACTED, summary="Rutin ändrad.")
    assert (closed.status, closed.outcome) == (ComplaintStatus.CLOSED, Outcome.ACTED)
    with pytest.raises(CaseClosed):
        application.add_sender_message(code, text="En sak till.")
    # The code opens the closed case for a while, then answers like a wrong one.
    assert application.complaint_by_receipt(code).id == complaint.id
    later = RECEIPT_VALID_AFTER_CLOSING + timedelta(days=1)
    with time_machine.travel(application.now() + later, tick=True), pytest.raises(NotFound):
        application.complaint_by_receipt(code)


def test_a_deviation_opened_from_a_complaint_and_lex_sarah(
    application: TrackerApplication,
) -> None:
    complaint, _ = receive(application)
    application.route_complaint(
        complaint.id, actor="utvecklare", unit="hvb-notgarden", category="genomforande")
    with pytest.raises(StepOutOfOrder):
        application.escalate_complaint_to_lex_sarah(
            complaint.id, actor="utvecklare", reason="Missförhållande.")
    deviation = application.open_deviation_from_complaint(
        complaint.id, actor="utvecklare", category="genomforande", subcategory=None,
        description="Barnet blev inte lyssnat på under kvällarna.")
    linked = application.get_complaint(complaint.id)
    assert (linked.deviation_id, linked.deviation_number) == (deviation.id, deviation.number)
    assert deviation.unit == "hvb-notgarden" and deviation.case_reference == complaint.number
    with pytest.raises(AlreadyRecorded):
        application.open_deviation_from_complaint(
            complaint.id, actor="utvecklare", category="genomforande", subcategory=None,
            description="Igen.")
    case = application.escalate_complaint_to_lex_sarah(
        complaint.id, actor="utvecklare", reason="Barnet far illa.")
    escalated = application.get_complaint(complaint.id)
    assert (escalated.lex_sarah_case_id, escalated.lex_sarah_number) == (case.id, case.number)
    assert application.get_deviation(deviation.id).lex_sarah_case_id == case.id


def test_staff_register_a_phone_call_on_the_day_it_came(application: TrackerApplication) -> None:
    yesterday = application.today() - timedelta(days=1)
    complaint, _ = receive(
        application, actor="utvecklare", channel=Channel.PHONE, received_on=yesterday,
        sender=SenderCategory.RELATIVE, contact_wish=ContactWish.PHONE)
    assert (complaint.channel, complaint.received_on, complaint.registered_by) == (
        Channel.PHONE, yesterday, "utvecklare")
    with pytest.raises(ValidationFailed):
        receive(application, received_on=application.today() + timedelta(days=1))


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 12, 4), 2, date(2026, 12, 8)),  # Friday -> Tuesday
        (date(2026, 12, 23), 2, date(2026, 12, 29)),  # julafton, juldagen, annandag, weekend
        (date(2026, 6, 17), 2, date(2026, 6, 22)),  # midsommarafton 19 June
    ],
)
def test_working_days_skip_weekends_and_holidays(start: date, days: int, due: date) -> None:
    assert add_working_days(start, days) == due
